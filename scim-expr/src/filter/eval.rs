//! Evaluation of a compiled filter against any [`Node`].
//!
//! The parser resolves every attribute path against the schemas once, per resource type, into a [`Leaf`] (how
//! the compared values behave: caseExact, dateTime). Evaluation then walks only the attributes the filter names.

use crate::compare::{self, Instant, Num};
use crate::filter::{AttrPath, CompValue, CompareOp, Expr};
use crate::grammar::split_attr_path;
use crate::node::{Node, View};

/// How the values at the end of a path compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Leaf {
    /// Strings compare exactly (caseExact, or binary).
    pub exact: bool,
    /// Strings are xsd:dateTime and compare as instants.
    pub datetime: bool,
}

/// A byte range of [`Compiled`]'s text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
}

/// The [`Leaf`] of each slot: index 0 for an unknown resource type, k + 1 for resource type k.
#[derive(Debug)]
pub(crate) enum Leaves {
    /// Every slot agrees.
    One(Leaf),
    PerKind(Box<[Leaf]>),
}

impl Clone for Leaves {
    /// Inline, as a chain's remembered path clones its target once per term and nearly always holds `One`.
    #[inline(always)]
    fn clone(&self) -> Leaves {
        match self {
            Leaves::One(leaf) => Leaves::One(*leaf),
            Leaves::PerKind(leaves) => Leaves::PerKind(leaves.clone()),
        }
    }
}

impl Leaves {
    /// Whether some slot compares strings as dateTime instants.
    pub(crate) fn any_datetime(&self) -> bool {
        match self {
            Leaves::One(leaf) => leaf.datetime,
            Leaves::PerKind(leaves) => leaves.iter().any(|l| l.datetime),
        }
    }
}

/// An attribute path resolved for evaluation.
#[derive(Debug)]
pub(crate) struct Target {
    /// The extension object's key (its schema URN) for attributes outside the core schema.
    pub container: Option<Span>,
    pub name: Span,
    pub sub: Option<Span>,
    pub leaves: Leaves,
}

impl Clone for Target {
    #[inline(always)]
    fn clone(&self) -> Target {
        Target { container: self.container, name: self.name, sub: self.sub, leaves: self.leaves.clone() }
    }
}

impl Target {
    fn leaf(&self, slot: usize) -> Leaf {
        match &self.leaves {
            Leaves::One(leaf) => *leaf,
            Leaves::PerKind(leaves) => leaves.get(slot).or(leaves.first()).copied().unwrap_or_default(),
        }
    }
}

/// A compValue prepared for comparison.
#[derive(Debug, Clone)]
pub(crate) enum Prepared {
    Null,
    Bool(bool),
    Num(Num),
    /// `instant`: the string as an xsd:dateTime, when some slot compares it as one. `boolean`: what the string
    /// means compared with a boolean value (`boolean_strings`).
    Str {
        text: Span,
        instant: Option<Instant>,
        boolean: Option<bool>,
    },
}

/// One node of a compiled filter. `path` is the attribute path as written, for the syntax tree; children are
/// indexes into [`Compiled`]'s node list.
#[derive(Debug, Clone)]
pub(crate) enum Term {
    Present { target: Target, path: Span },
    Compare { target: Target, path: Span, op: CompareOp, value: Prepared },
    Not(u32),
    And { start: u32, len: u32 },
    Or { start: u32, len: u32 },
    ValuePath { target: Target, path: Span, filter: u32 },
}

/// A filter as the parser compiles it: the root term, the terms below it in one list, and one string holding
/// every name and value they use (the source text, then the strings it does not hold verbatim). Parsing builds
/// only this; [`Compiled::to_expr`] derives the syntax tree from it.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    text: Box<str>,
    root: Term,
    nodes: Box<[Term]>,
}

impl Compiled {
    pub fn new(text: String, root: Term, nodes: Box<[Term]>) -> Compiled {
        Compiled { text: text.into_boxed_str(), root, nodes }
    }

    pub(crate) fn text(&self, span: Span) -> &str {
        self.text.get(span.start as usize..span.end as usize).unwrap_or("")
    }

    pub(crate) fn root(&self) -> &Term {
        &self.root
    }

    pub(crate) fn node(&self, i: u32) -> Option<&Term> {
        self.nodes.get(i as usize)
    }

    pub(crate) fn children(&self, start: u32, len: u32) -> &[Term] {
        let start = start as usize;
        self.nodes.get(start..start + len as usize).unwrap_or(&[])
    }

    /// The syntax tree: names as written, values unescaped.
    pub fn to_expr(&self) -> Expr {
        self.expr_of(&self.root)
    }

    // The parser builds every index and span, so the fallbacks below (an empty `and`, `null`) are never taken.
    fn expr_of(&self, term: &Term) -> Expr {
        let child = |i: u32| Box::new(self.nodes.get(i as usize).map_or(Expr::And(Vec::new()), |t| self.expr_of(t)));
        match term {
            Term::Present { path, .. } => Expr::Present(self.attr_path(*path)),
            Term::Compare { path, op, value, .. } => {
                Expr::Compare { path: self.attr_path(*path), op: *op, value: self.comp_value(value) }
            }
            Term::Not(i) => Expr::Not(child(*i)),
            Term::And { start, len } => {
                Expr::And(self.children(*start, *len).iter().map(|t| self.expr_of(t)).collect())
            }
            Term::Or { start, len } => Expr::Or(self.children(*start, *len).iter().map(|t| self.expr_of(t)).collect()),
            Term::ValuePath { path, filter, .. } => {
                Expr::ValuePath { path: self.attr_path(*path), filter: child(*filter) }
            }
        }
    }

    fn attr_path(&self, span: Span) -> AttrPath {
        let (urn, name, sub) = split_attr_path(self.text(span));
        AttrPath { urn: urn.map(str::to_string), name: name.to_string(), sub_attr: sub.map(str::to_string) }
    }

    fn comp_value(&self, value: &Prepared) -> CompValue {
        match value {
            Prepared::Null => CompValue::Null,
            Prepared::Bool(b) => CompValue::Bool(*b),
            // The parser read the number into a `serde_json::Number` from an i64, a u64 or a finite f64; `Num`
            // holds that value, and this gives back an equal `Number`.
            Prepared::Num(Num::Int(i)) => CompValue::Number((*i).into()),
            Prepared::Num(Num::UInt(u)) => CompValue::Number((*u).into()),
            Prepared::Num(Num::Float(f)) => serde_json::Number::from_f64(*f).map_or(CompValue::Null, CompValue::Number),
            Prepared::Str { text, .. } => CompValue::String(self.text(*text).to_string()),
        }
    }
}

/// When `c` is one `eq` comparison of a string with an attribute of the scope itself (`value eq "…"`: no
/// sub-attribute, no extension) whose strings are not dateTimes: the attribute's name as written, the string, and
/// whether it compares exactly. On a scope whose member `name` (as [`Node::get`] finds it) is a string `s`, the
/// filter holds exactly when `compare::str_eq(s, want, exact)` does; on any other scope, evaluate it.
pub(crate) fn string_eq(c: &Compiled, slot: usize) -> Option<(&str, &str, bool)> {
    match &c.root {
        Term::Compare { target, op: CompareOp::Eq, value: Prepared::Str { text, .. }, .. }
            if target.container.is_none() && target.sub.is_none() && !target.leaf(slot).datetime =>
        {
            Some((c.text(target.name), c.text(*text), target.leaf(slot).exact))
        }
        _ => None,
    }
}

/// Evaluates `c` with `scope` as the resource (or, inside brackets, the multi-valued attribute's element).
pub(crate) fn eval<N: Node>(c: &Compiled, scope: &N, slot: usize) -> Result<bool, N::Error> {
    eval_term(c, &c.root, scope, slot)
}

fn eval_term<N: Node>(c: &Compiled, term: &Term, scope: &N, slot: usize) -> Result<bool, N::Error> {
    match term {
        Term::Present { target, .. } => any_value(c, target, scope, false, &mut |v| present(v, 0)),
        Term::Compare { target, op, value: Prepared::Null, .. } => {
            let assigned = any_value(c, target, scope, false, &mut |v| Ok(!matches!(v.view()?, View::Null)))?;
            // `eq null` asks whether the attribute is unassigned (RFC 7643 §2.5); ordering with null is refused by
            // the parser.
            Ok(if *op == CompareOp::Ne { assigned } else { !assigned })
        }
        Term::Compare { target, op, value, .. } => {
            let leaf = target.leaf(slot);
            let want = match value {
                Prepared::Str { text, .. } => c.text(*text),
                _ => "",
            };
            if *op == CompareOp::Ne {
                let eq = any_value(c, target, scope, true, &mut |v| {
                    Ok(compare(&v.view()?, CompareOp::Eq, value, want, leaf))
                })?;
                Ok(!eq)
            } else {
                any_value(c, target, scope, true, &mut |v| Ok(compare(&v.view()?, *op, value, want, leaf)))
            }
        }
        Term::Not(inner) => match c.nodes.get(*inner as usize) {
            Some(inner) => Ok(!eval_term(c, inner, scope, slot)?),
            None => Ok(true),
        },
        Term::And { start, len } => {
            for item in c.children(*start, *len) {
                if !eval_term(c, item, scope, slot)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Term::Or { start, len } => {
            for item in c.children(*start, *len) {
                if eval_term(c, item, scope, slot)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Term::ValuePath { target, filter, .. } => match c.nodes.get(*filter as usize) {
            Some(inner) => any_value(c, target, scope, false, &mut |element| eval_term(c, inner, element, slot)),
            None => Ok(false),
        },
    }
}

/// Calls `f` on each value the path reaches, stopping at the first `true`: the elements of a multi-valued
/// attribute, the sub-attribute of each, and, when `complex_value` is set, the `value` sub-attribute of a complex
/// value compared without a sub-attribute (rfc-digest §5 A5).
/// `f` is generic rather than `dyn` so that each comparison is inlined into the walk: a filter over a large
/// group's members runs this once per member.
fn any_value<N: Node, F>(c: &Compiled, t: &Target, scope: &N, complex_value: bool, f: &mut F) -> Result<bool, N::Error>
where
    F: FnMut(&N) -> Result<bool, N::Error>,
{
    let name = c.text(t.name);
    let base = match t.container {
        Some(urn) => match scope.get(c.text(urn))? {
            Some(ext) => ext.get(name)?,
            None => None,
        },
        None => match scope.get(name)? {
            // Inside brackets on a multi-valued attribute of simple values, `value` is the element itself
            // (`schemas[value eq "…"]`, erratum 7122).
            None if name.eq_ignore_ascii_case("value") && !matches!(scope.view()?, View::Object) => Some(scope.clone()),
            found => found,
        },
    };
    let Some(base) = base else {
        return Ok(false);
    };
    each_element(&base, &mut |item| match t.sub {
        Some(sub) => match item.get(c.text(sub))? {
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
fn compare(v: &View<'_>, op: CompareOp, want: &Prepared, text: &str, leaf: Leaf) -> bool {
    match (v, want) {
        (View::String(have), Prepared::Str { instant, .. }) => {
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
