//! Applying operations (RFC 7644 §3.5.2.1-3, rfc-digest §2 and §5). The engine reads and writes its document
//! through [`Doc`]: in place, every change goes through the [`Tx`] so that a failing operation leaves the document
//! exactly as it was; through the overlay, the host document is only read and a failed request's overlay dropped.

use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

use serde_json::{Map, Value};

use super::tx::{Doc, InPlace, Loc, Overlay, Step, Tx, Watched};
use super::{Op, Operation, Outcome};
use crate::compare::{self, same_str, Num};
use crate::error::{json_type, Error, ErrorKind};
use crate::filter::eval;
use crate::filter::{CompValue, CompareOp, Expr};
use crate::node::{Node, View};
use crate::overlay::{Failure, Host, Lazy};
use crate::path::PathKind;
use crate::quirks::{Fired, Quirk};
use crate::schema::{AttrType, Attribute, Mutability, Schemas};
use crate::{Options, Path, Quirks};

/// What an engine step returns: a request error, or a failure to read the document.
type Res<T, E> = Result<T, Failure<E>>;

pub(super) fn apply(
    operations: &[Operation],
    options: &Options,
    doc: &mut Value,
    parsed: Fired,
) -> Result<Outcome, Error> {
    let mut in_place = InPlace { root: doc, tx: Tx::default() };
    match run(operations, options, &mut in_place, parsed) {
        Ok(fired) => Ok(Outcome { changed: in_place.tx.len() > 0, fired }),
        Err(e) => {
            let InPlace { root, tx } = in_place;
            tx.rollback(root);
            Err(match e {
                Failure::Patch(e) => e,
                Failure::Host(never) => match never {},
            })
        }
    }
}

/// [`apply`] to a host document: the result is a copy-on-write overlay; the host is only read.
pub(super) fn apply_to<H: Host>(
    operations: &[Operation],
    options: &Options,
    doc: H,
    parsed: Fired,
) -> Result<(Lazy<H>, Outcome), Failure<H::Error>> {
    let mut overlay = Overlay { root: Lazy::Host(doc), changes: 0 };
    let fired = run(operations, options, &mut overlay, parsed)?;
    Ok((overlay.root, Outcome { changed: overlay.changes > 0, fired }))
}

/// The engine: every operation in order, on either kind of document. On error the document may be half changed;
/// the callers take it back (in place) or drop it (overlay).
fn run<D: Doc>(operations: &[Operation], options: &Options, doc: &mut D, parsed: Fired) -> Res<Fired, D::Error> {
    if !matches!(shape(doc.at(&[])?.as_ref()).map_err(Failure::Host)?, Shape::Object(_)) {
        return Err(Error::patch(ErrorKind::NotAnObject, "the resource to patch must be a JSON object".into()).into());
    }
    let mut fired = parsed;
    let mut doc = Watched { doc, schemas_written: true };
    let mut kind = options.resource_type;
    for (i, operation) in operations.iter().enumerate() {
        // Each operation sees the resource type as the previous ones left `schemas` (RFC 7644 §3.5.2): read again
        // whenever an operation may have written it.
        if std::mem::take(&mut doc.schemas_written) {
            kind = match doc.at(&[])? {
                Some(root) => options.schemas.kind_of(&root, options.resource_type).map_err(Failure::Host)?,
                None => options.resource_type,
            };
        }
        let mut applier = Applier {
            options,
            schemas: &options.schemas,
            quirks: options.quirks,
            kind,
            doc: &mut doc,
            fired: &mut fired,
        };
        applier.operation(operation).map_err(|e| match e {
            Failure::Patch(e) => Failure::Patch(e.at_operation(i)),
            host => host,
        })?;
    }
    Ok(fired)
}

/// What the schemas say a path's attribute (`urn`, `name`) is in resource type `kind`: the extension it belongs to
/// (the path's URN unless that is a core schema's, or the one `unqualified_extension` finds, recorded in `fired`)
/// and its definition, if any. The engine's `locate` and the host steps (steps.rs) both read attributes this way.
pub(super) fn resolve<'s: 'u, 'u>(
    schemas: &'s Schemas,
    quirks: Quirks,
    fired: &mut Fired,
    kind: Option<usize>,
    urn: Option<&'u str>,
    name: &str,
) -> (Option<&'u str>, Option<&'s Attribute>) {
    match urn {
        Some(urn) if !schemas.is_core_schema(urn) => (Some(urn), schemas.qualified(urn, name)),
        _ => {
            let def = match urn {
                Some(urn) => schemas.qualified(urn, name),
                None => schemas.unqualified(kind, name),
            };
            if def.is_none() && urn.is_none() && quirks.unqualified_extension {
                if let Some(ext) = schemas.unique_extension_of(kind, name) {
                    fired.add(Quirk::unqualified_extension);
                    return resolve(schemas, quirks, fired, kind, Some(ext), name);
                }
            }
            (None, def)
        }
    }
}

/// What the engine needs to know of a document value before it reads further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Absent,
    Null,
    /// An array of this many elements.
    Array(usize),
    /// An object; whether it has members.
    Object(bool),
    Scalar,
}

fn shape<N: Host>(v: Option<&N>) -> Result<Shape, N::Error> {
    let Some(v) = v else { return Ok(Shape::Absent) };
    Ok(match v.view()? {
        View::Null => Shape::Null,
        View::Array(n) => Shape::Array(n),
        View::Object => Shape::Object(v.member_count()? > 0),
        _ => Shape::Scalar,
    })
}

/// The elements of an array node (none for anything else).
fn elements<N: Host>(v: Option<&N>) -> Result<Vec<N>, N::Error> {
    v.map_or_else(|| Ok(Vec::new()), Host::elements)
}

fn sure<T>(r: Result<T, std::convert::Infallible>) -> T {
    match r {
        Ok(t) => t,
        Err(never) => match never {},
    }
}

/// An attribute of the resource, located: its container (the resource, or an extension object), its key and its
/// definition.
struct Attr<'s> {
    /// Where the attribute sits: its container (`[]` for the resource, `[Key(urn)]` for an extension object), then
    /// its member name (the document's spelling if it has one, else the schema's).
    loc: Loc,
    /// The extension schema URN, for attributes of an extension.
    ext: Option<String>,
    def: Option<&'s Attribute>,
}

impl<'s> Attr<'s> {
    fn new(mut container: Loc, key: String, ext: Option<String>, def: Option<&'s Attribute>) -> Attr<'s> {
        container.push(Step::Key(key));
        Attr { loc: container, ext, def }
    }

    fn loc(&self) -> &[Step] {
        &self.loc
    }

    fn container(&self) -> &[Step] {
        self.loc.split_last().map_or(&[], |(_, container)| container)
    }

    /// The member name: the last step of `loc`, which [`Attr::new`] makes it.
    fn key(&self) -> &str {
        match self.loc.last() {
            Some(Step::Key(k)) => k,
            _ => "",
        }
    }

    fn name(&self) -> &str {
        self.key()
    }
}

fn child(loc: &[Step], step: Step) -> Loc {
    let mut l = Vec::with_capacity(loc.len() + 1);
    l.extend_from_slice(loc);
    l.push(step);
    l
}

/// Points the last step of an element's location (`child(array, Step::Index(_))`) at element `i`.
fn at_index(element: &mut [Step], i: usize) {
    if let Some(last) = element.last_mut() {
        *last = Step::Index(i);
    }
}

/// Unassigned in the sense of RFC 7643 §2.5: absent, null or an empty array.
fn unassigned(v: Shape) -> bool {
    matches!(v, Shape::Absent | Shape::Null | Shape::Array(0))
}

fn is_primary<N: Host>(v: &N) -> Result<bool, N::Error> {
    let mut primary = false;
    v.members(&mut |k, m| {
        primary = k.eq_ignore_ascii_case("primary") && matches!(m.view()?, View::Bool(true));
        Ok(!primary)
    })?;
    Ok(primary)
}

/// A value of attribute `name` that holds a sub-attribute twice, under keys that differ only in case
/// (`{"value": "a", "Value": "b"}`), is `patch.invalid_value`: names are case-insensitive, so it is ambiguous.
fn duplicate_sub_attributes(v: &Value, name: &str) -> Result<(), Error> {
    let Some(object) = v.as_object().filter(|o| o.len() > 1) else { return Ok(()) };
    let mut keys: Vec<(String, &str)> = object.keys().map(|k| (k.to_ascii_lowercase(), k.as_str())).collect();
    keys.sort_unstable();
    match keys.windows(2).find_map(|w| match w {
        [(a, x), (b, y)] if a == b => Some((*x, *y)),
        _ => None,
    }) {
        None => Ok(()),
        Some((x, y)) => Err(invalid_value(format!(
            "a value of \"{name}\" has both \"{}\" and \"{}\": sub-attribute names are case-insensitive",
            crate::grammar::shorten(x),
            crate::grammar::shorten(y)
        ))),
    }
}

fn invalid_value(message: String) -> Error {
    Error::patch(ErrorKind::InvalidValue, message)
}

/// Whether `v` can be a value of `def` (for a multi-valued attribute: one of its values).
pub(super) fn check_type(def: Option<&Attribute>, v: &Value, name: &dyn fmt::Display) -> Result<(), Error> {
    let Some(d) = def else { return Ok(()) };
    let fits = match (d.ty, v) {
        (_, Value::Null) => true,
        (AttrType::String | AttrType::Reference | AttrType::Binary, Value::String(_)) => true,
        (AttrType::Boolean, Value::Bool(_)) => true,
        (AttrType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (AttrType::Decimal, Value::Number(_)) => true,
        (AttrType::DateTime, Value::String(s)) => {
            if compare::parse_datetime(s).is_none() {
                return Err(invalid_value(format!(
                    "\"{name}\" is a dateTime; \"{}\" is not an xsd:dateTime such as \"2011-05-13T04:42:34Z\"",
                    crate::grammar::shorten(s)
                )));
            }
            true
        }
        (AttrType::Complex, Value::Object(members)) => {
            if d.multi_valued
                && !d.sub_attributes.is_empty()
                && !members.is_empty()
                && !members.keys().any(|k| d.sub_attribute(k).is_some())
            {
                let keys: Vec<&str> = members.keys().map(String::as_str).take(3).collect();
                return Err(invalid_value(format!(
                    "a value of \"{name}\" names none of its sub-attributes (it has {}); is it wrapped twice?",
                    keys.iter().map(|k| format!("\"{}\"", crate::grammar::shorten(k))).collect::<Vec<_>>().join(", ")
                )));
            }
            for (k, sv) in members {
                if let Some(sd) = d.sub_attribute(k) {
                    let sub_name = Dotted(name, &sd.name);
                    match sv {
                        Value::Array(items) if sd.multi_valued => {
                            items.iter().try_for_each(|item| check_type(Some(sd), item, &sub_name))?
                        }
                        _ => check_type(Some(sd), sv, &sub_name)?,
                    }
                }
            }
            true
        }
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        let expected = if d.ty == AttrType::Complex {
            "an object of sub-attributes".to_string()
        } else {
            d.ty.as_str().to_string()
        };
        Err(invalid_value(format!("\"{name}\" takes {expected}, not {}", json_type(v))))
    }
}

/// An attribute's name and a sub-attribute's, as messages print them (`emails.value`), written only when a
/// message is.
struct Dotted<'a>(&'a dyn fmt::Display, &'a str);

impl fmt::Display for Dotted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

fn mutability_error(kind: ErrorKind, name: &dyn fmt::Display) -> Error {
    let message = match kind {
        ErrorKind::ReadOnly => format!("\"{name}\" is readOnly: only the service provider sets it"),
        ErrorKind::Immutable => format!("\"{name}\" is immutable: it cannot change once it has a value"),
        _ => format!("\"{name}\" is required: it cannot be removed"),
    };
    Error::patch(kind, message)
}

struct Applier<'a, D> {
    options: &'a Options,
    schemas: &'a Schemas,
    quirks: Quirks,
    kind: Option<usize>,
    doc: &'a mut D,
    fired: &'a mut Fired,
}

impl<'a, D: Doc> Applier<'a, D> {
    /// The shape of the value at `loc`.
    fn shape(&self, loc: &[Step]) -> Res<Shape, D::Error> {
        shape(self.doc.at(loc)?.as_ref()).map_err(Failure::Host)
    }

    /// The shape of member `key` of the object at `parent`.
    fn member_shape(&self, parent: &[Step], key: &str) -> Res<Shape, D::Error> {
        let member = match self.doc.at(parent)? {
            Some(p) => p.member(key).map_err(Failure::Host)?,
            None => None,
        };
        shape(member.as_ref()).map_err(Failure::Host)
    }

    /// The elements of the array at `loc` (none when it is not one).
    fn elements_at(&self, loc: &[Step]) -> Res<Vec<D::Node<'_>>, D::Error> {
        elements(self.doc.at(loc)?.as_ref()).map_err(Failure::Host)
    }

    fn operation(&mut self, operation: &Operation) -> Res<(), D::Error> {
        let value = operation.value.as_ref().unwrap_or(&Value::Null);
        match &operation.path {
            None => self.pathless(operation.op, value),
            Some(path) if operation.op == Op::Remove && operation.value.is_some() => self.remove_listed(path, value),
            Some(path) => self.at_path(operation.op, path, value),
        }
    }

    fn at_path(&mut self, op: Op, path: &Path, value: &Value) -> Res<(), D::Error> {
        match &path.kind {
            PathKind::Schema(urn) => self.extension_object(op, urn, value),
            PathKind::Attr { attr, filter, filter_sub_attr } => {
                let a = self.locate(attr.urn.as_deref(), &attr.name)?;
                match (filter, &attr.sub_attr) {
                    (Some(f), _) => self.filtered(op, &a, f, filter_sub_attr.as_deref(), value)?,
                    (None, Some(sub)) => self.sub_attribute(op, &a, sub, value)?,
                    (None, None) => self.whole(op, &a, value)?,
                }
                self.settle_extension(&a)
            }
        }
    }

    /// `remove` with a value list (`remove_value_list`, E11): exactly the listed values of a multi-valued
    /// attribute, matched on `value` (or whole, for values without one); absent ones are ignored. Never all.
    fn remove_listed(&mut self, path: &Path, listed: &Value) -> Res<(), D::Error> {
        let refuse = || {
            Error::patch(
                ErrorKind::RemoveWithValue,
                "remove with a value list needs a path naming a multi-valued attribute, as in \"members\"".into(),
            )
        };
        let PathKind::Attr { attr, filter: None, .. } = &path.kind else { return Err(refuse().into()) };
        if attr.sub_attr.is_some() {
            return Err(refuse().into());
        }
        let a = self.locate(attr.urn.as_deref(), &attr.name)?;
        if a.def.is_some_and(|d| !d.multi_valued) {
            return Err(refuse().into());
        }
        let listed: Vec<&Value> = match listed {
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        let loc = a.loc();
        let indices = listed_indices(self.doc.at(loc)?.as_ref(), &listed).map_err(Failure::Host)?;
        self.elements(Op::Remove, &a, &indices, None, &Value::Null, "")?;
        self.settle_extension(&a)
    }

    /// The document's key in the object at `parent` for `name`, compared case-insensitively; else the schema's
    /// spelling; else `name`.
    fn spelling(&self, parent: &[Step], name: &str, def: Option<&Attribute>) -> Res<String, D::Error> {
        if let Some(o) = self.doc.at(parent)? {
            if let Some(k) = o.key_like(name).map_err(Failure::Host)? {
                return Ok(k);
            }
        }
        Ok(def.map_or(name, |d| d.name.as_str()).to_string())
    }

    fn locate(&mut self, urn: Option<&str>, name: &str) -> Res<Attr<'a>, D::Error> {
        let schemas: &'a Schemas = self.schemas;
        Ok(match resolve(schemas, self.quirks, self.fired, self.kind, urn, name) {
            (Some(urn), def) => {
                let mut container = Vec::with_capacity(2); // and the attribute's key (Attr::new)
                container.push(Step::Key(self.extension_key(urn)?));
                let key = self.spelling(&container, name, def)?;
                let ext = schemas.schema(urn).map_or(urn, |s| s.id.as_str()).to_string();
                Attr::new(container, key, Some(ext), def)
            }
            (None, def) => Attr::new(Vec::new(), self.spelling(&[], name, def)?, None, def),
        })
    }

    /// The resource's key for the extension `urn`: the document's spelling, else the schema's id.
    fn extension_key(&self, urn: &str) -> Res<String, D::Error> {
        let def_id = self.schemas.schema(urn).map_or(urn, |s| s.id.as_str());
        let found = match self.doc.at(&[])? {
            Some(root) => root.key_like(urn).map_err(Failure::Host)?,
            None => None,
        };
        Ok(found.unwrap_or_else(|| def_id.to_string()))
    }

    fn ensure_extension(&mut self, a: &Attr<'_>) -> Res<(), D::Error> {
        if let Some(Step::Key(k)) = a.container().first() {
            if !matches!(self.shape(a.container())?, Shape::Object(_)) {
                self.doc.set_key(&[], k, Value::Object(Map::new()))?;
            }
        }
        Ok(())
    }

    /// After an operation on an extension attribute: an emptied extension object is removed with its URN in
    /// `schemas`; a non-empty one has its URN listed (rfc-digest §5 A15).
    fn settle_extension(&mut self, a: &Attr<'_>) -> Res<(), D::Error> {
        let (Some(urn), Some(Step::Key(key))) = (&a.ext, a.container().first()) else { return Ok(()) };
        match self.shape(a.container())? {
            Shape::Object(false) => {
                self.doc.remove_key(&[], key)?;
                self.schema_urn(urn, false)
            }
            Shape::Absent => Ok(()),
            _ => self.schema_urn(urn, true),
        }
    }

    /// Lists `urn` in the resource's `schemas` array, or takes it out.
    fn schema_urn(&mut self, urn: &str, listed: bool) -> Res<(), D::Error> {
        let key = self.spelling(&[], "schemas", None)?;
        let loc = vec![Step::Key(key)];
        let Shape::Array(_) = self.shape(&loc)? else { return Ok(()) };
        let mut found: Vec<usize> = Vec::new();
        for (i, v) in self.elements_at(&loc)?.iter().enumerate() {
            if matches!(v.view().map_err(Failure::Host)?, View::String(s) if s.eq_ignore_ascii_case(urn)) {
                if listed {
                    return Ok(());
                }
                found.push(i);
            }
        }
        if listed {
            self.doc.append(&loc, vec![Value::String(urn.to_string())])?;
        } else {
            self.doc.remove_elements(&loc, &found)?;
        }
        Ok(())
    }

    /// add or replace without a path: each member of the value object as its own target (§3.5.2.1, §3.5.2.3).
    fn pathless(&mut self, op: Op, value: &Value) -> Res<(), D::Error> {
        let Value::Object(members) = value else {
            return Err(invalid_value(format!(
                "without a path, \"value\" must be an object of attributes, not {}",
                json_type(value)
            ))
            .into());
        };
        for (key, v) in members {
            if self.schemas.schema(key).is_some_and(|s| !self.schemas.is_core_schema(&s.id)) {
                self.extension_object(op, key, v)?;
            } else if crate::grammar::is_attr_name(key) {
                let a = self.locate(None, key)?;
                self.whole(op, &a, v)?;
            } else if self.quirks.path_keys || self.quirks.legacy_extension_dot {
                // Entra keys pathless values by path: "name.givenName", "urn:…:enterprise:2.0:User:employeeNumber".
                let path = Path::parse_with(key, self.options).map_err(|e| {
                    invalid_value(format!("\"{key}\" in \"value\" is neither an attribute name nor a path: {e}"))
                })?;
                let legacy_only = path.fired.names() == ["legacy_extension_dot"];
                if !self.quirks.path_keys && !legacy_only {
                    return Err(invalid_value(format!("\"{key}\" in \"value\" is not an attribute name")).into());
                }
                if !legacy_only {
                    self.fired.add(Quirk::path_keys);
                }
                *self.fired = self.fired.union(path.fired);
                self.at_path(op, &path, v)?;
            } else {
                return Err(invalid_value(format!(
                    "\"{key}\" in \"value\" is not an attribute name; name the attribute, or use \"path\" for \
                     sub-attributes and extension attributes"
                ))
                .into());
            }
        }
        Ok(())
    }

    /// The whole extension object named by its schema URN.
    fn extension_object(&mut self, op: Op, urn: &str, value: &Value) -> Res<(), D::Error> {
        if op == Op::Remove {
            let key = self.extension_key(urn)?;
            if self.doc.remove_key(&[], &key)? {
                let id = self.schemas.schema(urn).map_or(urn, |s| s.id.as_str()).to_string();
                self.schema_urn(&id, false)?;
            }
            return Ok(());
        }
        let Value::Object(members) = value else {
            return Err(invalid_value(format!(
                "\"{urn}\" takes an object of its attributes, not {}",
                json_type(value)
            ))
            .into());
        };
        for (name, v) in members {
            if !crate::grammar::is_attr_name(name) {
                return Err(
                    invalid_value(format!("\"{name}\" in the value of \"{urn}\" is not an attribute name")).into()
                );
            }
            let a = self.locate(Some(urn), name)?;
            self.whole(op, &a, v)?;
            self.settle_extension(&a)?;
        }
        Ok(())
    }

    /// [`coerce`] with the tolerances in force, recording those that fire.
    fn coerce<'v>(&mut self, def: Option<&Attribute>, value: &'v Value, op: Op) -> (Cow<'v, Value>, bool) {
        coerce(self.quirks, self.fired, def, value, op)
    }

    /// `attr`: the attribute as a whole.
    fn whole(&mut self, op: Op, a: &Attr<'_>, value: &Value) -> Res<(), D::Error> {
        let (value, set_whole) =
            if op == Op::Remove { (Cow::Borrowed(value), false) } else { self.coerce(a.def, value, op) };
        let value = value.as_ref();
        if set_whole {
            let mark = self.doc.changes();
            let was_assigned = !unassigned(self.shape(a.loc())?);
            check_type(a.def, value, &a.name())?;
            duplicate_sub_attributes(value, a.name())?;
            self.ensure_extension(a)?;
            self.doc.set_key(a.container(), a.key(), value.clone())?;
            return self.check_attribute(a, mark, was_assigned);
        }
        let loc = a.loc();
        let current = self.shape(loc)?;
        let was_assigned = !unassigned(current);
        let mark = self.doc.changes();
        if op == Op::Remove {
            if current == Shape::Absent {
                return Ok(());
            }
            self.doc.remove_key(a.container(), a.key())?;
        } else {
            let multi = a.def.map_or_else(
                || matches!(current, Shape::Array(_)) || (unassigned(current) && value.is_array()),
                |d| d.multi_valued,
            );
            let complex = !multi
                && a.def.map_or_else(
                    || value.is_object() && matches!(current, Shape::Absent | Shape::Null | Shape::Object(_)),
                    |d| d.ty == AttrType::Complex,
                );
            let empty_array = value.as_array().is_some_and(Vec::is_empty);
            if op == Op::Add && empty_array && a.def.is_none() {
                // Adding no values adds nothing, whatever the attribute holds.
                return Ok(());
            }
            if !multi && op == Op::Add && value.is_array() && a.def.is_none() {
                return Err(invalid_value(format!(
                    "\"{}\" holds a single value; add cannot put an array into it (replace can)",
                    a.name()
                ))
                .into());
            }
            // An array replacing a single value of an attribute no schema defines makes it multi-valued: its
            // values are checked as any multi-valued attribute's are.
            if multi || (a.def.is_none() && value.is_array()) {
                self.set_multi(op, a, value)?;
            } else if complex {
                self.set_complex(a, value)?;
            } else if value.is_null() {
                self.doc.remove_key(a.container(), a.key())?;
            } else {
                check_type(a.def, value, &a.name())?;
                duplicate_sub_attributes(value, a.name())?;
                self.ensure_extension(a)?;
                self.doc.set_key(a.container(), a.key(), value.clone())?;
            }
        }
        self.check_attribute(a, mark, was_assigned)
    }

    /// The attribute-level mutability rules, once the operation's changes to it are made.
    fn check_attribute(&self, a: &Attr<'_>, mark: usize, was_assigned: bool) -> Res<(), D::Error> {
        let Some(def) = a.def else { return Ok(()) };
        let changed = self.doc.changes() > mark;
        if changed && def.mutability == Mutability::ReadOnly {
            return Err(mutability_error(ErrorKind::ReadOnly, &a.name()).into());
        }
        if changed && was_assigned && def.mutability == Mutability::Immutable {
            return Err(mutability_error(ErrorKind::Immutable, &a.name()).into());
        }
        if def.required && was_assigned && unassigned(self.shape(a.loc())?) {
            return Err(mutability_error(ErrorKind::Required, &a.name()).into());
        }
        Ok(())
    }

    /// A multi-valued attribute: add appends the values not already present; replace sets them all.
    fn set_multi(&mut self, op: Op, a: &Attr<'_>, value: &Value) -> Res<(), D::Error> {
        let given: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            v => vec![v],
        };
        // A null sub-attribute is unassigned (RFC 7643 §2.5), so it is not stored: Entra sends `"$ref": null`
        // (idp-quirks E6b). Merges into existing values already treat a null sub-attribute as its removal.
        let cleaned: Vec<Cow<'_, Value>> = given.into_iter().map(without_null_members).collect();
        let values: Vec<&Value> = cleaned.iter().map(AsRef::as_ref).collect();
        for v in &values {
            if v.is_null() {
                return Err(invalid_value(format!("\"{}\" cannot hold a null value", a.name())).into());
            }
            check_type(a.def, v, &a.name())?;
            duplicate_sub_attributes(v, a.name())?;
        }
        if values.iter().filter(|v| sure(is_primary(*v))).count() > 1 {
            return Err(Error::patch(
                ErrorKind::MultiplePrimary,
                format!("more than one value of \"{}\" has \"primary\": true (RFC 7643 §2.4)", a.name()),
            )
            .into());
        }
        let loc = a.loc();
        if op == Op::Replace {
            if values.is_empty() {
                self.doc.remove_key(a.container(), a.key())?;
            } else {
                self.ensure_extension(a)?;
                let all = values.into_iter().cloned().collect();
                self.doc.set_key(a.container(), a.key(), Value::Array(all))?;
            }
            return Ok(());
        }
        let array = self.doc.at(loc)?;
        let start = match shape(array.as_ref()).map_err(Failure::Host)? {
            Shape::Array(n) => n,
            _ => 0,
        };
        let fresh = new_values(array.as_ref(), &values).map_err(Failure::Host)?;
        drop(array);
        if fresh.is_empty() {
            return Ok(());
        }
        if matches!(self.shape(loc)?, Shape::Array(_)) {
            let count = fresh.len();
            self.doc.append(loc, fresh)?;
            self.fix_primary(loc, &(start..start + count).collect::<Vec<_>>())?;
        } else {
            self.ensure_extension(a)?;
            self.doc.set_key(a.container(), a.key(), Value::Array(fresh))?;
        }
        Ok(())
    }

    /// A single-valued complex attribute: the value's sub-attributes are merged in (RFC 7644 §3.5.2.1, A7).
    fn set_complex(&mut self, a: &Attr<'_>, value: &Value) -> Res<(), D::Error> {
        let members = match value {
            Value::Null => {
                self.doc.remove_key(a.container(), a.key())?;
                return Ok(());
            }
            Value::Object(members) => members,
            other => {
                return Err(invalid_value(format!(
                    "\"{}\" is complex and takes an object of sub-attributes, not {}",
                    a.name(),
                    json_type(other)
                ))
                .into())
            }
        };
        check_type(a.def, value, &a.name())?;
        let loc = a.loc();
        if !matches!(self.shape(loc)?, Shape::Object(_)) {
            self.ensure_extension(a)?;
            self.doc.set_key(a.container(), a.key(), Value::Object(Map::new()))?;
        }
        for (name, v) in members {
            self.set_sub(loc, a.def, a.name(), name, v)?;
        }
        self.drop_if_empty(a.container(), a.key())
    }

    /// Sets (or, for null, removes) sub-attribute `name` of the object at `parent`, enforcing its mutability.
    fn set_sub(
        &mut self,
        parent: &[Step],
        def: Option<&Attribute>,
        parent_name: &str,
        name: &str,
        v: &Value,
    ) -> Res<(), D::Error> {
        let sub_def = def.and_then(|d| d.sub_attribute(name));
        let (v, _) = self.coerce(sub_def, v, Op::Add);
        let v = v.as_ref();
        let key = self.spelling(parent, name, sub_def)?;
        let full = Dotted(&parent_name, &key);
        let was_assigned = !unassigned(self.member_shape(parent, &key)?);
        let mark = self.doc.changes();
        if v.is_null() {
            self.doc.remove_key(parent, &key)?;
        } else {
            match (sub_def, v) {
                (Some(sd), Value::Array(items)) if sd.multi_valued => {
                    items.iter().try_for_each(|item| check_type(Some(sd), item, &full))?
                }
                _ => check_type(sub_def, v, &full)?,
            }
            self.doc.set_key(parent, &key, v.clone())?;
        }
        let Some(sd) = sub_def else { return Ok(()) };
        let changed = self.doc.changes() > mark;
        if changed && sd.mutability == Mutability::ReadOnly {
            return Err(mutability_error(ErrorKind::ReadOnly, &full).into());
        }
        if changed && was_assigned && sd.mutability == Mutability::Immutable {
            return Err(mutability_error(ErrorKind::Immutable, &full).into());
        }
        if changed && was_assigned && sd.required && v.is_null() {
            return Err(mutability_error(ErrorKind::Required, &full).into());
        }
        Ok(())
    }

    fn drop_if_empty(&mut self, parent: &[Step], key: &str) -> Res<(), D::Error> {
        if matches!(self.member_shape(parent, key)?, Shape::Object(false) | Shape::Array(0)) {
            self.doc.remove_key(parent, key)?;
        }
        Ok(())
    }

    /// `attr.sub` without a filter: the sub-attribute of a complex attribute, or of every value of a multi-valued one.
    fn sub_attribute(&mut self, op: Op, a: &Attr<'_>, sub: &str, value: &Value) -> Res<(), D::Error> {
        let loc = a.loc();
        let current = self.shape(loc)?;
        let multi = a.def.map_or_else(|| matches!(current, Shape::Array(_)), |d| d.multi_valued);
        if multi {
            let all: Vec<usize> = match current {
                Shape::Array(len) => (0..len).collect(),
                _ => Vec::new(),
            };
            return self.elements(op, a, &all, Some(sub), value, "has no values");
        }
        if let Some(def) = a.def.filter(|d| d.ty != AttrType::Complex) {
            return Err(Error::patch(
                ErrorKind::NoTarget,
                format!("\"{}\" is a {} attribute and has no sub-attribute \"{sub}\"", a.name(), def.ty.as_str()),
            )
            .into());
        }
        let was_assigned = !unassigned(current);
        let mark = self.doc.changes();
        match op {
            Op::Remove => {
                if matches!(current, Shape::Object(_)) {
                    self.remove_sub(loc, a.def, a.name(), sub)?;
                    self.drop_if_empty(a.container(), a.key())?;
                }
            }
            Op::Add | Op::Replace => {
                if !matches!(current, Shape::Object(_)) {
                    self.ensure_extension(a)?;
                    self.doc.set_key(a.container(), a.key(), Value::Object(Map::new()))?;
                }
                self.set_sub(loc, a.def, a.name(), sub, value)?;
                self.drop_if_empty(a.container(), a.key())?;
            }
        }
        self.check_attribute(a, mark, was_assigned)
    }

    fn remove_sub(
        &mut self,
        parent: &[Step],
        def: Option<&Attribute>,
        parent_name: &str,
        name: &str,
    ) -> Res<(), D::Error> {
        let sub_def = def.and_then(|d| d.sub_attribute(name));
        let key = self.spelling(parent, name, sub_def)?;
        let current = self.member_shape(parent, &key)?;
        if current == Shape::Absent {
            return Ok(());
        }
        let full = Dotted(&parent_name, &key);
        if let Some(sd) = sub_def {
            let was_assigned = !unassigned(current);
            let refused = match sd.mutability {
                Mutability::ReadOnly => Some(ErrorKind::ReadOnly),
                Mutability::Immutable if was_assigned => Some(ErrorKind::Immutable),
                _ if sd.required && was_assigned => Some(ErrorKind::Required),
                _ => None,
            };
            if let Some(kind) = refused {
                return Err(mutability_error(kind, &full).into());
            }
        }
        self.doc.remove_key(parent, &key)?;
        Ok(())
    }

    /// `attr[filter]` and `attr[filter].sub`.
    fn filtered(
        &mut self,
        op: Op,
        a: &Attr<'_>,
        filter: &(Expr, eval::Compiled, bool),
        sub: Option<&str>,
        value: &Value,
    ) -> Res<(), D::Error> {
        if let Some(def) = a.def.filter(|d| !d.multi_valued) {
            return Err(Error::patch(
                ErrorKind::NotMultiValued,
                format!(
                    "\"{}\" is single-valued; a filter in brackets selects values of a multi-valued attribute",
                    def.name
                ),
            )
            .into());
        }
        let (expr, compiled, per_kind) = filter;
        let slot = if *per_kind { self.kind.map_or(0, |k| k + 1) } else { 0 };
        let matches = matching(self.doc.at(a.loc())?.as_ref(), compiled, slot).map_err(Failure::Host)?;
        if matches.is_empty() && op != Op::Remove && self.quirks.create_on_absent {
            if let Some(terms) = eq_terms(expr) {
                self.fired.add(Quirk::create_on_absent);
                return self.create_value(a, terms, sub, value);
            }
        }
        self.elements(op, a, &matches, sub, value, "has no value that matches the filter")
    }

    /// `create_on_absent` (E9): appends one value built from the filter's `eq` terms, then sets `sub` on it (or
    /// merges `value` into it).
    fn create_value(
        &mut self,
        a: &Attr<'_>,
        terms: Vec<(&str, Value)>,
        sub: Option<&str>,
        value: &Value,
    ) -> Res<(), D::Error> {
        let mut element = Map::new();
        for (name, v) in terms {
            let key = a.def.and_then(|d| d.sub_attribute(name)).map_or(name, |d| d.name.as_str());
            element.insert(key.to_string(), v);
        }
        if let Some(Value::Object(fixed)) =
            a.def.filter(|_| self.quirks.boolean_strings).and_then(|d| booleans(d, &Value::Object(element.clone())))
        {
            self.fired.add(Quirk::boolean_strings);
            element = fixed;
        }
        let value = self.coerce(a.def.and_then(|d| sub.and_then(|s| d.sub_attribute(s))), value, Op::Add).0;
        match (sub, value.as_ref()) {
            (Some(s), v) => {
                let key = a.def.and_then(|d| d.sub_attribute(s)).map_or(s, |d| d.name.as_str());
                element.insert(key.to_string(), v.clone());
            }
            (None, Value::Object(members)) => {
                element.extend(members.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            (None, other) => {
                return Err(invalid_value(format!(
                    "the values of \"{}\" are complex; \"value\" must be an object of sub-attributes, not {}",
                    a.name(),
                    json_type(other)
                ))
                .into())
            }
        }
        element.retain(|_, v| !v.is_null());
        let element = Value::Object(element);
        check_type(a.def, &element, &a.name())?;
        duplicate_sub_attributes(&element, a.name())?;
        let loc = a.loc();
        if let Shape::Array(index) = self.shape(loc)? {
            self.doc.append(loc, vec![element])?;
            self.fix_primary(loc, &[index])?;
        } else {
            self.ensure_extension(a)?;
            self.doc.set_key(a.container(), a.key(), Value::Array(vec![element]))?;
        }
        Ok(())
    }

    /// An operation on the values at `indices` of a multi-valued attribute, or on their sub-attribute `sub`.
    fn elements(
        &mut self,
        op: Op,
        a: &Attr<'_>,
        indices: &[usize],
        sub: Option<&str>,
        value: &Value,
        none: &str,
    ) -> Res<(), D::Error> {
        let loc = a.loc();
        let was_assigned = !unassigned(self.shape(loc)?);
        let mark = self.doc.changes();
        if op == Op::Remove {
            match sub {
                None => {
                    self.doc.remove_elements(loc, indices)?;
                }
                Some(sub) => {
                    let mut element = child(loc, Step::Index(0));
                    for &i in indices {
                        at_index(&mut element, i);
                        self.remove_sub(&element, a.def, a.name(), sub)?;
                    }
                    self.drop_empty_elements(loc)?;
                }
            }
            self.drop_if_empty(a.container(), a.key())?;
            return self.check_attribute(a, mark, was_assigned);
        }
        if indices.is_empty() {
            return Err(Error::patch(ErrorKind::NoTarget, format!("\"{}\" {none}", a.name())).into());
        }
        let mut element = child(loc, Step::Index(0));
        for &i in indices {
            at_index(&mut element, i);
            match (sub, self.shape(&element)?) {
                (Some(sub), _) => self.set_sub(&element, a.def, a.name(), sub, value)?,
                (None, Shape::Object(_)) => {
                    let Value::Object(members) = value else {
                        return Err(invalid_value(format!(
                            "the values of \"{}\" are complex; \"value\" must be an object of sub-attributes, not {}",
                            a.name(),
                            json_type(value)
                        ))
                        .into());
                    };
                    for (name, v) in members {
                        self.set_sub(&element, a.def, a.name(), name, v)?;
                    }
                }
                (None, _) => {
                    check_type(a.def, value, &a.name())?;
                    duplicate_sub_attributes(value, a.name())?;
                    self.doc.set_element(loc, i, value.clone())?;
                }
            }
        }
        self.fix_primary(loc, indices)?;
        self.drop_empty_elements(loc)?;
        self.drop_if_empty(a.container(), a.key())?;
        self.check_attribute(a, mark, was_assigned)
    }

    fn drop_empty_elements(&mut self, array: &[Step]) -> Res<(), D::Error> {
        let Shape::Array(_) = self.shape(array)? else { return Ok(()) };
        let mut empty: Vec<usize> = Vec::new();
        for (i, v) in self.elements_at(array)?.iter().enumerate() {
            if shape(Some(v)).map_err(Failure::Host)? == Shape::Object(false) {
                empty.push(i);
            }
        }
        if empty.is_empty() {
            return Ok(());
        }
        self.doc.remove_elements(array, &empty)?;
        Ok(())
    }

    /// RFC 7644 §3.5.2: a value set to `"primary": true` clears `primary` on the attribute's other values.
    fn fix_primary(&mut self, array: &[Step], touched: &[usize]) -> Res<(), D::Error> {
        let Some(items) = self.doc.at(array)? else { return Ok(()) };
        if !matches!(items.view().map_err(Failure::Host)?, View::Array(_)) {
            return Ok(());
        }
        // The one touched value set primary, if any: its siblings lose their `primary` (two are an error).
        let mut keep = None;
        for &i in touched {
            if let Some(v) = items.index(i).map_err(Failure::Host)? {
                if is_primary(&v).map_err(Failure::Host)? {
                    if keep.is_some() {
                        return Err(Error::patch(
                            ErrorKind::MultiplePrimary,
                            "the operation sets \"primary\": true on more than one value (RFC 7643 §2.4)".into(),
                        )
                        .into());
                    }
                    keep = Some(i);
                }
            }
        }
        let Some(keep) = keep else { return Ok(()) };
        let mut others: Vec<(usize, String)> = Vec::new();
        for (i, v) in elements(Some(&items)).map_err(Failure::Host)?.iter().enumerate() {
            if i != keep && is_primary(v).map_err(Failure::Host)? {
                if let Some(key) = v.key_like("primary").map_err(Failure::Host)? {
                    others.push((i, key));
                }
            }
        }
        drop(items);
        for (i, key) in others {
            self.doc.set_key(&child(array, Step::Index(i)), &key, Value::Bool(false))?;
        }
        Ok(())
    }
}

/// The value as the tolerances in force read it for an attribute defined by `def`, and whether a replace must
/// set it whole instead of merging (a bare string made complex drops the old sub-attributes, E4).
pub(super) fn coerce<'v>(
    q: Quirks,
    fired: &mut Fired,
    def: Option<&Attribute>,
    value: &'v Value,
    op: Op,
) -> (Cow<'v, Value>, bool) {
    if q.empty_string_clears && value.as_str() == Some("") {
        fired.add(Quirk::empty_string_clears);
        return (Cow::Owned(Value::Null), false);
    }
    let Some(d) = def else { return (Cow::Borrowed(value), false) };
    let mut v = Cow::Borrowed(value);
    let mut whole = false;
    let single_complex = d.ty == AttrType::Complex && !d.multi_valued;
    if single_complex && q.single_element_array {
        if let Value::Array(items) = value {
            if let [only] = items.as_slice() {
                fired.add(Quirk::single_element_array);
                v = Cow::Owned(only.clone());
            }
        }
    }
    if single_complex && q.string_to_complex {
        if let Value::String(s) = v.as_ref() {
            fired.add(Quirk::string_to_complex);
            v = Cow::Owned(serde_json::json!({ "value": s }));
            whole = op == Op::Replace;
        }
    }
    if d.ty == AttrType::Complex && d.multi_valued && q.strings_to_complex_values {
        let wrap = |x: &Value| match x {
            Value::String(s) => Some(serde_json::json!({ "value": s })),
            _ => None,
        };
        let changed = match v.as_ref() {
            Value::Array(items) if items.iter().any(Value::is_string) => {
                Some(Value::Array(items.iter().map(|x| wrap(x).unwrap_or_else(|| x.clone())).collect()))
            }
            single => wrap(single),
        };
        if let Some(c) = changed {
            fired.add(Quirk::strings_to_complex_values);
            v = Cow::Owned(c);
        }
    }
    if q.role_json_text && d.multi_valued && d.name.eq_ignore_ascii_case("roles") {
        if let Some(decoded) = decode_roles(v.as_ref()) {
            fired.add(Quirk::role_json_text);
            v = Cow::Owned(decoded);
        }
    }
    if q.boolean_strings {
        if let Some(b) = booleans(d, v.as_ref()) {
            fired.add(Quirk::boolean_strings);
            v = Cow::Owned(b);
        }
    }
    (v, whole)
}

fn boolean_string(v: &Value) -> Option<bool> {
    match v.as_str()? {
        s if s.eq_ignore_ascii_case("true") => Some(true),
        s if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// `value` with `"True"`/`"False"` read as booleans wherever `def` says boolean (`boolean_strings`, E3, E3b);
/// `None` when nothing changes.
fn booleans(def: &Attribute, value: &Value) -> Option<Value> {
    let one = |v: &Value| -> Option<Value> {
        match (def.ty, v) {
            (AttrType::Boolean, _) => boolean_string(v).map(Value::Bool),
            (AttrType::Complex, Value::Object(members)) => {
                let mut out = None::<Map<String, Value>>;
                for (k, sv) in members {
                    let fixed =
                        def.sub_attribute(k).filter(|sd| sd.ty == AttrType::Boolean).and_then(|_| boolean_string(sv));
                    if let Some(b) = fixed {
                        out.get_or_insert_with(|| members.clone()).insert(k.clone(), Value::Bool(b));
                    }
                }
                out.map(Value::Object)
            }
            _ => None,
        }
    };
    match value {
        Value::Array(items) if def.multi_valued => {
            let fixed: Vec<Option<Value>> = items.iter().map(one).collect();
            fixed.iter().any(Option::is_some).then(|| {
                Value::Array(items.iter().zip(fixed).map(|(orig, f)| f.unwrap_or_else(|| orig.clone())).collect())
            })
        }
        single => one(single),
    }
}

/// Entra's AppRoleAssignmentsComplex roles (E5): a `value` string holding a JSON object with a `value` becomes that
/// object's fields, `displayName` as `display`, `id` dropped. `None` when no value needs it.
fn decode_roles(value: &Value) -> Option<Value> {
    let one = |role: &Value| -> Option<Value> {
        let text = role.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case("value"))?.1.as_str()?;
        let Ok(Value::Object(inner)) = serde_json::from_str::<Value>(text) else { return None };
        inner.get("value")?;
        let mut out = role.as_object()?.clone();
        out.retain(|k, _| !k.eq_ignore_ascii_case("value"));
        for (k, v) in inner {
            match k.as_str() {
                "id" => {}
                "displayName" => {
                    out.insert("display".into(), v);
                }
                _ => {
                    out.insert(k, v);
                }
            }
        }
        Some(Value::Object(out))
    };
    match value {
        Value::Array(items) => {
            let decoded: Vec<Option<Value>> = items.iter().map(one).collect();
            decoded.iter().any(Option::is_some).then(|| {
                Value::Array(items.iter().zip(decoded).map(|(orig, d)| d.unwrap_or_else(|| orig.clone())).collect())
            })
        }
        single => one(single),
    }
}

/// The `attr eq value` terms of a filter made only of such terms joined by `and`, as JSON values; `None` for any
/// other filter (E9: "AND of eqs only").
fn eq_terms(expr: &Expr) -> Option<Vec<(&str, Value)>> {
    fn term(e: &Expr) -> Option<(&str, Value)> {
        match e {
            Expr::Compare { path, op: CompareOp::Eq, value } if path.urn.is_none() && path.sub_attr.is_none() => {
                let v = match value {
                    CompValue::String(s) => Value::String(s.clone()),
                    CompValue::Number(n) => Value::Number(n.clone()),
                    CompValue::Bool(b) => Value::Bool(*b),
                    CompValue::Null => return None,
                };
                Some((path.name.as_str(), v))
            }
            _ => None,
        }
    }
    match expr {
        Expr::And(items) => items.iter().map(term).collect(),
        single => term(single).map(|t| vec![t]),
    }
}

/// What identifies a complex value of a request: its `value` and `type` sub-attributes.
type Identity<'v> = Option<(&'v Value, Option<&'v Value>)>;

/// The non-null `value` sub-attribute of a complex value (found as filters find it: the member spelled so, else
/// the first whose key equals it ignoring case).
fn identity_value<N: Host>(v: &N) -> Result<Option<N>, N::Error> {
    match v.get("value")? {
        Some(value) if !matches!(value.view()?, View::Null) => Ok(Some(value)),
        _ => Ok(None),
    }
}

/// The `value` and `type` sub-attributes of a request's complex value (`None` without a non-null `value`).
fn identity(v: &Value) -> Identity<'_> {
    let value = sure(identity_value(&v))?;
    Some((value, sure(Node::get(&v, "type"))))
}

/// Whether `existing` already holds what `adding` would add: for a complex value with a `value`, a value with the
/// same `value` and (if `adding` names one) the same `type`; otherwise an equal value. Re-adding a member with a
/// `display` is no change (RFC 7644 §3.5.2.1: "If the user was already a member of this group, no changes should be
/// made"; rfc-digest §5 A19). `adding_id` is `identity(adding)`, computed once by the caller; `existing`'s `type`
/// is read only when the values are equal, so that scanning a large group reads one member of each element.
fn same_value<N: Host>(existing: &N, adding: &Value, adding_id: Identity<'_>) -> Result<bool, N::Error> {
    let Some((value, kind)) = adding_id else { return existing.eq_value(adding) };
    if existing.member_eq("value", value)? != Some(true) {
        return Ok(false);
    }
    match kind {
        None => Ok(true),
        Some(k) => match existing.get("type")? {
            Some(t) => t.eq_value(k),
            None => Ok(false),
        },
    }
}

/// `v` without its members that are null, borrowed when it has none.
fn without_null_members(v: &Value) -> Cow<'_, Value> {
    match v {
        Value::Object(members) if members.values().any(Value::is_null) => Cow::Owned(Value::Object(
            members.iter().filter(|(_, m)| !m.is_null()).map(|(k, m)| (k.clone(), m.clone())).collect(),
        )),
        other => Cow::Borrowed(other),
    }
}

/// What [`same_value`] compares first, hashed: equal for any two values `same_value` holds for, and for any two
/// values [`remove_listed`](Applier::remove_listed) pairs. `None` when that part of `v` is larger than `limit`.
fn identity_hash<N: Host>(
    keys: &RandomState,
    v: &N,
    value: Option<&N>,
    limit: Size,
) -> Result<Option<(u64, Size)>, N::Error> {
    Ok(match value {
        None => hash(keys, v, limit)?,
        Some(value) => hash(keys, value, limit)?.map(|(h, size)| (h.wrapping_add(1), size)),
    })
}

/// The hashes of a request's values (`adding`, `listed`) for [`new_values`] and [`listed_indices`], with the
/// largest of their sizes: a document value larger than that equals none of them and is not read further. A value
/// deeper than [`HASH_DEPTH`] has no hash (`None`) and is compared with every document value instead.
fn request_hashes(keys: &RandomState, values: &[&Value], ids: &[Option<&Value>]) -> (Vec<Option<u64>>, Size) {
    let mut limit = Size { nodes: 0, depth: 0 };
    let hashes = values
        .iter()
        .zip(ids)
        .map(|(v, id)| {
            let (h, size) = sure(identity_hash(keys, v, id.as_ref(), Size::UNBOUNDED))?;
            limit = Size { nodes: limit.nodes.max(size.nodes), depth: limit.depth.max(size.depth) };
            Some(h)
        })
        .collect();
    (hashes, limit)
}

/// The indexes of [`new_values`] and [`listed_indices`], keyed by [`identity_hash`]es, which are already SipHash
/// values under keys drawn for the request: the map uses them as they are instead of hashing them again.
type Index = HashMap<u64, Vec<usize>, BuildHasherDefault<Prehashed>>;

#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// More values than this are looked up through a hash index instead of by scanning.
const SCAN: usize = 8;

/// The values of `adding` that the array does not hold yet ([`same_value`]), without repeats, in order.
/// A few values are looked up by scanning; more through a hash index of `adding` that one pass over the array
/// probes, so adding k values to n costs O(n + k), never O(n × k), and allocates in k only.
fn new_values<N: Host>(array: Option<&N>, adding: &[&Value]) -> Result<Vec<Value>, N::Error> {
    let ids: Vec<Identity<'_>> = adding.iter().map(|v| identity(v)).collect();
    let present = match array {
        None => vec![false; adding.len()],
        Some(array) => match ids.iter().map(|id| id.and_then(|(v, _)| v.as_str())).collect::<Option<Vec<&str>>>() {
            Some(wants) => present_by_strings(array, adding, &ids, &wants)?,
            None => present_by_reads(&array.elements()?, adding, &ids)?,
        },
    };
    Ok(fresh_values(adding, &ids, present))
}

/// For each value of `adding`, whether the array holds it, when every value is identified by a string `value`
/// (`wants`; a group's members): one pass over the elements' `value` strings ([`Host::element_strings`]), the
/// rest of an element read only when its `value` is equal and `type` has to be compared.
fn present_by_strings<N: Host>(
    array: &N,
    adding: &[&Value],
    ids: &[Identity<'_>],
    wants: &[&str],
) -> Result<Vec<bool>, N::Error> {
    let mut present = vec![false; adding.len()];
    let mut left = adding.len();
    // Element `i`'s `value` is `wants[j]`: whether that makes `adding[j]` present (newly), `type` read from the
    // element (fetched once) when the value names one.
    let mut hit = |i: usize, j: usize, element: &mut Option<N>| -> Result<bool, N::Error> {
        let (Some(slot), Some(v), Some(id)) = (present.get_mut(j), adding.get(j), ids.get(j)) else { return Ok(false) };
        if *slot {
            return Ok(false);
        }
        *slot = match id {
            Some((_, None)) => true,
            _ => {
                if element.is_none() {
                    *element = array.index(i)?;
                }
                match element {
                    Some(e) => same_value(e, v, *id)?,
                    None => false,
                }
            }
        };
        Ok(*slot)
    };
    match StrIndex::new(wants) {
        StrIndex::Scan => {
            let mut from = 0;
            while left > 0 {
                let Some((i, j)) = array.find_element_string("value", wants, from)? else { break };
                let mut element = None;
                let found = wants.get(j).copied().unwrap_or_default();
                for (k, w) in wants.iter().enumerate().skip(j) {
                    if *w == found && hit(i, k, &mut element)? {
                        left -= 1;
                    }
                }
                from = i + 1;
            }
        }
        index @ StrIndex::Hashed(_) => {
            let mut failed = None;
            array.element_strings("value", &mut |i, s| {
                let Some(s) = s else { return true };
                let mut element = None;
                index.each(wants, s, |j| match hit(i, j, &mut element) {
                    Ok(newly) => {
                        left -= usize::from(newly);
                        true
                    }
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                }) && left > 0
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
    }
    Ok(present)
}

/// For each value of `adding`, whether one of `existing` is the same ([`same_value`]), through the trait's reads:
/// by scanning for a few values, through a hash index of `adding` for more.
fn present_by_reads<N: Host>(existing: &[N], adding: &[&Value], ids: &[Identity<'_>]) -> Result<Vec<bool>, N::Error> {
    let mut present = vec![false; adding.len()];
    if adding.len() <= SCAN {
        for ((v, id), slot) in adding.iter().zip(ids).zip(&mut present) {
            for e in existing {
                if same_value(e, v, *id)? {
                    *slot = true;
                    break;
                }
            }
        }
        return Ok(present);
    }
    let keys = RandomState::new();
    let (hashes, limit) = request_hashes(&keys, adding, &ids.iter().map(|id| id.map(|i| i.0)).collect::<Vec<_>>());
    let (index, deep) = index_of(&hashes);
    for e in existing {
        let bucket = match identity_hash(&keys, e, identity_value(e)?.as_ref(), limit)? {
            Some((h, _)) => index.get(&h).map_or(&[][..], Vec::as_slice),
            None => &[],
        };
        for &j in bucket.iter().chain(&deep) {
            if let (Some(slot), Some(v), Some(id)) = (present.get_mut(j), adding.get(j), ids.get(j)) {
                *slot = *slot || same_value(e, v, *id)?;
            }
        }
    }
    Ok(present)
}

/// The values of `adding` not `present`, each once ([`same_value`] among themselves), in order: by scanning the
/// values kept so far for a few values, through a hash index of them for more.
fn fresh_values(adding: &[&Value], ids: &[Identity<'_>], present: Vec<bool>) -> Vec<Value> {
    let mut fresh: Vec<Value> = Vec::new();
    if adding.len() <= SCAN {
        for ((v, id), present) in adding.iter().zip(ids).zip(present) {
            if !present && !fresh.iter().any(|e| sure(same_value(&e, v, *id))) {
                fresh.push((*v).clone());
            }
        }
        return fresh;
    }
    let keys = RandomState::new();
    let (hashes, _) = request_hashes(&keys, adding, &ids.iter().map(|id| id.map(|i| i.0)).collect::<Vec<_>>());
    let mut added = Index::default();
    for (((v, id), h), present) in adding.iter().zip(ids).zip(&hashes).zip(present) {
        let repeated = match h {
            Some(h) => added
                .get(h)
                .is_some_and(|ids| ids.iter().any(|&j| fresh.get(j).is_some_and(|e| sure(same_value(&e, v, *id))))),
            None => fresh.iter().any(|e| sure(same_value(&e, v, *id))),
        };
        if !present && !repeated {
            if let Some(h) = h {
                added.entry(*h).or_default().push(fresh.len());
            }
            fresh.push((*v).clone());
        }
    }
    fresh
}

/// The positions of a request's strings (`wants`) by content: scanned when there are a few, hashed for more
/// (SipHash under keys drawn for the request, so that no document can make the lookups collide).
enum StrIndex<'w> {
    Scan,
    Hashed(HashMap<&'w str, Vec<usize>>),
}

impl<'w> StrIndex<'w> {
    fn new(wants: &[&'w str]) -> StrIndex<'w> {
        if wants.len() <= SCAN {
            return StrIndex::Scan;
        }
        let mut map: HashMap<&str, Vec<usize>> = HashMap::with_capacity(wants.len());
        for (j, w) in wants.iter().enumerate() {
            map.entry(*w).or_default().push(j);
        }
        StrIndex::Hashed(map)
    }

    /// Calls `f` with the position in `wants` (the strings the index was built from) of each string equal to `s`,
    /// in order, until `f` returns `false`; whether it never did.
    #[inline]
    fn each(&self, wants: &[&str], s: &str, mut f: impl FnMut(usize) -> bool) -> bool {
        match self {
            StrIndex::Scan => {
                for (j, w) in wants.iter().enumerate() {
                    if same_str(w, s) && !f(j) {
                        return false;
                    }
                }
                true
            }
            StrIndex::Hashed(map) => map.get(s).map_or(true, |js| js.iter().all(|&j| f(j))),
        }
    }
}

/// The positions of the elements of `array` that `compiled` matches (in brackets, `slot` as for
/// [`eval::eval`]). A filter that is one string `eq` on an attribute of the element (`members[value eq "…"]`) is
/// decided from the elements' strings ([`Host::element_strings`]) where they are strings, and evaluated on the
/// others.
fn matching<N: Host>(array: Option<&N>, compiled: &eval::Compiled, slot: usize) -> Result<Vec<usize>, N::Error> {
    let Some(array) = array else { return Ok(Vec::new()) };
    let Some((name, want, exact)) = eval::string_eq(compiled, slot) else {
        let mut matches = Vec::new();
        for (i, item) in array.elements()?.iter().enumerate() {
            if eval::eval(compiled, item, slot)? {
                matches.push(i);
            }
        }
        return Ok(matches);
    };
    let (mut matches, mut others) = (Vec::new(), Vec::new());
    array.element_strings(name, &mut |i, s| {
        match s {
            Some(s) => {
                if compare::str_eq(s, want, exact) {
                    matches.push(i);
                }
            }
            None => others.push(i),
        }
        true
    })?;
    if others.is_empty() {
        return Ok(matches);
    }
    for i in others {
        if let Some(item) = array.index(i)? {
            if eval::eval(compiled, &item, slot)? {
                matches.push(i);
            }
        }
    }
    matches.sort_unstable();
    Ok(matches)
}

/// The indices of the array's elements that `listed` names ([`remove_listed`](Applier::remove_listed)): an
/// element whose `value` equals a listed value's, or (without a `value`) that equals a listed value. One pass over
/// the elements (over their `value` strings alone when every listed value has a string `value`, as Entra's
/// member removals do), through a hash index of `listed` when it holds more than a few values: removing k of n
/// costs O(n + k).
fn listed_indices<N: Host>(array: Option<&N>, listed: &[&Value]) -> Result<Vec<usize>, N::Error> {
    let Some(array) = array else { return Ok(Vec::new()) };
    let values: Vec<Option<&Value>> = listed.iter().map(|l| sure(identity_value(l))).collect();
    if let Some(wants) = values.iter().map(|v| v.and_then(Value::as_str)).collect::<Option<Vec<&str>>>() {
        // Every listed value has a string `value`: an element is named exactly when its `value` is one of them
        // (one without a string `value` cannot equal a listed object that has one).
        let index = StrIndex::new(&wants);
        let mut found = Vec::new();
        array.element_strings("value", &mut |i, s| {
            if s.is_some_and(|s| !index.each(&wants, s, |_| false)) {
                found.push(i);
            }
            true
        })?;
        return Ok(found);
    }
    let items = &array.elements()?;
    let names = |item: &N, item_value: Option<&N>, l: &Value, value: Option<&Value>| match (value, item_value) {
        (Some(value), Some(existing)) => existing.eq_value(value),
        _ => item.eq_value(l),
    };
    let mut found = Vec::new();
    if listed.len() <= SCAN {
        for (i, item) in items.iter().enumerate() {
            let item_value = identity_value(item)?;
            for (l, value) in listed.iter().zip(&values) {
                if names(item, item_value.as_ref(), l, *value)? {
                    found.push(i);
                    break;
                }
            }
        }
        return Ok(found);
    }
    let keys = RandomState::new();
    let (hashes, limit) = request_hashes(&keys, listed, &values);
    let (index, deep) = index_of(&hashes);
    for (i, item) in items.iter().enumerate() {
        let item_value = identity_value(item)?;
        let bucket = match identity_hash(&keys, item, item_value.as_ref(), limit)? {
            Some((h, _)) => index.get(&h).map_or(&[][..], Vec::as_slice),
            None => &[],
        };
        for &j in bucket.iter().chain(&deep) {
            if let (Some(l), Some(value)) = (listed.get(j), values.get(j)) {
                if names(item, item_value.as_ref(), l, *value)? {
                    found.push(i);
                    break;
                }
            }
        }
    }
    Ok(found)
}

/// The index of a request's values by their [`request_hashes`], and the values without a hash (too deep), which
/// are compared with every document value instead.
fn index_of(hashes: &[Option<u64>]) -> (Index, Vec<usize>) {
    let mut index = Index::with_capacity_and_hasher(hashes.len(), BuildHasherDefault::default());
    let mut deep = Vec::new();
    for (j, h) in hashes.iter().enumerate() {
        match h {
            Some(h) => index.entry(*h).or_default().push(j),
            None => deep.push(j),
        }
    }
    (index, deep)
}

/// How large a value is: its nodes (every value, element and member counts one) and its levels.
#[derive(Debug, Clone, Copy)]
struct Size {
    nodes: usize,
    depth: usize,
}

impl Size {
    /// No limit but [`HASH_DEPTH`].
    const UNBOUNDED: Size = Size { nodes: usize::MAX, depth: HASH_DEPTH };
}

/// Values deeper than this are not hashed: a request's are compared one by one, a document's equal none of the
/// hashed ones. Deep enough for any SCIM value; shallow enough for the stack.
const HASH_DEPTH: usize = 64;

/// A hash consistent with `Value`'s equality (object members in any order; numbers by their JSON value, `-0.0` as
/// `0.0`) under the request's SipHash keys, read through the whole of `v`, with its size; `None` as soon as `v`
/// proves larger than `limit` in nodes or levels. Whether it does depends on `v` alone, never on the order its
/// members are read in, so equal values hash alike; and a document value, which may nest arbitrarily deep or (in
/// a host document) contain itself many times over, costs at most `limit.nodes` reads.
fn hash<N: Host>(keys: &RandomState, v: &N, limit: Size) -> Result<Option<(u64, Size)>, N::Error> {
    let mut nodes = limit.nodes;
    let mut depth = 0;
    let h = hash_to(keys, v, limit.depth, &mut nodes, &mut depth, 1)?;
    Ok(h.map(|h| (h, Size { nodes: limit.nodes - nodes, depth })))
}

fn hash_to<N: Host>(
    keys: &RandomState,
    v: &N,
    max_depth: usize,
    nodes: &mut usize,
    depth: &mut usize,
    level: usize,
) -> Result<Option<u64>, N::Error> {
    if level > max_depth || *nodes == 0 {
        return Ok(None);
    }
    *nodes -= 1;
    *depth = (*depth).max(level);
    let mut h = keys.build_hasher();
    match v.view()? {
        View::Null => 0u8.hash(&mut h),
        View::Bool(b) => (1u8, b).hash(&mut h),
        View::Number(Num::Int(i)) => (2u8, i128::from(i)).hash(&mut h),
        View::Number(Num::UInt(u)) => (2u8, i128::from(u)).hash(&mut h),
        View::Number(Num::Float(f)) => (6u8, if f == 0.0 { 0 } else { f.to_bits() }).hash(&mut h),
        View::String(s) => (3u8, &*s).hash(&mut h),
        View::Array(len) => {
            (4u8, len).hash(&mut h);
            for i in 0..len {
                let Some(item) = v.index(i)? else { break };
                let Some(ih) = hash_to(keys, &item, max_depth, nodes, depth, level + 1)? else { return Ok(None) };
                ih.hash(&mut h);
            }
        }
        View::Object => {
            // Order-independent: the sum of the members' hashes.
            let (mut sum, mut larger) = (0u64, false);
            v.members(&mut |k, m| {
                match hash_to(keys, &m, max_depth, nodes, depth, level + 1)? {
                    Some(mh) => sum = sum.wrapping_add(keys.hash_one((k, mh))),
                    None => larger = true,
                }
                Ok(!larger)
            })?;
            if larger {
                return Ok(None);
            }
            (5u8, sum).hash(&mut h);
        }
    }
    Ok(Some(h.finish()))
}
