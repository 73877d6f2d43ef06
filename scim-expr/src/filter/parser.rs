//! The filter grammar, RFC 7644 §3.4.2.2 Figure 1 with the errata (rfc-digest §1), as recursive descent in the
//! precedence form of rfc-digest §1.3. Each production is one function. While parsing, every attribute path is
//! resolved against the schemas (per resource type) and compared values are checked against the attribute's type,
//! so type errors carry the position of the offending token.

use crate::compare::{self, Num};
use crate::error::{Domain, Error, ErrorKind};
use crate::filter::ast::{AttrPath, CompValue, CompareOp, Expr};
use crate::filter::eval::{Compiled, Leaf, Prepared, Target};
use crate::grammar::{shorten, Cursor};
use crate::quirks::{Fired, Quirk};
use crate::schema::{AttrType, Attribute, Schemas};
use crate::{Options, Quirks};

/// The resolved attribute definitions of one path: index 0 for an unknown resource type, k + 1 for type k.
type Defs<'s> = Vec<Option<&'s Attribute>>;

type Both = (Expr, Compiled);
type Production<'a, 's> = fn(&mut FilterParser<'a, 's>, &Scope<'s>) -> Result<Both, Error>;

/// Where attribute paths are resolved: at the resource, or inside `attr[...]` relative to `attr`'s values.
enum Scope<'s> {
    Root,
    Element { parent: String, defs: Defs<'s> },
}

pub(crate) struct Parsed {
    pub expr: Expr,
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

pub(crate) struct FilterParser<'a, 's> {
    c: Cursor<'a>,
    schemas: &'s Schemas,
    max_depth: usize,
    depth: usize,
    per_kind: bool,
    quirks: Quirks,
    fired: Fired,
}

impl<'a, 's> FilterParser<'a, 's> {
    pub fn new(src: &'a str, options: &'s Options, domain: Domain) -> Self {
        FilterParser {
            c: Cursor::new(src, domain),
            schemas: &options.schemas,
            max_depth: options.limits.max_depth.min(crate::Limits::MAX_DEPTH_CEILING),
            depth: 0,
            per_kind: false,
            quirks: options.quirks,
            fired: Fired::default(),
        }
    }

    /// Refuses input over the length limit, and input with nothing but whitespace.
    fn check_input(&self, max_length: usize) -> Result<(), Error> {
        let (src, what) = (self.c.src, if self.c.domain == Domain::Path { "path" } else { "filter" });
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
        Ok(())
    }

    /// A whole filter: `FILTER` and nothing after it.
    pub fn parse(mut self, max_length: usize) -> Result<Parsed, Error> {
        self.check_input(max_length)?;
        let (expr, compiled) = self.parse_filter(&Scope::Root)?;
        self.c.skip_ws();
        if !self.c.at_end() {
            return Err(self.unexpected_after_filter());
        }
        Ok(Parsed { expr, compiled, per_kind: self.per_kind, fired: self.fired })
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
            if attr.sub_attr.is_some() {
                return Err(self.c.error(
                    ErrorKind::InvalidAttrPath,
                    path_at,
                    format!(
                        "\"{}\" at byte {path_at}: a filter in brackets selects values of a multi-valued attribute \
                         and follows its name, as in emails[type eq \"work\"].value",
                        shorten(&attr.to_string())
                    ),
                ));
            }
            let defs = self.resolve(&Scope::Root, &attr, path_at)?;
            let (expr, compiled) = self.parse_value_filter(&attr, &defs)?;
            filter = Some(Parsed { expr, compiled, per_kind: self.per_kind, fired: self.fired });
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
        Ok(ParsedPath { attr, filter, filter_sub_attr })
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
    fn parse_filter(&mut self, scope: &Scope<'s>) -> Result<(Expr, Compiled), Error> {
        self.parse_log_exp(scope, "or", Self::parse_and_exp, Expr::Or, Compiled::Or)
    }

    /// `andExp = notExp *(SP "and" SP notExp)`.
    fn parse_and_exp(&mut self, scope: &Scope<'s>) -> Result<(Expr, Compiled), Error> {
        self.parse_log_exp(scope, "and", Self::parse_not_exp, Expr::And, Compiled::And)
    }

    /// `logExp = FILTER SP ("and" / "or") SP FILTER`, one keyword at a time, as a flat n-ary chain.
    fn parse_log_exp(
        &mut self,
        scope: &Scope<'s>,
        keyword: &str,
        operand: Production<'a, 's>,
        expr: fn(Vec<Expr>) -> Expr,
        compiled: fn(Box<[Compiled]>) -> Compiled,
    ) -> Result<(Expr, Compiled), Error> {
        let first = operand(self, scope)?;
        let mut rest = Vec::new();
        loop {
            let before = self.c.pos;
            self.c.skip_ws();
            if self.c.eat_keyword(keyword) {
                rest.push(operand(self, scope)?);
            } else {
                self.c.pos = before;
                break;
            }
        }
        if rest.is_empty() {
            return Ok(first);
        }
        let (exprs, comps): (Vec<Expr>, Vec<Compiled>) = std::iter::once(first).chain(rest).unzip();
        Ok((expr(exprs), compiled(comps.into_boxed_slice())))
    }

    /// `notExp = "not" [SP] "(" FILTER ")" / atom` (erratum 7319 allows both `not(` and `not (`). A `not` that
    /// no `(` follows is an attribute named `not`.
    fn parse_not_exp(&mut self, scope: &Scope<'s>) -> Result<(Expr, Compiled), Error> {
        self.c.skip_ws();
        let start = self.c.pos;
        if self.c.eat_keyword("not") {
            self.c.skip_ws();
            if self.c.peek() == Some(b'(') {
                let (e, c) = self.parse_group(scope)?;
                return Ok((Expr::Not(Box::new(e)), Compiled::Not(Box::new(c))));
            }
            self.c.pos = start;
        }
        self.parse_atom(scope)
    }

    /// `atom = "(" FILTER ")" / valuePath / attrExp`.
    fn parse_atom(&mut self, scope: &Scope<'s>) -> Result<(Expr, Compiled), Error> {
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
    fn parse_group(&mut self, scope: &Scope<'s>) -> Result<(Expr, Compiled), Error> {
        let open = self.enter()?;
        let inner = self.parse_filter(scope)?;
        self.close(open, b')', ErrorKind::UnclosedParen)?;
        Ok(inner)
    }

    /// `attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)`, or
    /// `valuePath = attrPath "[" valFilter "]"`.
    fn parse_attr_exp(&mut self, scope: &Scope<'s>) -> Result<(Expr, Compiled), Error> {
        let path_at = self.c.pos;
        let path = self.c.parse_attr_path()?;
        let lookup = self.qualify(scope, &path);
        let defs = self.resolve(scope, &lookup, path_at)?;
        if self.c.peek() == Some(b'[') {
            return self.parse_value_path(scope, path, &lookup, &defs);
        }
        self.parse_comparison(path, &lookup, &defs)
    }

    /// With `unqualified_extension`, an unqualified name that no core schema defines and exactly one extension does
    /// is looked up as that extension's attribute; the AST keeps the name as written.
    fn qualify(&mut self, scope: &Scope<'s>, path: &AttrPath) -> AttrPath {
        if !self.quirks.unqualified_extension || path.urn.is_some() || !matches!(scope, Scope::Root) {
            return path.clone();
        }
        match self.schemas.unique_extension_of(None, &path.name) {
            Some(urn) => {
                self.fired.add(Quirk::unqualified_extension);
                path.clone().with_urn(urn)
            }
            None => path.clone(),
        }
    }

    /// The rest of an attrExp after its path: `SP "pr"` or `SP compareOp SP compValue`.
    fn parse_comparison(&mut self, path: AttrPath, lookup: &AttrPath, defs: &Defs<'s>) -> Result<Both, Error> {
        self.c.skip_ws();
        let op_at = self.c.pos;
        let word = self.c.word();
        if self.c.at_end() {
            return Err(self.c.unexpected_end("an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr)"));
        }
        if word.eq_ignore_ascii_case("pr") {
            self.c.pos += word.len();
            let target = self.target(lookup, defs, false);
            return Ok((Expr::Present(path), Compiled::Present(target)));
        }
        let Some(op) = CompareOp::ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(word)) else {
            return Err(self.c.error(
                ErrorKind::ExpectedOperator,
                op_at,
                format!(
                    "expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr) after \"{}\" at byte {op_at}, \
                     found {}",
                    shorten(&path.to_string()),
                    self.c.describe(op_at)
                ),
            ));
        };
        self.c.pos += word.len();
        self.c.skip_ws();
        let value_at = self.c.pos;
        let (value, bare) = self.c.parse_comp_value(self.quirks.unquoted_values)?;
        if bare {
            self.fired.add(Quirk::unquoted_values);
        }
        let leaves = self.leaf_defs(lookup, defs);
        let boolean = self.check_types(&path, op, op_at, &value, value_at, &leaves)?;
        let target = self.target(lookup, defs, true);
        let prepared = prepare(&value, boolean);
        Ok((Expr::Compare { path, op, value }, Compiled::Compare(target, op, prepared)))
    }

    /// `valuePath = attrPath "[" valFilter "]"`; `valFilter` is a FILTER over the attribute's sub-attributes with
    /// no valuePath of its own. With `value_path_comparison`, Entra's `attr[f].sub op v` and `attr[f] op v` read
    /// as `attr[f and sub op v]` and `attr[f and value op v]`.
    fn parse_value_path(
        &mut self,
        scope: &Scope<'s>,
        path: AttrPath,
        lookup: &AttrPath,
        defs: &Defs<'s>,
    ) -> Result<(Expr, Compiled), Error> {
        if let Scope::Element { parent, .. } = scope {
            let at = self.c.pos;
            return Err(self.c.error(
                ErrorKind::NestedValuePath,
                at,
                format!("'[' at byte {at} opens a filter inside the filter on \"{parent}\"; brackets do not nest"),
            ));
        }
        let (mut expr, mut compiled) = self.parse_value_filter(lookup, defs)?;
        if let Some(sub) = self.value_path_comparison()? {
            let element = self.element_scope(lookup, defs);
            let sub_path = AttrPath::new(sub);
            let sub_defs = self.resolve(&element, &sub_path, self.c.pos)?;
            let (e, c) = self.parse_comparison(sub_path.clone(), &sub_path, &sub_defs)?;
            self.fired.add(Quirk::value_path_comparison);
            (expr, compiled) = match (expr, compiled) {
                (Expr::And(mut es), Compiled::And(cs)) => {
                    es.push(e);
                    let mut cs = cs.into_vec();
                    cs.push(c);
                    (Expr::And(es), Compiled::And(cs.into_boxed_slice()))
                }
                (e0, c0) => (Expr::And(vec![e0, e]), Compiled::And(vec![c0, c].into_boxed_slice())),
            };
        } else if self.c.peek() == Some(b'.') && self.c.domain == Domain::Filter {
            let at = self.c.pos;
            return Err(self.c.error(
                ErrorKind::ValuePathSubAttribute,
                at,
                format!(
                    "a sub-attribute after \"{path}[…]\" at byte {at} is only allowed in PATCH paths; in a filter \
                     put the condition inside the brackets"
                ),
            ));
        }
        let target = self.target(lookup, defs, false);
        Ok((Expr::ValuePath { path, filter: Box::new(expr) }, Compiled::ValuePath(target, Box::new(compiled))))
    }

    /// After a valuePath's `]` in a filter, with `value_path_comparison` on: the sub-attribute a comparison
    /// follows (`.value eq "x"`, or ` eq "x"` meaning `value`), leaving the cursor before its operator.
    fn value_path_comparison(&mut self) -> Result<Option<String>, Error> {
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
            return Ok(Some(name.to_string()));
        }
        let before = self.c.pos;
        self.c.skip_ws();
        let word = self.c.word();
        let is_comparison = word.eq_ignore_ascii_case("pr")
            || CompareOp::ALL.into_iter().any(|op| op.as_str().eq_ignore_ascii_case(word));
        self.c.pos = before;
        Ok(is_comparison.then(|| "value".to_string()))
    }

    fn element_scope(&self, path: &AttrPath, defs: &Defs<'s>) -> Scope<'s> {
        let element_defs = defs.iter().map(|d| sub_def(*d, path.sub_attr.as_deref())).collect();
        Scope::Element { parent: path.to_string(), defs: element_defs }
    }

    /// `"[" valFilter "]"` for the already parsed `path`, with the cursor on the `[`. Shared with PATCH paths.
    pub(crate) fn parse_value_filter(&mut self, path: &AttrPath, defs: &Defs<'s>) -> Result<(Expr, Compiled), Error> {
        let open = self.enter()?;
        let scope = self.element_scope(path, defs);
        let inner = self.parse_filter(&scope)?;
        self.close(open, b']', ErrorKind::UnclosedBracket)?;
        Ok(inner)
    }

    /// The definitions `path`'s attribute has in each resource type (before any sub-attribute).
    fn resolve(&self, scope: &Scope<'s>, path: &AttrPath, at: usize) -> Result<Defs<'s>, Error> {
        let kinds = self.schemas.resource_types().len();
        match (scope, &path.urn) {
            (Scope::Root, Some(urn)) => Ok(vec![self.schemas.qualified(urn, &path.name); kinds + 1]),
            (Scope::Root, None) => {
                Ok((0..=kinds).map(|slot| self.schemas.unqualified(slot.checked_sub(1), &path.name)).collect())
            }
            (Scope::Element { parent, .. }, Some(_)) => Err(self.c.error(
                ErrorKind::InvalidAttrPath,
                at,
                format!(
                    "\"{}\" at byte {at}: inside \"{parent}[…]\" paths name sub-attributes and take no schema URN",
                    shorten(&path.to_string())
                ),
            )),
            (Scope::Element { defs, .. }, None) => Ok(defs
                .iter()
                .map(|parent| {
                    parent.and_then(|p| match p.sub_attribute(&path.name) {
                        // The elements of a multi-valued attribute of simple values are their own `value`.
                        None if p.ty != AttrType::Complex && path.name.eq_ignore_ascii_case("value") => Some(p),
                        found => found,
                    })
                })
                .collect()),
        }
    }

    /// The definitions of the values a comparison reaches: the sub-attribute if named, else a complex attribute's
    /// `value`.
    fn leaf_defs(&self, path: &AttrPath, defs: &Defs<'s>) -> Defs<'s> {
        defs.iter()
            .map(|d| match (d, &path.sub_attr) {
                (_, Some(sub)) => sub_def(*d, Some(sub)),
                (Some(a), None) if a.ty == AttrType::Complex => a.sub_attribute("value"),
                (d, None) => *d,
            })
            .collect()
    }

    fn target(&mut self, path: &AttrPath, defs: &Defs<'s>, compared: bool) -> Target {
        // A bare extension schema URN (`urn:…:enterprise:2.0:User pr`) names the whole extension object, the
        // document's member keyed by that URN, as it does in a PATCH path.
        if let (Some(urn), None) = (&path.urn, &path.sub_attr) {
            let full = format!("{urn}:{}", path.name);
            if self.schemas.schema(&full).is_some_and(|s| !self.schemas.is_core_schema(&s.id)) {
                return Target { container: None, name: full.into(), sub: None, leaves: Box::new([Leaf::default()]) };
            }
        }
        let container = match &path.urn {
            Some(urn) if !self.schemas.is_core_schema(urn) => Some(urn.as_str().into()),
            _ => None,
        };
        let leaf_defs = if compared { self.leaf_defs(path, defs) } else { defs.clone() };
        let mut leaves: Vec<Leaf> = leaf_defs
            .iter()
            .map(|d| {
                d.map_or_else(Leaf::default, |a| Leaf {
                    exact: a.compares_exactly(),
                    datetime: a.ty == AttrType::DateTime,
                })
            })
            .collect();
        if leaves.windows(2).all(|w| w.first() == w.get(1)) {
            leaves.truncate(1);
        } else {
            self.per_kind = true;
        }
        Target {
            container,
            name: path.name.as_str().into(),
            sub: path.sub_attr.as_deref().map(Into::into),
            leaves: leaves.into_boxed_slice(),
        }
    }

    /// Refuses comparisons no value of the attribute could satisfy meaningfully (RFC 7644 Table 3: `gt` on a
    /// boolean or binary "MUST return an error"), and values whose JSON type the schema type cannot hold.
    fn check_types(
        &mut self,
        path: &AttrPath,
        op: CompareOp,
        op_at: usize,
        value: &CompValue,
        value_at: usize,
        leaves: &Defs<'s>,
    ) -> Result<bool, Error> {
        let unsupported = |why: String| {
            self.c.error(ErrorKind::OperatorNotSupported, op_at, format!("\"{op}\" at byte {op_at} {why}"))
        };
        match value {
            CompValue::Null | CompValue::Bool(_) if op.is_ordering() => {
                return Err(unsupported(format!("cannot order by {value}")))
            }
            CompValue::String(_) => {}
            _ if op.is_substring() => return Err(unsupported(format!("needs a string value, not {value}"))),
            _ => {}
        }
        // With `boolean_strings`, "True"/"False" compare with boolean attributes as booleans (E3c).
        let boolean_string = self.quirks.boolean_strings
            && matches!(value, CompValue::String(s) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"));
        let mut aliased = false;
        for def in leaves.iter().flatten() {
            if op.is_ordering() && matches!(def.ty, AttrType::Boolean | AttrType::Binary) {
                return Err(unsupported(format!("cannot order \"{path}\", a {} attribute", def.ty.as_str())));
            }
            let fits = match (value, def.ty) {
                (CompValue::Null, _) | (_, AttrType::Complex) => true,
                (CompValue::Bool(_), ty) => ty == AttrType::Boolean,
                (CompValue::Number(_), ty) => matches!(ty, AttrType::Integer | AttrType::Decimal),
                (CompValue::String(s), AttrType::DateTime) => {
                    if !op.is_substring() && compare::parse_datetime(s).is_none() {
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
                (CompValue::String(_), AttrType::Boolean) if boolean_string => {
                    aliased = true;
                    true
                }
                (CompValue::String(_), ty) => !matches!(ty, AttrType::Boolean | AttrType::Integer | AttrType::Decimal),
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

fn sub_def<'s>(def: Option<&'s Attribute>, sub: Option<&str>) -> Option<&'s Attribute> {
    match sub {
        Some(sub) => def?.sub_attribute(sub),
        None => def,
    }
}

fn prepare(value: &CompValue, boolean_string: bool) -> Prepared {
    match value {
        CompValue::Null => Prepared::Null,
        CompValue::Bool(b) => Prepared::Bool(*b),
        CompValue::Number(n) => Prepared::Num(Num::from_json(n)),
        CompValue::String(s) => Prepared::Str {
            text: s.as_str().into(),
            instant: compare::parse_datetime(s),
            boolean: boolean_string.then(|| s.eq_ignore_ascii_case("true")),
        },
    }
}
