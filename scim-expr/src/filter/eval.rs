//! Evaluation of a compiled filter against any [`Node`].
//!
//! The parser resolves every attribute path against the schemas once, per resource type, into a [`Leaf`] (how
//! the compared values behave: caseExact, dateTime). Evaluation then walks only the attributes the filter names.

use std::sync::OnceLock;

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
#[derive(Debug, PartialEq)]
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
    #[inline]
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

/// An `or` (its operands' place in the node list) evaluated with its runs grouped: `operands` in order, each a
/// single operand or a run. [`group_runs`] finds them; [`Filter`](crate::Filter) keeps them, found on its first
/// evaluation, so that a filter only parsed (validated, or translated to a query) does not pay for them.
#[derive(Debug, Clone)]
pub(crate) struct Grouped {
    start: u32,
    len: u32,
    operands: Box<[Operand]>,
}

/// An operand of a [`Grouped`] `or`.
#[derive(Debug, Clone)]
enum Operand {
    /// The node at this index.
    One(u32),
    /// Two or more comparisons `eq` a string on one path, `start..start + len` in the node list: the path is read
    /// once, and each value it reaches looked up among the strings (in `set` for a run of at least [`SET_MIN`]).
    Run { start: u32, len: u32, set: Option<StrSet> },
}

/// Runs shorter than this compare each string in turn after the one read of the path: no set to build.
const SET_MIN: usize = 5;

/// The strings of a run of `eq` comparisons, for lookups ignoring case or not.
#[derive(Debug, Clone)]
pub(crate) struct StrSet {
    /// [`compare::fold_hash`] of each string with its span, sorted by hash.
    entries: Box<[(u64, Span)]>,
    /// Whether a boolean `false` / `true` equals one of the strings (`boolean_strings`: `"True"` compared with a
    /// boolean attribute).
    booleans: [bool; 2],
}

impl StrSet {
    fn new(c: &Compiled, terms: &[Term]) -> StrSet {
        let mut booleans = [false; 2];
        let mut entries: Vec<(u64, Span)> = terms
            .iter()
            .filter_map(|t| match t {
                Term::Compare { value: Prepared::Str { text, boolean, .. }, .. } => {
                    if let Some(seen) = boolean.and_then(|b| booleans.get_mut(usize::from(b))) {
                        *seen = true;
                    }
                    Some((compare::fold_hash(c.text(*text)), *text))
                }
                _ => None,
            })
            .collect();
        entries.sort_unstable_by_key(|(hash, _)| *hash);
        StrSet { entries: entries.into_boxed_slice(), booleans }
    }

    /// Whether `have` equals one of the strings, exactly or ignoring case.
    fn contains(&self, c: &Compiled, have: &str, exact: bool) -> bool {
        let hash = compare::fold_hash(have);
        let from = self.entries.partition_point(|(h, _)| *h < hash);
        let same = self.entries.get(from..).unwrap_or(&[]).iter().take_while(|(h, _)| *h == hash);
        same.into_iter().any(|(_, text)| compare::str_eq(have, c.text(*text), exact))
    }
}

/// The operand of a run: `eq` with a string, on a path whose values do not compare as dateTimes (whose instants a
/// string lookup would not see).
fn run_target(term: &Term) -> Option<&Target> {
    match term {
        Term::Compare { target, op: CompareOp::Eq, value: Prepared::Str { .. }, .. }
            if !target.leaves.any_datetime() =>
        {
            Some(target)
        }
        _ => None,
    }
}

/// Whether two targets read the same values the same way: the same path text (a member read by its exact name
/// wins over one differing in case, so a path written in another case may read another member) and leaves.
fn same_target(text: &str, a: &Target, b: &Target) -> bool {
    // A chain's remembered path gives its comparisons the same spans: compared first, as numbers.
    let same_spans = a.name == b.name && a.container == b.container && a.sub == b.sub;
    let t = |s: Span| text.get(s.start as usize..s.end as usize);
    let same_text =
        || a.container.map(t) == b.container.map(t) && t(a.name) == t(b.name) && a.sub.map(t) == b.sub.map(t);
    a.leaves == b.leaves && (same_spans || same_text())
}

/// The length of the run of comparisons on `items[0]`'s target that `items` starts with (0 when the first item is
/// no run operand).
fn run_len(text: &str, items: &[Term]) -> usize {
    let mut rest = items.iter();
    let Some(mut last) = rest.next().and_then(run_target) else { return 0 };
    let mut n = 1;
    for item in rest {
        // Each against the one before: from the third on, a chain's remembered path has the same spans as that.
        match run_target(item) {
            Some(target) if same_target(text, last, target) => {
                last = target;
                n += 1;
            }
            _ => break,
        }
    }
    n
}

/// The runs of `or`s whose operands include two or more comparisons `eq` a string on one path in a row, each
/// run as one [`Operand::Run`]. What the filter means does not change: `or` of comparisons that read the same
/// values is whether one of those values equals one of the strings.
pub(crate) fn group_runs(c: &Compiled) -> Box<[Grouped]> {
    let mut grouped: Vec<Grouped> = Vec::new();
    for term in std::iter::once(&c.root).chain(c.nodes.iter()) {
        let Term::Or { start, len } = *term else { continue };
        let items = c.children(start, len);
        // Checked first, so that a filter without runs allocates nothing (runs end at the first operand that
        // starts none, so this reads each operand about once).
        if !(0..items.len()).any(|at| run_len(&c.text, items.get(at..).unwrap_or(&[])) >= 2) {
            continue;
        }
        let mut operands = Vec::new();
        let mut at = 0;
        while at < items.len() {
            let n = run_len(&c.text, items.get(at..).unwrap_or(&[]));
            if n >= 2 {
                let (run_start, run_len) = (index(start as usize + at), index(n));
                let set = (n >= SET_MIN).then(|| StrSet::new(c, c.children(run_start, run_len)));
                operands.push(Operand::Run { start: run_start, len: run_len, set });
                at += n;
            } else {
                operands.push(Operand::One(index(start as usize + at)));
                at += 1;
            }
        }
        grouped.push(Grouped { start, len, operands: operands.into_boxed_slice() });
    }
    grouped.sort_unstable_by_key(|g| (g.start, g.len));
    // A copy of an `or` (an `and` chain extended by a quirk copies its operands) shares its list.
    grouped.dedup_by_key(|g| (g.start, g.len));
    grouped.into_boxed_slice()
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl Compiled {
    pub fn new(text: String, root: Term, nodes: Box<[Term]>) -> Compiled {
        Compiled { text: text.into_boxed_str(), root, nodes }
    }

    #[inline]
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
#[inline]
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
    eval_term(c, None, &c.root, scope, slot)
}

/// [`eval`] with the `or`s that [`group_runs`] found in `c`.
/// `runs` is found when an `or` is first evaluated, so that a filter without one never looks at it.
///
/// The most common filter, `attr eq "…"` (`userName`, `externalId`, `displayName`), on a scope whose member is a
/// string is decided here in one read and one comparison, as [`string_eq`] allows; any other value the member
/// holds (an array, a complex value, a boolean) takes the general walk.
pub(crate) fn eval_grouped<N: Node>(c: &Compiled, runs: &Runs, scope: &N, slot: usize) -> Result<bool, N::Error> {
    if let Some((name, want, exact)) = string_eq(c, slot) {
        if let Some(member) = scope.get(name)? {
            if let View::String(have) = member.view()? {
                return Ok(compare::str_eq(&have, want, exact));
            }
        }
    }
    eval_term(c, Some(runs), &c.root, scope, slot)
}

/// The grouped `or`s of a compiled filter, found by [`group_runs`] when first needed.
pub(crate) type Runs = OnceLock<Box<[Grouped]>>;

/// The grouped form of the `or` of `start..start + len`, when it has runs.
fn grouped<'r>(c: &Compiled, runs: Option<&'r Runs>, start: u32, len: u32) -> Option<&'r Grouped> {
    let runs = runs?.get_or_init(|| group_runs(c));
    if runs.is_empty() {
        return None;
    }
    let at = runs.binary_search_by_key(&(start, len), |g| (g.start, g.len)).ok()?;
    runs.get(at)
}

fn eval_term<N: Node>(
    c: &Compiled,
    runs: Option<&Runs>,
    term: &Term,
    scope: &N,
    slot: usize,
) -> Result<bool, N::Error> {
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
            Some(inner) => Ok(!eval_term(c, runs, inner, scope, slot)?),
            None => Ok(true),
        },
        Term::And { start, len } => {
            for item in c.children(*start, *len) {
                if !eval_term(c, runs, item, scope, slot)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Term::Or { start, len } => {
            if let Some(grouped) = grouped(c, runs, *start, *len) {
                for operand in grouped.operands.iter() {
                    let hit = match operand {
                        Operand::One(i) => match c.nodes.get(*i as usize) {
                            Some(item) => eval_term(c, runs, item, scope, slot)?,
                            None => false,
                        },
                        Operand::Run { start, len, set } => any_of(c, *start, *len, set.as_ref(), scope, slot)?,
                    };
                    if hit {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            for item in c.children(*start, *len) {
                if eval_term(c, runs, item, scope, slot)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Term::ValuePath { target, filter, .. } => match c.nodes.get(*filter as usize) {
            Some(inner) => any_value(c, target, scope, false, &mut |element| eval_term(c, runs, inner, element, slot)),
            None => Ok(false),
        },
    }
}

/// A run of `eq` comparisons with strings on one path, as `or` of them decides it: a value the path reaches
/// matches when it is a string equal to one of theirs (exactly or ignoring case, as the path's leaf compares), or
/// a boolean that one of them stands for (`boolean_strings`); no other JSON type equals a string (see
/// [`compare`]). The comparisons share the path, so it is read once.
fn any_of<N: Node>(
    c: &Compiled,
    start: u32,
    len: u32,
    set: Option<&StrSet>,
    scope: &N,
    slot: usize,
) -> Result<bool, N::Error> {
    let terms = c.children(start, len);
    let Some(target) = terms.first().and_then(run_target) else {
        return Ok(false);
    };
    let leaf = target.leaf(slot);
    any_value(c, target, scope, true, &mut |v| {
        Ok(match (v.view()?, set) {
            (View::String(have), Some(set)) => set.contains(c, &have, leaf.exact),
            (View::Bool(have), Some(set)) => set.booleans.get(usize::from(have)).is_some_and(|b| *b),
            (View::String(have), None) => terms.iter().any(|t| match t {
                Term::Compare { value: Prepared::Str { text, .. }, .. } => {
                    compare::str_eq(&have, c.text(*text), leaf.exact)
                }
                _ => false,
            }),
            (View::Bool(have), None) => terms.iter().any(
                |t| matches!(t, Term::Compare { value: Prepared::Str { boolean: Some(b), .. }, .. } if *b == have),
            ),
            _ => false,
        })
    })
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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::SET_MIN;
    use crate::filter::Expr;
    use crate::{Filter, Options, Quirks};

    /// The runs of `f`'s compiled form, as its first evaluation groups them: (number of comparisons, whether the
    /// `or` has other operands) of each.
    fn runs(f: &Filter) -> Vec<(u32, bool)> {
        let mut runs: Vec<(u32, bool)> = super::group_runs(&f.compiled)
            .iter()
            .flat_map(|g| {
                let part = g.operands.len() > 1;
                g.operands.iter().filter_map(move |o| match o {
                    super::Operand::Run { len, .. } => Some((*len, part)),
                    super::Operand::One(_) => None,
                })
            })
            .collect();
        runs.sort_unstable();
        runs
    }

    fn chain(operands: &[String]) -> String {
        operands.join(" or ")
    }

    const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

    #[test]
    fn only_maximal_runs_of_string_equality_on_one_path_are_grouped() {
        let parse = |t: &str| Filter::parse(t).unwrap();
        let eqs = |path: &str, n: usize| (0..n).map(|i| format!(r#"{path} eq "v{i}""#)).collect::<Vec<_>>();
        assert_eq!(runs(&parse(&chain(&eqs("userName", 50)))), vec![(50, false)]);
        assert_eq!(runs(&parse(&chain(&eqs("userName", 2)))), vec![(2, false)]);
        assert_eq!(runs(&parse(r#"userName eq "a""#)), vec![]);
        // Another path, another operator, a number, a dateTime path, a path in another case: each ends a run.
        let mixed = [
            eqs("userName", 3),
            vec![r#"title eq "t""#.into()],
            eqs("userName", 6),
            vec![r#"userName co "x""#.into(), r#"userName eq "y""#.into(), "x eq 5".into(), "x eq 6".into()],
            vec![r#"USERNAME eq "z""#.into(), r#"userName eq "z""#.into()],
            vec![
                r#"meta.created eq "2011-05-13T04:42:34Z""#.into(),
                r#"meta.created eq "2012-05-13T04:42:34Z""#.into(),
            ],
        ]
        .concat();
        let f = parse(&chain(&mixed));
        assert_eq!(
            runs(&f),
            vec![(3, true), (6, true), (0, false)].into_iter().filter(|r| r.0 > 0).collect::<Vec<_>>()
        );
        // Grouping changes neither the tree nor the text.
        let singles: Vec<Expr> = mixed.iter().map(|t| parse(t).ast().clone()).collect();
        assert_eq!(f.ast(), &Expr::Or(singles));
        assert_eq!(parse(&f.to_string()).ast(), f.ast());
        // A parenthesized run stays a nested `or` in the tree; one under `not`, `and` or brackets is grouped too.
        let f = parse(r#"(userName eq "a" or userName eq "b") or title eq "t""#);
        assert_eq!(f.to_string(), r#"(userName eq "a" or userName eq "b") or title eq "t""#);
        assert_eq!(runs(&f), vec![(2, false)]);
        let f = parse(
            r#"not (id eq "a" or id eq "b") and emails[value eq "a" or value eq "b" or type eq "c"] and (x eq "1" or x eq "2")"#,
        );
        assert_eq!(runs(&f), vec![(2, false), (2, false), (2, true)]);
        assert_eq!(
            f.to_string(),
            r#"not (id eq "a" or id eq "b") and emails[value eq "a" or value eq "b" or type eq "c"] and (x eq "1" or x eq "2")"#
        );
    }

    #[test]
    fn a_run_decides_as_its_comparisons() {
        let many = |path: &str, values: &[&str]| {
            let mut ops: Vec<String> = values.iter().map(|v| format!(r#"{path} eq "{v}""#)).collect();
            ops.extend((0..SET_MIN).map(|i| format!(r#"{path} eq "filler{i}""#)));
            chain(&ops)
        };
        let user = |v: Value| json!({"schemas": [USER], "userName": v, "id": v, "emails": [{"value": v}]});
        // userName ignores case, id does not; `ß` folds to `ss`, the Kelvin sign to `k`.
        let f = Filter::parse(&many("userName", &["Straße", "kelvin", "b"])).unwrap();
        assert!(f.matches(&user(json!("STRASSE"))));
        assert!(f.matches(&user(json!("\u{212A}ELVIN"))));
        assert!(f.matches(&user(json!("B"))));
        assert!(f.matches(&user(json!("FILLER3"))));
        assert!(!f.matches(&user(json!("c"))));
        assert!(!f.matches(&user(json!(5))));
        assert!(!f.matches(&user(json!(null))));
        assert!(!f.matches(&json!({"schemas": [USER]})));
        let f = Filter::parse(&many("id", &["Straße", "b"])).unwrap();
        assert!(f.matches(&user(json!("Straße"))));
        assert!(!f.matches(&user(json!("STRASSE"))));
        assert!(!f.matches(&user(json!("B"))));
        // A multi-valued attribute matches when any value does; a complex one compares its `value`.
        let f = Filter::parse(&many("emails", &["a@x.com"])).unwrap();
        assert!(f.matches(&json!({"emails": [{"value": "b@x.com"}, {"value": "A@X.com"}]})));
        assert!(f.matches(&json!({"emails": "a@x.com"})));
        assert!(!f.matches(&json!({"emails": [{"value": "b@x.com"}, {"type": "a@x.com"}]})));
        // With `boolean_strings`, "True" equals the boolean true, and no string "True" equals false.
        let entra = Options::new().with_quirks(Quirks::entra());
        let trues = vec![r#"active eq "True""#.to_string(); SET_MIN + 1];
        let f = Filter::parse_with(&chain(&trues), &entra).unwrap();
        assert_eq!(runs(&f), vec![(1 + SET_MIN as u32, false)]);
        assert!(f.matches(&json!({"active": true})));
        assert!(!f.matches(&json!({"active": false})));
        assert!(f.matches(&json!({"active": "TRUE"})));
    }

    /// A small xorshift generator: the same cases on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    /// Chains of comparisons, many of them runs of `eq` on one path, decide on generated documents exactly as
    /// their operands do one by one: ignoring case or not (userName, id, photos.value caseExact for Users
    /// only), multi-valued and complex attributes, absent members, numbers, booleans, null, and `boolean_strings`.
    #[test]
    fn grouped_chains_decide_as_their_operands_one_by_one() {
        let strings = ["a", "A", "b", "ß", "SS", "ss", "\u{212A}", "k", "K", "True", "false", "", "Straße", "é", "É"];
        let paths = ["userName", "id", "emails", "emails.value", "photos.value", "x", "active", "name.givenName"];
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        let value = |rng: &mut Rng, depth: usize| -> Value {
            match rng.below(if depth > 0 { 6 } else { 9 }) {
                0..=2 => json!(rng.pick(&strings)),
                3 => json!(rng.below(3)),
                4 => json!(rng.below(2) == 0),
                5 => Value::Null,
                6 => json!({"value": rng.pick(&strings), "type": rng.pick(&strings)}),
                _ => Value::Array((0..rng.below(4)).map(|_| json!({"value": rng.pick(&strings)})).collect()),
            }
        };
        let mut docs = Vec::new();
        for _ in 0..60 {
            let mut doc = serde_json::Map::new();
            let kind = ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group"];
            doc.insert("schemas".into(), json!([rng.pick(&kind)]));
            for name in ["userName", "id", "emails", "photos", "x", "active", "name"] {
                if rng.below(4) == 0 {
                    continue;
                }
                let v = match name {
                    "name" => json!({"givenName": value(&mut rng, 1)}),
                    "photos" | "emails" if rng.below(2) == 0 => {
                        Value::Array((0..rng.below(3)).map(|_| json!({"value": value(&mut rng, 1)})).collect())
                    }
                    _ => value(&mut rng, 0),
                };
                doc.insert(name.into(), v);
            }
            docs.push(Value::Object(doc));
        }
        let options = [Options::new(), Options::new().with_quirks(Quirks::entra())];
        let (mut checked, mut grouped, mut sets) = (0, 0, 0);
        for case in 0..400 {
            let options = &options[case % 2];
            let mut operands = Vec::new();
            for _ in 0..1 + rng.below(12) {
                let path = *rng.pick(&paths);
                // Mostly runs: the same path several times in a row.
                for _ in 0..1 + rng.below(8) {
                    let operand = match rng.below(10) {
                        0 => format!("{path} ne \"{}\"", rng.pick(&strings)),
                        1 => format!("{path} eq {}", rng.pick(&["1", "true", "null", "1.0"])),
                        2 => format!("{path} pr"),
                        _ => format!("{path} eq \"{}\"", rng.pick(&strings)),
                    };
                    operands.push(operand);
                }
            }
            // Only operands that parse (`active eq "b"` is a type error unless `boolean_strings` applies).
            let (operands, singles): (Vec<String>, Vec<Filter>) =
                operands.into_iter().filter_map(|t| Filter::parse_with(&t, options).ok().map(|f| (t, f))).unzip();
            if singles.is_empty() {
                continue;
            }
            let text = chain(&operands);
            let whole = Filter::parse_with(&text, options).unwrap();
            let not = Filter::parse_with(&format!("not ({text})"), options).unwrap();
            grouped += usize::from(!runs(&whole).is_empty());
            sets += runs(&whole).iter().filter(|(len, _)| *len as usize >= SET_MIN).count();
            for doc in &docs {
                let expect = singles.iter().any(|f| f.matches(doc));
                assert_eq!(whole.matches(doc), expect, "{text} on {doc}");
                assert_eq!(not.matches(doc), !expect, "not ({text}) on {doc}");
                checked += 1;
            }
        }
        assert!(checked > 10_000 && grouped > 100 && sets > 30, "{checked} checks, {grouped} grouped, {sets} sets");
    }

    /// Inside brackets a run compares the elements' sub-attributes, as `or` of brackets one by one does.
    #[test]
    fn a_run_in_brackets_decides_per_element() {
        let values = ["work", "home", "other", "WORK", "x1", "x2", "x3", "x4"];
        let inner: Vec<String> = values.iter().map(|v| format!(r#"type eq "{v}""#)).collect();
        let f = Filter::parse(&format!("emails[{}]", chain(&inner))).unwrap();
        assert_eq!(runs(&f), vec![(values.len() as u32, false)]);
        let one_by_one: Vec<Filter> =
            values.iter().map(|v| Filter::parse(&format!(r#"emails[type eq "{v}"]"#)).unwrap()).collect();
        for doc in [
            json!({"emails": [{"type": "Work"}]}),
            json!({"emails": [{"type": "none"}, {"type": "X4"}]}),
            json!({"emails": [{"type": "none"}, {"value": "home"}]}),
            json!({"emails": {"type": "home"}}),
            json!({"emails": [{"type": ["a", "other"]}]}),
            json!({}),
        ] {
            assert_eq!(f.matches(&doc), one_by_one.iter().any(|g| g.matches(&doc)), "{doc}");
        }
    }
}
