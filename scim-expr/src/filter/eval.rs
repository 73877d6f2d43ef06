//! Evaluation of a compiled filter against any [`Node`].
//!
//! The parser resolves every attribute path against the schemas once, per resource type, into a [`Leaf`] (how
//! the compared values behave: caseExact, dateTime). Evaluation then walks only the attributes the filter names.

use crate::compare::{self, Instant, Num};
use crate::filter::CompareOp;
use crate::node::{Node, View};

/// How the values at the end of a path compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Leaf {
    /// Strings compare exactly (caseExact, or binary).
    pub exact: bool,
    /// Strings are xsd:dateTime and compare as instants.
    pub datetime: bool,
}

/// An attribute path resolved for evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The extension object's key (its schema URN) for attributes outside the core schema.
    pub container: Option<Box<str>>,
    pub name: Box<str>,
    pub sub: Option<Box<str>>,
    /// Index 0: unknown resource type; index k + 1: resource type k. A single entry when all agree.
    pub leaves: Box<[Leaf]>,
}

impl Target {
    fn leaf(&self, slot: usize) -> Leaf {
        self.leaves.get(slot).or(self.leaves.first()).copied().unwrap_or_default()
    }
}

/// A compValue prepared for comparison.
#[derive(Debug, Clone)]
pub(crate) enum Prepared {
    Null,
    Bool(bool),
    Num(Num),
    /// `boolean`: what the string means compared with a boolean value (`boolean_strings`).
    Str {
        text: Box<str>,
        instant: Option<Instant>,
        boolean: Option<bool>,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum Compiled {
    Present(Target),
    Compare(Target, CompareOp, Prepared),
    Not(Box<Compiled>),
    And(Box<[Compiled]>),
    Or(Box<[Compiled]>),
    ValuePath(Target, Box<Compiled>),
}

/// Evaluates `c` with `scope` as the resource (or, inside brackets, the multi-valued attribute's element).
pub(crate) fn eval<N: Node>(c: &Compiled, scope: &N, slot: usize) -> Result<bool, N::Error> {
    match c {
        Compiled::Present(t) => any_value(t, scope, false, &mut |v| present(v, 0)),
        Compiled::Compare(t, op, Prepared::Null) => {
            let assigned = any_value(t, scope, false, &mut |v| Ok(!matches!(v.view()?, View::Null)))?;
            // `eq null` asks whether the attribute is unassigned (RFC 7643 §2.5); ordering with null is refused by
            // the parser.
            Ok(if *op == CompareOp::Ne { assigned } else { !assigned })
        }
        Compiled::Compare(t, CompareOp::Ne, value) => {
            let leaf = t.leaf(slot);
            Ok(!any_value(t, scope, true, &mut |v| Ok(compare(&v.view()?, CompareOp::Eq, value, leaf)))?)
        }
        Compiled::Compare(t, op, value) => {
            let leaf = t.leaf(slot);
            any_value(t, scope, true, &mut |v| Ok(compare(&v.view()?, *op, value, leaf)))
        }
        Compiled::Not(inner) => Ok(!eval(inner, scope, slot)?),
        Compiled::And(items) => {
            for item in items.iter() {
                if !eval(item, scope, slot)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Compiled::Or(items) => {
            for item in items.iter() {
                if eval(item, scope, slot)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Compiled::ValuePath(t, inner) => any_value(t, scope, false, &mut |element| eval(inner, element, slot)),
    }
}

/// Calls `f` on each value the path reaches, stopping at the first `true`: the elements of a multi-valued
/// attribute, the sub-attribute of each, and, when `complex_value` is set, the `value` sub-attribute of a complex
/// value compared without a sub-attribute (rfc-digest §5 A5).
/// `f` is generic rather than `dyn` so that each comparison is inlined into the walk: a filter over a large
/// group's members runs this once per member.
fn any_value<N: Node, F>(t: &Target, scope: &N, complex_value: bool, f: &mut F) -> Result<bool, N::Error>
where
    F: FnMut(&N) -> Result<bool, N::Error>,
{
    let base = match &t.container {
        Some(urn) => match scope.get(urn)? {
            Some(ext) => ext.get(&t.name)?,
            None => None,
        },
        None => match scope.get(&t.name)? {
            // Inside brackets on a multi-valued attribute of simple values, `value` is the element itself
            // (`schemas[value eq "…"]`, erratum 7122).
            None if t.name.eq_ignore_ascii_case("value") && !matches!(scope.view()?, View::Object) => {
                Some(scope.clone())
            }
            found => found,
        },
    };
    let Some(base) = base else {
        return Ok(false);
    };
    each_element(&base, &mut |item| match &t.sub {
        Some(sub) => match item.get(sub)? {
            Some(s) => each_element(&s, f),
            None => Ok(false),
        },
        None if complex_value && matches!(item.view()?, View::Object) => match item.get("value")? {
            Some(v) => each_element(&v, f),
            None => Ok(false),
        },
        None => f(item),
    })
}

/// `f` on each element of an array, or on the node itself when it is not one.
fn each_element<N: Node, F>(n: &N, f: &mut F) -> Result<bool, N::Error>
where
    F: FnMut(&N) -> Result<bool, N::Error>,
{
    let View::Array(len) = n.view()? else {
        return f(n);
    };
    for i in 0..len {
        if let Some(item) = n.index(i)? {
            if f(&item)? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// `pr`: "a non-empty value, or a non-empty node for complex attributes". null, `""`, `[]`, `{}` and objects of
/// only empty members are empty (rfc-digest §5 A4). Past a few levels (deeper than any SCIM attribute) a node
/// counts as present without being read.
fn present<N: Node>(n: &N, depth: usize) -> Result<bool, N::Error> {
    if depth > 3 {
        return Ok(true);
    }
    Ok(match n.view()? {
        View::Null => false,
        View::String(s) => !s.is_empty(),
        View::Bool(_) | View::Number(_) => true,
        View::Array(len) => {
            for i in 0..len {
                if let Some(item) = n.index(i)? {
                    if present(&item, depth + 1)? {
                        return Ok(true);
                    }
                }
            }
            false
        }
        View::Object => n.any_member(&mut |m| present(m, depth + 1))?,
    })
}

fn holds(op: CompareOp, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        CompareOp::Eq => ord == Equal,
        CompareOp::Ne => ord != Equal,
        CompareOp::Gt => ord == Greater,
        CompareOp::Ge => ord != Less,
        CompareOp::Lt => ord == Less,
        CompareOp::Le => ord != Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// One document value against the filter's value. Values of different JSON types never compare.
fn compare(v: &View<'_>, op: CompareOp, want: &Prepared, leaf: Leaf) -> bool {
    match (v, want) {
        (View::String(have), Prepared::Str { text, instant, .. }) => {
            if leaf.datetime && !op.is_substring() {
                if let (Some(a), Some(b)) = (compare::parse_datetime(have), instant) {
                    return holds(op, a.cmp(b));
                }
            }
            match op {
                CompareOp::Co => compare::str_contains(have, text, leaf.exact),
                CompareOp::Sw => compare::str_starts_with(have, text, leaf.exact),
                CompareOp::Ew => compare::str_ends_with(have, text, leaf.exact),
                CompareOp::Eq => compare::str_eq(have, text, leaf.exact),
                _ => holds(op, compare::str_cmp(have, text, leaf.exact)),
            }
        }
        (View::Number(a), Prepared::Num(b)) => a.compare(*b).is_some_and(|ord| holds(op, ord)),
        (View::Bool(a), Prepared::Bool(b) | Prepared::Str { boolean: Some(b), .. }) => op == CompareOp::Eq && a == b,
        _ => false,
    }
}
