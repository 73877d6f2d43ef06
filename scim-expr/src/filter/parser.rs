//! The filter grammar, RFC 7644 §3.4.2.2 Figure 1 with the errata (rfc-digest §1), as recursive descent in the
//! precedence form of rfc-digest §1.3. Each production is one function. While parsing, every attribute path is
//! resolved against the schemas (per resource type) and compared values are checked against the attribute's type,
//! so type errors carry the position of the offending token.
//!
//! Parsing builds only the form evaluation uses ([`Compiled`]): names and unescaped values are spans of one copy
//! of the text, children sit in one list, so a comparison costs no allocation of its own. The public syntax tree
//! is derived from it when first asked for ([`Compiled::to_expr`]).

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use crate::compare::{self, Num};
use crate::error::{Domain, Error, ErrorKind};
use crate::filter::ast::{AttrPath, CompareOp};
use crate::filter::eval::{Compiled, Leaf, Leaves, Prepared, Span, Target, Term};
use crate::grammar::{shorten, Cursor, Literal, RawPath};
use crate::quirks::{Fired, Quirk};
use crate::schema::{AttrType, Attribute, Schemas};
use crate::{Options, Quirks};

/// The longest text parsed, whatever the limits say: spans into it are 32 bits, and the compiled text (the source
/// plus unescaped strings, each shorter than its escaped form) stays well inside that.
const MAX_TEXT: usize = 1 << 30;

/// How many resource types (plus one) a path's definitions hold without allocating.
const INLINE: usize = 4;

/// The resolved attribute definitions of one path: index 0 for an unknown resource type, k + 1 for type k.
#[derive(Clone)]
enum Defs<'s> {
    Inline(usize, [Option<&'s Attribute>; INLINE]),
    Heap(Vec<Option<&'s Attribute>>),
}

impl<'s> Defs<'s> {
    /// The same definition in each of `slots` slots.
    fn repeat(def: Option<&'s Attribute>, slots: usize) -> Defs<'s> {
        if slots > INLINE {
            return Defs::Heap(vec![def; slots]);
        }
        Defs::Inline(slots, [def; INLINE])
    }

    /// `slots` definitions, slot by slot.
    fn from_fn(slots: usize, mut def: impl FnMut(usize) -> Option<&'s Attribute>) -> Defs<'s> {
        if slots > INLINE {
            return Defs::Heap((0..slots).map(def).collect());
        }
        let mut inline = [None; INLINE];
        for (slot, d) in inline.iter_mut().enumerate().take(slots) {
            *d = def(slot);
        }
        Defs::Inline(slots, inline)
    }

    fn as_slice(&self) -> &[Option<&'s Attribute>] {
        match self {
            Defs::Inline(n, inline) => inline.get(..*n).unwrap_or(&[]),
            Defs::Heap(defs) => defs,
        }
    }

    /// Each definition through `f`, a function of the definition alone: slots often share one (a common
    /// attribute's is the same in every resource type), which `f` then sees once.
    fn map(&self, mut f: impl FnMut(Option<&'s Attribute>) -> Option<&'s Attribute>) -> Defs<'s> {
        let mut last: Option<(Option<&'s Attribute>, Option<&'s Attribute>)> = None;
        let mut once = |def: Option<&'s Attribute>| {
            if let Some((seen, mapped)) = last {
                if seen.map(|a| a as *const Attribute) == def.map(|a| a as *const Attribute) {
                    return mapped;
                }
            }
            let mapped = f(def);
            last = Some((def, mapped));
            mapped
        };
        match self {
            Defs::Inline(n, defs) => {
                let mut inline = [None; INLINE];
                for (d, def) in inline.iter_mut().zip(defs).take(*n) {
                    *d = once(*def);
                }
                Defs::Inline(*n, inline)
            }
            Defs::Heap(defs) => Defs::Heap(defs.iter().map(|d| once(*d)).collect()),
        }
    }
}

/// An attribute path as it is looked up: as written, or qualified by `unqualified_extension`.
#[derive(Debug, Clone, Copy)]
struct Lookup<'a> {
    urn: Option<&'a str>,
    name: &'a str,
    sub: Option<&'a str>,
}

impl fmt::Display for Lookup<'_> {
    /// As [`AttrPath`] prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(self.name)?;
        if let Some(sub) = self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Where attribute paths are resolved: at the resource, or inside `attr[...]` relative to `attr`'s values.
enum Scope<'a> {
    Root,
    Element { parent: Lookup<'a>, defs: Defs<'a> },
}

pub(crate) struct Parsed {
    pub compiled: Compiled,
    /// Whether some path resolves differently in different resource types, so evaluation must find the
    /// document's type first.
    pub per_kind: bool,
    /// The tolerances that took effect.
    pub fired: Fired,
}

/// A PATCH path as parsed: `attrPath`, or `attrPath "[" valFilter "]" [subAttr]`.
pub(crate) struct ParsedPath {
    pub attr: AttrPath,
    pub filter: Option<Parsed>,
    pub filter_sub_attr: Option<String>,
}

/// The parser builds only the compiled form: terms whose names and values are spans of `text` (the source, then
/// the strings the source does not hold verbatim), children gathered in one list.
pub(crate) struct FilterParser<'a> {
    c: Cursor<'a>,
    schemas: &'a Schemas,
    max_depth: usize,
    depth: usize,
    per_kind: bool,
    quirks: Quirks,
    fired: Fired,
    text: String,
    /// Where the strings taken from the schemas (not the source) were put in `text`, by address.
    interned: Vec<(usize, usize, Span)>,
    /// The children of every `and`, `or`, `not` and valuePath, each chain's contiguous.
    nodes: Vec<Term>,
    /// The operands of the chains being parsed.
    stack: Vec<Term>,
    /// The last path compared at the resource, resolved: `id eq "a" or id eq "b" or …` resolves `id` once.
    memo: Option<Box<Memo<'a>>>,
    /// The last path compared at the resource.
    last: &'a str,
    /// The definitions of the compared values the last comparison worked out, for the memo.
    learned: Option<Defs<'a>>,
    /// The dateTime string the type check just read (its address and length) and its instant, for the value's
    /// preparation that follows, so that it is read once.
    checked_instant: Option<(usize, usize, compare::Instant)>,
}

/// A path at the resource as written, with what it resolved to (at the resource, resolution depends on nothing
/// else) and, once compared, the definitions and target of the compared values.
struct Memo<'a> {
    token: &'a str,
    lookup: Lookup<'a>,
    defs: Defs<'a>,
    compare: Option<(Defs<'a>, Target)>,
    /// Whether a string without escapes compares with the values, with no check to make and as itself (no
    /// dateTime instant to read): for the operators that do not order, and for those that do.
    plain_fits: [bool; 2],
}

/// What a comparison at the resource needs of its path beyond the text, for [`Schemas`]'s cache of paths: the
/// compared values' leaves, whether the path leads into an extension object, and whether a string without
/// escapes compares as it is (no check to make) for the operators that do not order and for those that do, or
/// as an xsd:dateTime (`datetimes`: every definition is a dateTime).
#[derive(Debug, Clone)]
pub(crate) struct KnownPath {
    leaves: Leaves,
    extension: bool,
    plain_fits: [bool; 2],
    datetimes: bool,
}

/// Kept for the thread's next parse, so that parsing a chain allocates only its final node list. A list grown
/// past `SCRATCH_KEPT` terms is freed instead.
const SCRATCH_KEPT: usize = 1024;

thread_local! {
    static SCRATCH: Cell<(Vec<Term>, Vec<Term>)> = const { Cell::new((Vec::new(), Vec::new())) };
}

impl Drop for FilterParser<'_> {
    fn drop(&mut self) {
        if self.stack.capacity() == 0 && self.nodes.capacity() == 0 {
            return;
        }
        let (mut nodes, mut stack) = (std::mem::take(&mut self.nodes), std::mem::take(&mut self.stack));
        if nodes.capacity() <= SCRATCH_KEPT && stack.capacity() <= SCRATCH_KEPT {
            nodes.clear();
            stack.clear();
            // Fails only while the thread is being torn down, when there is no next parse.
            let _ = SCRATCH.try_with(|s| s.set((nodes, stack)));
        }
    }
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl<'a> FilterParser<'a> {
    pub fn new(src: &'a str, options: &'a Options, domain: Domain) -> Self {
        FilterParser {
            c: Cursor::new(src, domain),
            schemas: &options.schemas,
            max_depth: options.limits.max_depth.min(crate::Limits::MAX_DEPTH_CEILING),
            depth: 0,
            per_kind: false,
            quirks: options.quirks,
            fired: Fired::default(),
            text: String::new(),
            interned: Vec::new(),
            nodes: Vec::new(),
            stack: Vec::new(),
            memo: None,
            last: "",
            learned: None,
            checked_instant: None,
        }
    }

    /// Refuses input over the length limit, and input with nothing but whitespace; then starts the text.
    fn check_input(&mut self, max_length: usize) -> Result<(), Error> {
        let (src, what) = (self.c.src, if self.c.domain == Domain::Path { "path" } else { "filter" });
        let max_length = max_length.min(MAX_TEXT);
        if src.len() > max_length {
            return Err(self.c.error(
                ErrorKind::TooLong,
                max_length,
                format!("the {what} is {} bytes long; the limit is {max_length}", src.len()),
            ));
        }
        if src.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
            return Err(self.c.error(ErrorKind::Empty, 0, format!("the {what} is empty")));
        }
        self.text.reserve_exact(src.len());
        self.text.push_str(src);
        Ok(())
    }

    fn finish(&mut self, root: Term) -> Parsed {
        // Moved out in one copy into a list of the exact length (no allocation when empty), leaving the scratch
        // list's allocation for the next parse.
        let mut exact = Vec::with_capacity(self.nodes.len());
        exact.append(&mut self.nodes);
        let nodes: Box<[Term]> = exact.into_boxed_slice();
        let text = std::mem::take(&mut self.text);
        Parsed { compiled: Compiled::new(text, root, nodes), per_kind: self.per_kind, fired: self.fired }
    }

    /// The span of `s`: in the source when `s` is part of it, else where `s` was (or now is) appended to the text.
    #[inline]
    fn span(&mut self, s: &str) -> Span {
        let src = self.c.src;
        let offset = (s.as_ptr() as usize).wrapping_sub(src.as_ptr() as usize);
        if offset <= src.len() && s.len() <= src.len() - offset {
            // Within the source, which is shorter than `MAX_TEXT`.
            return Span { start: offset as u32, end: (offset + s.len()) as u32 };
        }
        self.intern(s)
    }

    #[cold]
    fn intern(&mut self, s: &str) -> Span {
        let key = (s.as_ptr() as usize, s.len());
        if let Some((.., span)) = self.interned.iter().find(|(p, n, _)| (*p, *n) == key) {
            return *span;
        }
        let span = self.append(s);
        self.interned.push((key.0, key.1, span));
        span
    }

    fn append(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        Span { start: index(start), end: index(self.text.len()) }
    }

    /// Takes the thread's scratch lists before the first term is set aside.
    fn scratch(&mut self) {
        if self.stack.capacity() == 0 {
            let (nodes, stack) = SCRATCH.try_with(Cell::take).unwrap_or_default();
            // A chain that made the stack the node list (`chain_end`) left the larger list as the nodes.
            let (nodes, stack) = if stack.capacity() < nodes.capacity() { (stack, nodes) } else { (nodes, stack) };
            let (nodes, stack) = (nodes, if stack.capacity() == 0 { Vec::with_capacity(8) } else { stack });
            let old = std::mem::replace(&mut self.nodes, nodes);
            self.nodes.extend(old);
            self.stack = stack;
        }
    }

    fn push(&mut self, term: Term) -> u32 {
        self.scratch();
        self.nodes.push(term);
        index(self.nodes.len() - 1)
    }

    /// A whole filter: `FILTER` and nothing after it.
    pub fn parse(mut self, max_length: usize) -> Result<Parsed, Error> {
        self.check_input(max_length)?;
        let root = self.parse_filter(&Scope::Root)?;
        self.c.skip_ws();
        if !self.c.at_end() {
            return Err(self.unexpected_after_filter());
        }
        Ok(self.finish(root))
    }

    /// `PATH = attrPath / valuePath [subAttr]` (RFC 7644 Figure 7). The bare schema URN form is recognised by
    /// the caller, which knows the schemas.
    pub fn parse_path(mut self, max_length: usize) -> Result<ParsedPath, Error> {
        self.check_input(max_length)?;
        let src = self.c.src;
        let path_at = self.c.pos;
        let attr = self.c.parse_attr_path()?;
        let mut filter = None;
        let mut filter_sub_attr = None;
        if self.c.peek() == Some(b'[') {
            if attr.sub.is_some() {
                return Err(self.c.error(
                    ErrorKind::InvalidAttrPath,
                    path_at,
                    format!(
                        "\"{}\" at byte {path_at}: a filter in brackets selects values of a multi-valued attribute \
                         and follows its name, as in emails[type eq \"work\"].value",
                        shorten(attr.token)
                    ),
                ));
            }
            let lookup = Lookup { urn: attr.urn, name: attr.name, sub: attr.sub };
            let defs = self.resolve(&Scope::Root, lookup, path_at)?;
            filter = Some(self.parse_value_filter(lookup, &defs)?);
            if self.c.peek() == Some(b'.') {
                let at = self.c.pos + 1;
                let end = self.c.word_end(at);
                let name = &src[at..end];
                if !crate::grammar::is_attr_name(name) {
                    return Err(self.c.error(
                        ErrorKind::InvalidAttrPath,
                        at,
                        format!("\"{}\" at byte {at} is not a sub-attribute name", shorten(name)),
                    ));
                }
                filter_sub_attr = Some(name.to_string());
                self.c.pos = end;
            }
        }
        if !self.c.at_end() {
            let at = self.c.pos;
            return Err(self.c.error(
                ErrorKind::UnexpectedToken,
                at,
                format!("the path should end at byte {at}, found {}", self.c.describe(at)),
            ));
        }
        let filter = filter.map(|root| self.finish(root));
        Ok(ParsedPath { attr: attr.to_attr_path(), filter, filter_sub_attr })
    }

    fn unexpected_after_filter(&self) -> Error {
        let at = self.c.pos;
        let message = match self.c.peek() {
            Some(b')') => format!("')' at byte {at} closes no '('"),
            Some(b']') => format!("']' at byte {at} closes no '['"),
            _ => {
                format!("expected \"and\", \"or\" or the end of the filter at byte {at}, found {}", self.c.describe(at))
            }
        };
        self.c.error(ErrorKind::UnexpectedToken, at, message)
    }

    /// `FILTER = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"`, read as `orExp = andExp *(SP "or" SP andExp)`.
    ///
    /// `logExp = FILTER SP ("and" / "or") SP FILTER` is read one keyword at a time, as a flat n-ary chain: the
    /// operands wait on the parser's stack, then move together to the node list.
    fn parse_filter(&mut self, scope: &Scope<'a>) -> Result<Term, Error> {
        let first = self.parse_and_exp(scope)?;
        if !self.c.eat_spaced_keyword(b"or") {
            return Ok(first);
        }
        let base = self.chain_start(first);
        loop {
            if !self.remembered_operand(scope, true) {
                let next = self.parse_and_exp(scope)?;
                self.stack.push(next);
            }
            if !self.c.eat_spaced_keyword(b"or") {
                break;
            }
        }
        let (start, len) = self.chain_end(base);
        Ok(Term::Or { start, len })
    }

    /// `andExp = notExp *(SP "and" SP notExp)`.
    #[inline(always)]
    fn parse_and_exp(&mut self, scope: &Scope<'a>) -> Result<Term, Error> {
        let first = self.parse_not_exp(scope)?;
        if !self.c.eat_spaced_keyword(b"and") {
            return Ok(first);
        }
        let base = self.chain_start(first);
        loop {
            if !self.remembered_operand(scope, false) {
                let next = self.parse_not_exp(scope)?;
                self.stack.push(next);
            }
            if !self.c.eat_spaced_keyword(b"and") {
                break;
            }
        }
        let (start, len) = self.chain_end(base);
        Ok(Term::And { start, len })
    }

    /// A chain's next operand at the resource when it is the common comparison of the path the memo holds
    /// (`id eq "a" or id eq "b" or …`): `path op "string"`, a string without escapes that the values take as it
    /// is. Pushed onto the stack, as the general reading would build it; for anything else, `false` with the
    /// cursor unmoved, and the general reading takes the operand, errors included. In an `or` chain the
    /// comparison is the whole operand only when no `and` follows it.
    #[inline(always)]
    fn remembered_operand(&mut self, scope: &Scope<'a>, or_operand: bool) -> bool {
        if !matches!(scope, Scope::Root) {
            return false;
        }
        let Some(memo) = self.memo.take() else { return false };
        let pushed = self.push_remembered(&memo, or_operand);
        self.memo = Some(memo);
        pushed
    }

    #[inline(always)]
    fn push_remembered(&mut self, memo: &Memo<'a>, or_operand: bool) -> bool {
        let Some((_, target)) = &memo.compare else { return false };
        let start = self.c.pos;
        self.c.skip_ws();
        let (src, at) = (self.c.src, self.c.pos);
        let end = at + memo.token.len();
        if !src.as_bytes().get(at..end).is_some_and(|written| eq_short(written, memo.token.as_bytes())) {
            self.c.pos = start;
            return false;
        }
        // The path ends where the whitespace before the operator starts.
        self.c.pos = end;
        self.c.skip_ws();
        let op = match self.c.two_byte_word().and_then(|[a, b]| compare_op_bytes(a, b)) {
            Some(op) if self.c.pos > end && fits_plain(memo.plain_fits, op) => op,
            _ => {
                self.c.pos = start;
                return false;
            }
        };
        self.c.pos += 2;
        self.c.skip_ws();
        let Some(s) = self.c.plain_string() else {
            self.c.pos = start;
            return false;
        };
        if or_operand {
            let after = self.c.pos;
            if self.c.eat_spaced_keyword(b"and") {
                self.c.pos = start;
                return false;
            }
            self.c.pos = after;
        }
        let value = Prepared::Str { text: self.span(s), instant: None, boolean: None };
        let path = Span { start: index(at), end: index(end) };
        self.stack.push(Term::Compare { target: target.clone(), path, op, value });
        true
    }

    /// Sets a chain's first operand aside; returns where its operands start on the stack.
    fn chain_start(&mut self, first: Term) -> usize {
        self.scratch();
        let base = self.stack.len();
        self.stack.push(first);
        base
    }

    /// Moves the operands of the chain starting at `base` to the node list: their place there.
    fn chain_end(&mut self, base: usize) -> (u32, u32) {
        if base == 0 && self.nodes.is_empty() {
            // The stack holds this chain's operands and nothing else, and the node list nothing yet: the stack
            // becomes the node list as it is, and the empty list the stack.
            std::mem::swap(&mut self.nodes, &mut self.stack);
            return (0, index(self.nodes.len()));
        }
        let start = self.nodes.len();
        self.nodes.extend(self.stack.drain(base..));
        (index(start), index(self.nodes.len() - start))
    }

    /// `notExp = "not" [SP] "(" FILTER ")" / atom` (erratum 7319 allows both `not(` and `not (`). A `not` that
    /// no `(` follows is an attribute named `not`.
    #[inline(always)]
    fn parse_not_exp(&mut self, scope: &Scope<'a>) -> Result<Term, Error> {
        self.c.skip_ws();
        let start = self.c.pos;
        if matches!(self.c.peek(), Some(b'n' | b'N')) && self.c.eat_keyword("not") {
            self.c.skip_ws();
            if self.c.peek() == Some(b'(') {
                let inner = self.parse_group(scope)?;
                return Ok(Term::Not(self.push(inner)));
            }
            self.c.pos = start;
        }
        self.parse_atom(scope)
    }

    /// `atom = "(" FILTER ")" / valuePath / attrExp`.
    #[inline(always)]
    fn parse_atom(&mut self, scope: &Scope<'a>) -> Result<Term, Error> {
        self.c.skip_ws();
        let at = self.c.pos;
        match self.c.peek() {
            None => Err(self.c.unexpected_end("an attribute path, \"not\" or '('")),
            Some(b'(') => self.parse_group(scope),
            Some(b')' | b']') => Err(self.c.error(
                ErrorKind::UnexpectedToken,
                at,
                format!("expected an attribute path, \"not\" or '(' at byte {at}, found {}", self.c.describe(at)),
            )),
            Some(b'"') => Err(self.c.error(
                ErrorKind::UnexpectedToken,
                at,
                format!("expected an attribute path at byte {at}, found the value {}", self.c.describe(at)),
            )),
            Some(_) => self.parse_attr_exp(scope),
        }
    }

    /// Enters one level of nesting at the `(` or `[` under the cursor.
    fn enter(&mut self) -> Result<usize, Error> {
        let open = self.c.pos;
        if self.depth >= self.max_depth {
            return Err(self.c.error(
                ErrorKind::TooDeep,
                open,
                format!("nesting at byte {open} is deeper than the limit of {} levels", self.max_depth),
            ));
        }
        self.depth += 1;
        self.c.pos += 1;
        Ok(open)
    }

    /// Expects the `close` byte matching the opener at `open`.
    fn close(&mut self, open: usize, close: u8, unclosed: ErrorKind) -> Result<(), Error> {
        self.c.skip_ws();
        let at = self.c.pos;
        let (opener, closer) = if close == b')' { ('(', ')') } else { ('[', ']') };
        match self.c.peek() {
            Some(b) if b == close => {
                self.c.pos += 1;
                self.depth -= 1;
                Ok(())
            }
            None => Err(self.c.error(unclosed, open, format!("'{opener}' at byte {open} is never closed"))),
            Some(_) => Err(self.c.error(
                ErrorKind::UnexpectedToken,
                at,
                format!(
                    "expected \"and\", \"or\" or '{closer}' (closing the '{opener}' at byte {open}) at byte {at}, \
                     found {}",
                    self.c.describe(at)
                ),
            )),
        }
    }

    /// `"(" FILTER ")"`
    fn parse_group(&mut self, scope: &Scope<'a>) -> Result<Term, Error> {
        let open = self.enter()?;
        let inner = self.parse_filter(scope)?;
        self.close(open, b')', ErrorKind::UnclosedParen)?;
        Ok(inner)
    }

    /// `attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)`, or
    /// `valuePath = attrPath "[" valFilter "]"`.
    fn parse_attr_exp(&mut self, scope: &Scope<'a>) -> Result<Term, Error> {
        let path_at = self.c.pos;
        let path = self.c.parse_attr_path()?;
        let root = matches!(scope, Scope::Root);
        let mut keep = false;
        if root && self.c.peek() != Some(b'[') {
            if let Some(memo) = self.memo.take() {
                if memo.token == path.token {
                    let term = self.compare_remembered(path.token, &memo);
                    self.memo = Some(memo);
                    return term;
                }
                self.memo = Some(memo);
            }
            // A path compared twice in a row takes the general reading, which sets up the memo.
            if !self.quirks.unqualified_extension && self.last != path.token {
                match self.schemas.known_path(path.token) {
                    Some(known) => {
                        if let Some(term) = self.compare_known(&path, known) {
                            self.last = path.token;
                            return Ok(term);
                        }
                    }
                    None => keep = true,
                }
            }
        }
        let lookup = self.qualify(scope, &path);
        let defs = self.resolve(scope, lookup, path_at)?;
        if self.c.peek() == Some(b'[') {
            return self.parse_value_path(scope, path, lookup, &defs);
        }
        self.learned = None;
        let term = self.parse_comparison(path.token, lookup, &defs, None)?;
        let leaves = self.learned.take();
        if keep {
            if let (Term::Compare { target, .. }, Some(leaves)) = (&term, &leaves) {
                self.keep_path(&path, target, leaves);
            }
        }
        // Remembered the second time in a row, so that a lone comparison pays nothing for the memo.
        let again = std::mem::replace(&mut self.last, path.token) == path.token;
        if root && again {
            let compare = match (&term, leaves) {
                (Term::Compare { target, .. }, Some(leaves)) => Some((leaves, target.clone())),
                _ => None,
            };
            let plain_fits = match &compare {
                Some((leaves, target)) if !target.leaves.any_datetime() => {
                    [Self::strings_fit(CompareOp::Eq, leaves), Self::strings_fit(CompareOp::Gt, leaves)]
                }
                _ => [false; 2],
            };
            self.memo = Some(Box::new(Memo { token: path.token, lookup, defs, compare, plain_fits }));
        }
        Ok(term)
    }

    /// With `unqualified_extension`, an unqualified name that no core schema defines and exactly one extension does
    /// is looked up as that extension's attribute; the AST keeps the name as written.
    fn qualify(&mut self, scope: &Scope<'a>, path: &RawPath<'a>) -> Lookup<'a> {
        let lookup = Lookup { urn: path.urn, name: path.name, sub: path.sub };
        if !self.quirks.unqualified_extension || path.urn.is_some() || !matches!(scope, Scope::Root) {
            return lookup;
        }
        match self.schemas.unique_extension_of(None, path.name) {
            Some(urn) => {
                self.fired.add(Quirk::unqualified_extension);
                Lookup { urn: Some(urn), ..lookup }
            }
            None => lookup,
        }
    }

    /// Gives [`Schemas`]'s cache what the comparison of `path` (at the resource, as written) worked out.
    #[cold]
    fn keep_path(&mut self, path: &RawPath<'a>, target: &Target, leaves: &Defs<'a>) {
        // The whole extension object (a bare extension URN) is named by a span of its own: not kept.
        if target.name != self.span(path.name) {
            return;
        }
        let any_datetime = target.leaves.any_datetime();
        let plain_fits = match any_datetime {
            false => [Self::strings_fit(CompareOp::Eq, leaves), Self::strings_fit(CompareOp::Gt, leaves)],
            true => [false; 2],
        };
        let datetimes = any_datetime && leaves.as_slice().iter().flatten().all(|d| d.ty == AttrType::DateTime);
        let known =
            KnownPath { leaves: target.leaves.clone(), extension: target.container.is_some(), plain_fits, datetimes };
        self.schemas.keep_path(path.token, known);
    }

    /// The comparison after `path` from what [`Schemas`]'s cache knows of it, for the common rest: an operator
    /// and a string without escapes that compares as it is or as an xsd:dateTime. `None`, the cursor unmoved,
    /// for anything else, which the general reading takes (errors included).
    fn compare_known(&mut self, path: &RawPath<'a>, known: KnownPath) -> Option<Term> {
        let path_end = self.c.pos;
        self.c.skip_ws();
        let op = self.c.two_byte_word().and_then(|[a, b]| compare_op_bytes(a, b));
        let Some(op) = op.filter(|op| fits_plain(known.plain_fits, *op) || known.datetimes) else {
            self.c.pos = path_end;
            return None;
        };
        self.c.pos += 2;
        self.c.skip_ws();
        let Some(s) = self.c.plain_string() else {
            self.c.pos = path_end;
            return None;
        };
        let instant = if known.datetimes { compare::parse_datetime(s) } else { None };
        if known.datetimes && instant.is_none() && !op.is_substring() {
            self.c.pos = path_end;
            return None;
        }
        if matches!(known.leaves, Leaves::PerKind(_)) {
            self.per_kind = true;
        }
        let container = match path.urn {
            Some(urn) if known.extension => Some(self.span(urn)),
            _ => None,
        };
        let (name, sub) = (self.span(path.name), path.sub.map(|s| self.span(s)));
        let target = Target { container, name, sub, leaves: known.leaves };
        let value = Prepared::Str { text: self.span(s), instant, boolean: None };
        Some(Term::Compare { target, path: self.span(path.token), op, value })
    }

    /// [`FilterParser::parse_comparison`] after the path the memo holds. The common rest, an operator and a string
    /// without escapes that the values take as it is, is built here from what the memo knows; anything else
    /// (errors included) goes the general way from the path's end.
    #[inline(always)]
    fn compare_remembered(&mut self, written: &'a str, memo: &Memo<'a>) -> Result<Term, Error> {
        if let Some((_, target)) = &memo.compare {
            let path_end = self.c.pos;
            self.c.skip_ws();
            if let Some(op) = self.c.two_byte_word().and_then(|[a, b]| compare_op_bytes(a, b)) {
                if fits_plain(memo.plain_fits, op) {
                    self.c.pos += 2;
                    self.c.skip_ws();
                    if let Some(s) = self.c.plain_string() {
                        let value = Prepared::Str { text: self.span(s), instant: None, boolean: None };
                        return Ok(Term::Compare { target: target.clone(), path: self.span(written), op, value });
                    }
                }
            }
            self.c.pos = path_end;
        }
        self.parse_comparison(written, memo.lookup, &memo.defs, memo.compare.as_ref())
    }

    /// The rest of an attrExp after its path: `SP "pr"` or `SP compareOp SP compValue`. `written` is the path as
    /// the text has it; `known`, the compared values' definitions and target when the memo has them. Leaves
    /// the definitions it worked out in `learned`, for the memo.
    fn parse_comparison(
        &mut self,
        written: &'a str,
        lookup: Lookup<'a>,
        defs: &Defs<'a>,
        known: Option<&(Defs<'a>, Target)>,
    ) -> Result<Term, Error> {
        self.c.skip_ws();
        let op_at = self.c.pos;
        // `pr` and the operators are two bytes: read them directly; any other word (an error) the long way.
        let fast = self.c.two_byte_word().and_then(|[a, b]| {
            if (a | 0x20, b | 0x20) == (b'p', b'r') {
                Some(None)
            } else {
                compare_op_bytes(a, b).map(Some)
            }
        });
        let op = match fast {
            Some(op) => {
                self.c.pos += 2;
                op
            }
            None => self.parse_operator(written, op_at)?,
        };
        let Some(op) = op else {
            let target = self.target(lookup, defs);
            return Ok(Term::Present { target, path: self.span(written) });
        };
        self.c.skip_ws();
        let value_at = self.c.pos;
        if let Some(s) = self.c.plain_string() {
            return self.compare_plain_string(written, lookup, defs, known, op, op_at, s, value_at);
        }
        let (value, bare) = self.c.parse_comp_value(self.quirks.unquoted_values)?;
        if bare {
            self.fired.add(Quirk::unquoted_values);
        }
        let (boolean, target, learned) = match known {
            Some((leaves, target)) => {
                (self.check_types(written, op, op_at, &value, value_at, leaves)?, target.clone(), None)
            }
            None => {
                let leaves = self.leaf_defs(lookup, defs);
                let boolean = self.check_types(written, op, op_at, &value, value_at, &leaves)?;
                let target = self.target(lookup, &leaves);
                (boolean, target, Some(leaves))
            }
        };
        let value = self.prepare(value, boolean, &target);
        self.learned = learned;
        Ok(Term::Compare { target, path: self.span(written), op, value })
    }

    /// [`FilterParser::parse_comparison`]'s end for the common value, a string without escapes: the same checks
    /// and terms, without the general value's detour.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn compare_plain_string(
        &mut self,
        written: &'a str,
        lookup: Lookup<'a>,
        defs: &Defs<'a>,
        known: Option<&(Defs<'a>, Target)>,
        op: CompareOp,
        op_at: usize,
        s: &'a str,
        value_at: usize,
    ) -> Result<Term, Error> {
        let check = |p: &mut Self, leaves: &Defs<'a>| {
            if Self::strings_fit(op, leaves) {
                return Ok(false);
            }
            let value = Literal::String(Cow::Borrowed(s));
            p.check_types_in_full(written, op, op_at, &value, value_at, leaves)
        };
        let (boolean, target, learned) = match known {
            Some((leaves, target)) => (check(self, leaves)?, target.clone(), None),
            None => {
                let leaves = self.leaf_defs(lookup, defs);
                let boolean = check(self, &leaves)?;
                let target = self.target(lookup, &leaves);
                (boolean, target, Some(leaves))
            }
        };
        let value = self.prepare_str(s, None, boolean, &target);
        self.learned = learned;
        Ok(Term::Compare { target, path: self.span(written), op, value })
    }

    /// The operator after the path `written`, consumed: `None` for `pr`.
    #[cold]
    fn parse_operator(&mut self, written: &str, op_at: usize) -> Result<Option<CompareOp>, Error> {
        let word = self.c.word();
        if self.c.at_end() {
            return Err(self.c.unexpected_end("an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr)"));
        }
        if word.eq_ignore_ascii_case("pr") {
            self.c.pos += word.len();
            return Ok(None);
        }
        let Some(op) = compare_op(word) else {
            return Err(self.c.error(
                ErrorKind::ExpectedOperator,
                op_at,
                format!(
                    "expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr) after \"{}\" at byte {op_at}, \
                     found {}",
                    shorten(written),
                    self.c.describe(op_at)
                ),
            ));
        };
        self.c.pos += word.len();
        Ok(Some(op))
    }

    /// `valuePath = attrPath "[" valFilter "]"`; `valFilter` is a FILTER over the attribute's sub-attributes with
    /// no valuePath of its own. With `value_path_comparison`, Entra's `attr[f].sub op v` and `attr[f] op v` read
    /// as `attr[f and sub op v]` and `attr[f and value op v]`.
    fn parse_value_path(
        &mut self,
        scope: &Scope<'a>,
        path: RawPath<'a>,
        lookup: Lookup<'a>,
        defs: &Defs<'a>,
    ) -> Result<Term, Error> {
        if let Scope::Element { parent, .. } = scope {
            let at = self.c.pos;
            return Err(self.c.error(
                ErrorKind::NestedValuePath,
                at,
                format!("'[' at byte {at} opens a filter inside the filter on \"{parent}\"; brackets do not nest"),
            ));
        }
        let mut inner = self.parse_value_filter(lookup, defs)?;
        if let Some(sub) = self.value_path_comparison()? {
            let element = self.element_scope(lookup, defs);
            let sub_lookup = Lookup { urn: None, name: sub, sub: None };
            let sub_defs = self.resolve(&element, sub_lookup, self.c.pos)?;
            let comparison = self.parse_comparison(sub, sub_lookup, &sub_defs, None)?;
            self.fired.add(Quirk::value_path_comparison);
            inner = self.and_also(inner, comparison);
        } else if self.c.peek() == Some(b'.') && self.c.domain == Domain::Filter {
            let at = self.c.pos;
            return Err(self.c.error(
                ErrorKind::ValuePathSubAttribute,
                at,
                format!(
                    "a sub-attribute after \"{}[…]\" at byte {at} is only allowed in PATCH paths; in a filter \
                     put the condition inside the brackets",
                    path.token
                ),
            ));
        }
        let target = self.target(lookup, defs);
        let filter = self.push(inner);
        Ok(Term::ValuePath { target, path: self.span(path.token), filter })
    }

    /// `inner and term`: `term` joins `inner`'s chain when `inner` is an `and`.
    fn and_also(&mut self, inner: Term, term: Term) -> Term {
        let start = match inner {
            // The chain was the last thing parsed, so its operands end the node list.
            Term::And { start, len } if start as usize + len as usize == self.nodes.len() => start as usize,
            Term::And { start, len } => {
                let operands: Vec<Term> =
                    self.nodes.get(start as usize..start as usize + len as usize).unwrap_or(&[]).to_vec();
                let at = self.nodes.len();
                self.nodes.extend(operands);
                at
            }
            other => {
                let at = self.nodes.len();
                self.nodes.push(other);
                at
            }
        };
        self.nodes.push(term);
        Term::And { start: index(start), len: index(self.nodes.len() - start) }
    }

    /// After a valuePath's `]` in a filter, with `value_path_comparison` on: the sub-attribute a comparison
    /// follows (`.value eq "x"`, or ` eq "x"` meaning `value`), leaving the cursor before its operator.
    fn value_path_comparison(&mut self) -> Result<Option<&'a str>, Error> {
        if !self.quirks.value_path_comparison || self.c.domain != Domain::Filter {
            return Ok(None);
        }
        if self.c.peek() == Some(b'.') {
            let at = self.c.pos + 1;
            let end = self.c.word_end(at);
            let name = &self.c.src[at..end];
            if !crate::grammar::is_attr_name(name) {
                return Err(self.c.error(
                    ErrorKind::InvalidAttrPath,
                    at,
                    format!("\"{}\" at byte {at} is not a sub-attribute name", shorten(name)),
                ));
            }
            self.c.pos = end;
            return Ok(Some(name));
        }
        let before = self.c.pos;
        self.c.skip_ws();
        let word = self.c.word();
        let is_comparison = word.eq_ignore_ascii_case("pr") || compare_op(word).is_some();
        self.c.pos = before;
        Ok(is_comparison.then_some("value"))
    }

    fn element_scope(&self, path: Lookup<'a>, defs: &Defs<'a>) -> Scope<'a> {
        Scope::Element { parent: path, defs: defs.map(|d| sub_def(d, path.sub)) }
    }

    /// `"[" valFilter "]"` for the already parsed `path`, with the cursor on the `[`. Shared with PATCH paths.
    fn parse_value_filter(&mut self, path: Lookup<'a>, defs: &Defs<'a>) -> Result<Term, Error> {
        let open = self.enter()?;
        let scope = self.element_scope(path, defs);
        let inner = self.parse_filter(&scope)?;
        self.close(open, b']', ErrorKind::UnclosedBracket)?;
        Ok(inner)
    }

    /// The definitions `path`'s attribute has in each resource type (before any sub-attribute).
    fn resolve(&self, scope: &Scope<'a>, path: Lookup<'a>, at: usize) -> Result<Defs<'a>, Error> {
        let slots = self.schemas.resource_types().len() + 1;
        match (scope, path.urn) {
            (Scope::Root, Some(urn)) => Ok(Defs::repeat(self.schemas.qualified(urn, path.name), slots)),
            (Scope::Root, None) => {
                let entry = self.schemas.name_entry(path.name);
                // A common attribute (`id`, `externalId`, `meta`) is the same in every slot.
                if let Some(common) = self.schemas.common_of(entry) {
                    return Ok(Defs::repeat(Some(common), slots));
                }
                Ok(Defs::from_fn(slots, |slot| self.schemas.in_slot(entry, slot.checked_sub(1))))
            }
            (Scope::Element { parent, .. }, Some(_)) => Err(self.c.error(
                ErrorKind::InvalidAttrPath,
                at,
                format!(
                    "\"{}\" at byte {at}: inside \"{parent}[…]\" paths name sub-attributes and take no schema URN",
                    shorten(&path.to_string())
                ),
            )),
            (Scope::Element { defs, .. }, None) => Ok(defs.map(|parent| {
                parent.and_then(|p| match p.sub_named(path.name) {
                    // The elements of a multi-valued attribute of simple values are their own `value`.
                    None if p.ty != AttrType::Complex && path.name.eq_ignore_ascii_case("value") => Some(p),
                    found => found,
                })
            })),
        }
    }

    /// The definitions of the values a comparison reaches: the sub-attribute if named, else a complex attribute's
    /// `value`.
    fn leaf_defs(&self, path: Lookup<'a>, defs: &Defs<'a>) -> Defs<'a> {
        defs.map(|d| match (d, path.sub) {
            (_, Some(sub)) => sub_def(d, Some(sub)),
            (Some(a), None) if a.ty == AttrType::Complex => a.sub_named("value"),
            (d, None) => d,
        })
    }

    /// The evaluation target of `path`, with `leaves` the definitions of the values it reaches.
    fn target(&mut self, path: Lookup<'a>, leaves: &Defs<'a>) -> Target {
        // A bare extension schema URN (`urn:…:enterprise:2.0:User pr`) names the whole extension object, the
        // document's member keyed by that URN, as it does in a PATCH path.
        if let (Some(urn), None) = (path.urn, path.sub) {
            if self.schemas.schema_joined(urn, path.name).is_some_and(|s| !self.schemas.is_core_schema(&s.id)) {
                let (u, n) = (self.span(urn), self.span(path.name));
                let name = if u.end + 1 == n.start && n.end as usize <= self.c.src.len() {
                    Span { start: u.start, end: n.end }
                } else {
                    self.append(&format!("{urn}:{}", path.name))
                };
                return Target { container: None, name, sub: None, leaves: Leaves::One(Leaf::default()) };
            }
        }
        let container = match path.urn {
            Some(urn) if !self.schemas.is_core_schema(urn) => Some(self.span(urn)),
            _ => None,
        };
        let leaf = |d: &Option<&Attribute>| {
            d.map_or_else(Leaf::default, |a| Leaf { exact: a.compares_exactly(), datetime: a.ty == AttrType::DateTime })
        };
        let defs = leaves.as_slice();
        let mut slots = defs.iter().map(leaf);
        let first = slots.next().unwrap_or_default();
        let leaves = if slots.all(|l| l == first) {
            Leaves::One(first)
        } else {
            self.per_kind = true;
            Leaves::PerKind(defs.iter().map(leaf).collect())
        };
        let name = self.span(path.name);
        let sub = path.sub.map(|s| self.span(s));
        Target { container, name, sub, leaves }
    }

    /// The compValue as evaluation uses it.
    fn prepare(&mut self, value: Literal<'a>, boolean_string: bool, target: &Target) -> Prepared {
        match value {
            Literal::Null => Prepared::Null,
            Literal::Bool(b) => Prepared::Bool(b),
            Literal::Number(n) => Prepared::Num(Num::from_json(&n)),
            Literal::String(Cow::Borrowed(s)) => self.prepare_str(s, None, boolean_string, target),
            Literal::String(Cow::Owned(s)) => {
                let text = self.append(&s);
                self.prepare_str(&s, Some(text), boolean_string, target)
            }
        }
    }

    /// A string compValue as evaluation uses it; `text`, its span when it is not part of the source.
    #[inline(always)]
    fn prepare_str(&mut self, s: &str, text: Option<Span>, boolean_string: bool, target: &Target) -> Prepared {
        let datetime = target.leaves.any_datetime();
        let instant = match self.checked_instant.take() {
            Some((at, len, instant)) if datetime && (at, len) == (s.as_ptr() as usize, s.len()) => Some(instant),
            _ if datetime => compare::parse_datetime(s),
            _ => None,
        };
        let boolean = boolean_string.then(|| s.eq_ignore_ascii_case("true"));
        let text = match text {
            Some(text) => text,
            None => self.span(s),
        };
        Prepared::Str { text, instant, boolean }
    }

    /// Whether every string value fits the definitions `leaves` for `op`: a string fits string, reference, binary
    /// and complex attributes, and only ordering a binary one is refused. Then [`FilterParser::check_types`] has
    /// nothing to check for a string.
    fn strings_fit(op: CompareOp, leaves: &Defs<'a>) -> bool {
        leaves.as_slice().iter().flatten().all(|d| match d.ty {
            AttrType::String | AttrType::Reference | AttrType::Complex => true,
            AttrType::Binary => !op.is_ordering(),
            _ => false,
        })
    }

    /// Refuses comparisons no value of the attribute could satisfy meaningfully (RFC 7644 Table 3: `gt` on a
    /// boolean or binary "MUST return an error"), and values whose JSON type the schema type cannot hold. Returns
    /// whether a string compares as a boolean (`boolean_strings`).
    #[inline(always)]
    fn check_types(
        &mut self,
        path: &str,
        op: CompareOp,
        op_at: usize,
        value: &Literal<'_>,
        value_at: usize,
        leaves: &Defs<'a>,
    ) -> Result<bool, Error> {
        if matches!(value, Literal::String(_)) && Self::strings_fit(op, leaves) {
            return Ok(false);
        }
        self.check_types_in_full(path, op, op_at, value, value_at, leaves)
    }

    /// [`FilterParser::check_types`] for every value and type.
    fn check_types_in_full(
        &mut self,
        path: &str,
        op: CompareOp,
        op_at: usize,
        value: &Literal<'_>,
        value_at: usize,
        leaves: &Defs<'a>,
    ) -> Result<bool, Error> {
        let unsupported = |why: String| {
            self.c.error(ErrorKind::OperatorNotSupported, op_at, format!("\"{op}\" at byte {op_at} {why}"))
        };
        match value {
            Literal::Null | Literal::Bool(_) if op.is_ordering() => {
                return Err(unsupported(format!("cannot order by {value}")))
            }
            Literal::String(_) => {}
            _ if op.is_substring() => return Err(unsupported(format!("needs a string value, not {value}"))),
            _ => {}
        }
        // With `boolean_strings`, "True"/"False" compare with boolean attributes as booleans (E3c).
        let boolean_string = self.quirks.boolean_strings
            && matches!(value, Literal::String(s) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"));
        let mut aliased = false;
        let mut previous: Option<*const Attribute> = None;
        for def in leaves.as_slice().iter().flatten() {
            // Slots often share a definition, which passes or fails the same way each time.
            let this: *const Attribute = *def;
            if previous.replace(this) == Some(this) {
                continue;
            }
            if op.is_ordering() && matches!(def.ty, AttrType::Boolean | AttrType::Binary) {
                return Err(unsupported(format!("cannot order \"{path}\", a {} attribute", def.ty.as_str())));
            }
            let fits = match (value, def.ty) {
                (Literal::Null, _) | (_, AttrType::Complex) => true,
                (Literal::Bool(_), ty) => ty == AttrType::Boolean,
                (Literal::Number(_), ty) => matches!(ty, AttrType::Integer | AttrType::Decimal),
                (Literal::String(s), AttrType::DateTime) => {
                    let checked = if op.is_substring() { None } else { compare::parse_datetime(s) };
                    if let Some(instant) = checked {
                        self.checked_instant = Some((s.as_ptr() as usize, s.len(), instant));
                    }
                    if !op.is_substring() && checked.is_none() {
                        return Err(self.c.error(
                            ErrorKind::InvalidDateTime,
                            value_at,
                            format!(
                                "\"{path}\" is a dateTime; {value} at byte {value_at} is not an xsd:dateTime such \
                                 as \"2011-05-13T04:42:34Z\""
                            ),
                        ));
                    }
                    true
                }
                (Literal::String(_), AttrType::Boolean) if boolean_string => {
                    aliased = true;
                    true
                }
                (Literal::String(_), ty) => !matches!(ty, AttrType::Boolean | AttrType::Integer | AttrType::Decimal),
            };
            if !fits {
                return Err(self.c.error(
                    ErrorKind::TypeMismatch,
                    value_at,
                    format!(
                        "\"{path}\" is a {} attribute and cannot be compared with {value} at byte {value_at}",
                        def.ty.as_str()
                    ),
                ));
            }
        }
        if aliased {
            self.fired.add(Quirk::boolean_strings);
        }
        Ok(aliased)
    }
}

/// `a == b` for byte strings as short as attribute paths mostly are, eight bytes at a time and without the call
/// to `memcmp` that is most of the cost of comparing a dozen bytes.
#[inline(always)]
fn eq_short(a: &[u8], b: &[u8]) -> bool {
    fn word(s: &[u8], at: usize) -> Option<u64> {
        Some(u64::from_le_bytes(<[u8; 8]>::try_from(s.get(at..at + 8)?).ok()?))
    }
    let n = a.len();
    if n != b.len() || n > 32 {
        return a == b;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut at = 0;
    while at + 8 <= n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    // The last eight bytes, overlapping the words already compared.
    at == n || word(a, n - 8) == word(b, n - 8)
}

/// Whether a plain string fits for `op`, of the pair for the operators that do not order and those that do.
fn fits_plain(plain_fits: [bool; 2], op: CompareOp) -> bool {
    let [plain, ordering] = plain_fits;
    if op.is_ordering() {
        ordering
    } else {
        plain
    }
}

/// `compareOp`, case-insensitive.
fn compare_op(word: &str) -> Option<CompareOp> {
    let &[a, b] = word.as_bytes() else { return None };
    compare_op_bytes(a, b)
}

/// `compareOp` of two bytes, case-insensitive. `| 0x20` lowers exactly the bytes that can match: a byte maps to a
/// lower-case letter that way only when it is that letter in either case.
#[inline]
fn compare_op_bytes(a: u8, b: u8) -> Option<CompareOp> {
    const fn op(a: u8, b: u8) -> u16 {
        u16::from_le_bytes([a, b])
    }
    Some(match u16::from_le_bytes([a | 0x20, b | 0x20]) {
        x if x == op(b'e', b'q') => CompareOp::Eq,
        x if x == op(b'n', b'e') => CompareOp::Ne,
        x if x == op(b'c', b'o') => CompareOp::Co,
        x if x == op(b's', b'w') => CompareOp::Sw,
        x if x == op(b'e', b'w') => CompareOp::Ew,
        x if x == op(b'g', b't') => CompareOp::Gt,
        x if x == op(b'l', b't') => CompareOp::Lt,
        x if x == op(b'g', b'e') => CompareOp::Ge,
        x if x == op(b'l', b'e') => CompareOp::Le,
        _ => return None,
    })
}

fn sub_def<'s>(def: Option<&'s Attribute>, sub: Option<&str>) -> Option<&'s Attribute> {
    match sub {
        Some(sub) => def?.sub_named(sub),
        None => def,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::filter::{CompareOp, Expr};
    use crate::{Filter, Options, Quirks};

    /// A path repeated along a chain is resolved once (the memo) and the lists are shared between parses (the
    /// scratch); neither may change what a chain means: its tree is its operands' trees, and it matches as they do.
    #[test]
    fn a_chain_means_what_its_operands_mean() {
        let docs = [
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Bjensen",
                   "emails": [{"value": "b@example.com", "type": "work"}], "meta": {"lastModified": "2012-01-01T00:00:00Z"},
                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Eng"}}),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Eng", "userName": "x"}),
            json!({"userName": "bjensen", "emails": "e@example.org"}),
        ];
        let operands = [
            r#"userName eq "bjensen""#,
            r#"userName sw "B""#,
            "userName pr",
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            "meta.lastModified pr",
            r#"emails co "example.com""#,
            r#"emails[type eq "work"]"#,
            r#"department eq "Eng""#,
            r#"displayName eq "eng""#,
            r#"not (userName eq "x")"#,
        ];
        let mut pairs = 0;
        for options in [Options::new(), Options::new().with_quirks(Quirks::entra())] {
            for a in operands {
                for b in operands {
                    let (Ok(fa), Ok(fb)) = (Filter::parse_with(a, &options), Filter::parse_with(b, &options)) else {
                        continue;
                    };
                    pairs += 1;
                    let or = Filter::parse_with(&format!("{a} or {a} or {b} or {b}"), &options).unwrap();
                    let and = Filter::parse_with(&format!("{b} and {a} and {a}"), &options).unwrap();
                    let (ea, eb) = (fa.ast().clone(), fb.ast().clone());
                    assert_eq!(or.ast(), &Expr::Or(vec![ea.clone(), ea.clone(), eb.clone(), eb.clone()]), "{a} / {b}");
                    assert_eq!(and.ast(), &Expr::And(vec![eb, ea.clone(), ea]), "{a} / {b}");
                    for doc in &docs {
                        let (ma, mb) = (fa.matches(doc), fb.matches(doc));
                        assert_eq!(or.matches(doc), ma || mb, "{a} or {b} on {doc}");
                        assert_eq!(and.matches(doc), ma && mb, "{b} and {a} on {doc}");
                    }
                }
            }
        }
        assert_eq!(pairs, 2 * operands.len() * operands.len());
    }

    /// A remembered comparison that an `and` follows is the first operand of that `and`, not an operand of the
    /// `or`; inside brackets a name the memo holds is a sub-attribute and resolves as one.
    #[test]
    fn a_remembered_comparison_keeps_its_place() {
        let ast = |t: &str| Filter::parse(t).unwrap().ast().clone();
        let (a, b) = (ast(r#"userName eq "a""#), ast(r#"title eq "b""#));
        let chain = ast(r#"userName eq "a" or userName eq "a" or userName eq "a" and title eq "b" or userName eq "a""#);
        let and = Expr::And(vec![a.clone(), b.clone()]);
        assert_eq!(chain, Expr::Or(vec![a.clone(), a.clone(), and, a.clone()]));
        let chain = ast(r#"userName eq "a" and userName eq "a" and userName eq "a" or title eq "b""#);
        assert_eq!(chain, Expr::Or(vec![Expr::And(vec![a.clone(), a.clone(), a.clone()]), b]));
        // `type` at the resource is no attribute; in `emails[…]` it is the email's type.
        let f =
            Filter::parse(r#"type eq "work" or type eq "work" or emails[type eq "work" or type eq "home"]"#).unwrap();
        assert!(f.matches(&json!({"emails": [{"type": "home", "value": "x@example.com"}]})));
        assert!(f.matches(&json!({"emails": [{"type": "work", "value": "x@example.com"}]})));
        assert!(!f.matches(&json!({"emails": [{"type": "other", "value": "x@example.com"}]})));
        let text =
            r#"userName eq "a" or userName eq "a" or userName  gt   "b" or userName eq "c\u0041" or userName pr"#;
        let f = Filter::parse(text).unwrap();
        assert_eq!(
            f.to_string(),
            r#"userName eq "a" or userName eq "a" or userName gt "b" or userName eq "cA" or userName pr"#
        );
    }

    /// A path the schemas' cache knows parses as a path resolved anew: same tree, same matches, same errors at
    /// the same positions; and each `Schemas` has its own cache, emptied by a change.
    #[test]
    fn a_cached_path_means_what_a_resolved_one_means() {
        let texts = [
            r#"userName eq "Bjensen""#,
            r#"USERNAME sw "b""#,
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified co "2011""#,
            r#"meta.lastModified gt "yesterday""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Eng""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen""#,
            r#"displayName eq "eng""#,
            r#"emails.value co "example.com""#,
            r#"userName eq 5"#,
            r#"userName gt "a" and userName lt "c""#,
            r#"title eq "x" or userName eq "bjensen" or title eq "y""#,
        ];
        let docs = [
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Bjensen", "title": "y",
                   "emails": [{"value": "b@example.com"}], "meta": {"lastModified": "2012-01-01T00:00:00Z"},
                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "eng"}}),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Eng"}),
        ];
        let outcome = |text: &str, options: &Options| match Filter::parse_with(text, options) {
            Ok(f) => Ok((f.to_string(), docs.iter().map(|d| f.matches(d)).collect::<Vec<_>>())),
            Err(e) => Err((e.code().to_string(), e.position())),
        };
        let warm = Options::new();
        for text in texts {
            let cold = outcome(text, &Options::new().with_schemas(crate::Schemas::builtin()));
            assert_eq!(outcome(text, &warm), cold, "{text}");
            assert_eq!(outcome(text, &warm), cold, "{text} again");
        }
        // userName made caseExact in other schemas: their filters compare exactly, the built-in ones do not.
        let mut exact = crate::Schemas::builtin();
        let mut user = exact.schema("urn:ietf:params:scim:schemas:core:2.0:User").unwrap().clone();
        user.attributes.iter_mut().filter(|a| a.name == "userName").for_each(|a| a.case_exact = true);
        let text = r#"userName eq "bjensen""#;
        let doc = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Bjensen"});
        let exact_options = Options::new().with_schemas(exact.clone());
        assert!(Filter::parse_with(text, &warm).unwrap().matches(&doc));
        assert!(Filter::parse_with(text, &exact_options).unwrap().matches(&doc));
        exact.add_schema(user);
        let exact_options = Options::new().with_schemas(exact);
        assert!(!Filter::parse_with(text, &exact_options).unwrap().matches(&doc));
        assert!(!Filter::parse_with(text, &exact_options).unwrap().matches(&doc));
        assert!(Filter::parse_with(text, &warm).unwrap().matches(&doc));
    }

    /// The cache of paths finds names ignoring case, keeps a bounded number, and forgets them all when the
    /// schemas change.
    #[test]
    fn the_path_cache_is_bounded_and_emptied_by_a_change() {
        use super::{KnownPath, Leaf, Leaves};
        let known = || KnownPath {
            leaves: Leaves::One(Leaf::default()),
            extension: false,
            plain_fits: [true; 2],
            datetimes: false,
        };
        let mut schemas = crate::Schemas::builtin();
        for i in 0..100 {
            schemas.keep_path(&format!("attr{i}"), known());
        }
        assert!(schemas.known_path("ATTR0").is_some());
        assert!(schemas.known_path("attr99").is_none());
        assert!(schemas.known_path("attr").is_none());
        let user = schemas.schema("urn:ietf:params:scim:schemas:core:2.0:User").unwrap().clone();
        schemas.add_schema(user);
        assert!(schemas.known_path("attr0").is_none());
    }

    /// The short comparison agrees with `==` at every length and for a difference at every place.
    #[test]
    fn short_byte_strings_compare_as_slices() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(super::eq_short(&a, &a.clone()));
            assert!(!super::eq_short(&a, &a[..n.saturating_sub(1)]) || n == 0);
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!super::eq_short(&a, &b), "{n} {at}");
            }
        }
    }

    /// The operator test on two bytes agrees with a case-insensitive comparison of their text, for every pair.
    #[test]
    fn operators_of_two_bytes_read_as_their_text() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let text = [a, b];
                let expect = std::str::from_utf8(&text)
                    .ok()
                    .and_then(|t| CompareOp::ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(t)));
                assert_eq!(super::compare_op_bytes(a, b), expect, "{a} {b}");
            }
        }
    }

    /// Threads keeping paths in one cache at once: every filter still means what it says, and the cache keeps at
    /// most its bound.
    #[test]
    fn the_path_cache_serves_threads_at_once() {
        let options = std::sync::Arc::new(Options::new().with_schemas(crate::Schemas::builtin()));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let options = options.clone();
                std::thread::spawn(move || {
                    for round in 0..3 {
                        for i in 0..40 {
                            let (name, value) = (format!("x{}", (i * 7 + t) % 40), format!("v{round}"));
                            let f = Filter::parse_with(&format!(r#"{name} eq "{value}""#), &options).unwrap();
                            assert!(f.matches(&json!({ name.as_str(): value.to_uppercase() })), "{name}");
                            assert!(!f.matches(&json!({ name.as_str(): "other" })), "{name}");
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let kept = (0..40).filter(|i| options.schemas.known_path(&format!("X{i}")).is_some()).count();
        assert!(kept > 0 && kept <= 40, "{kept}");
    }

    /// An error in a comparison whose path the memo resolved carries its own position.
    #[test]
    fn an_error_after_a_remembered_path_has_its_position() {
        let text = r#"userName eq "a" or userName eq "b" or userName gt true"#;
        let err = Filter::parse(text).unwrap_err();
        assert_eq!(err.position(), text.rfind("gt"));
        let text = r#"meta.created eq "2011-05-13T04:42:34Z" or meta.created eq "2011-05-13T04:42:34Z" or meta.created eq "x""#;
        let err = Filter::parse(text).unwrap_err();
        assert_eq!(err.position(), text.rfind("\"x\""));
    }
}
