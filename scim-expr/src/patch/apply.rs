//! Applying operations (RFC 7644 §3.5.2.1-3, rfc-digest §2 and §5). Every change goes through the [`Tx`] so that
//! a failing operation leaves the document exactly as it was.

use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

use serde_json::{Map, Value};

use super::tx::{at, Loc, Step, Tx};
use super::{Op, Operation, Outcome};
use crate::compare;
use crate::error::{json_type, Error, ErrorKind};
use crate::filter::eval;
use crate::filter::{CompValue, CompareOp, Expr};
use crate::path::PathKind;
use crate::quirks::{Fired, Quirk};
use crate::schema::{AttrType, Attribute, Mutability, Schemas};
use crate::{Options, Path, Quirks};

pub(super) fn apply(
    operations: &[Operation],
    options: &Options,
    doc: &mut Value,
    parsed: Fired,
) -> Result<Outcome, Error> {
    if !doc.is_object() {
        return Err(Error::patch(ErrorKind::NotAnObject, "the resource to patch must be a JSON object".into()));
    }
    let mut tx = Tx::default();
    let mut fired = parsed;
    for (i, operation) in operations.iter().enumerate() {
        // Each operation sees the resource type as the previous ones left `schemas` (RFC 7644 §3.5.2).
        let kind = match options.schemas.kind_of(&&*doc, options.resource_type) {
            Ok(kind) => kind,
            Err(never) => match never {},
        };
        let mut applier = Applier {
            options,
            schemas: &options.schemas,
            quirks: options.quirks,
            kind,
            tx: &mut tx,
            doc,
            fired: &mut fired,
        };
        if let Err(e) = applier.operation(operation) {
            tx.rollback(doc);
            return Err(e.at_operation(i));
        }
    }
    Ok(Outcome { changed: tx.len() > 0, fired })
}

/// An attribute of the resource, located: its container (the resource, or an extension object), its key and its
/// definition.
struct Attr<'s> {
    /// `[]` for the resource, `[Key(urn)]` for an extension object.
    container: Loc,
    /// The extension schema URN, for attributes of an extension.
    ext: Option<String>,
    /// The member name: the document's spelling if it has one, else the schema's.
    key: String,
    def: Option<&'s Attribute>,
}

impl Attr<'_> {
    fn loc(&self) -> Loc {
        let mut loc = self.container.clone();
        loc.push(Step::Key(self.key.clone()));
        loc
    }

    fn name(&self) -> &str {
        &self.key
    }
}

fn child(loc: &[Step], step: Step) -> Loc {
    let mut l = loc.to_vec();
    l.push(step);
    l
}

/// Unassigned in the sense of RFC 7643 §2.5: absent, null or an empty array.
fn unassigned(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

fn is_primary(v: &Value) -> bool {
    v.as_object().is_some_and(|o| o.iter().any(|(k, v)| k.eq_ignore_ascii_case("primary") && *v == Value::Bool(true)))
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
fn check_type(def: Option<&Attribute>, v: &Value, name: &str) -> Result<(), Error> {
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
                    let sub_name = format!("{name}.{}", sd.name);
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

fn mutability_error(kind: ErrorKind, name: &str) -> Error {
    let message = match kind {
        ErrorKind::ReadOnly => format!("\"{name}\" is readOnly: only the service provider sets it"),
        ErrorKind::Immutable => format!("\"{name}\" is immutable: it cannot change once it has a value"),
        _ => format!("\"{name}\" is required: it cannot be removed"),
    };
    Error::patch(kind, message)
}

struct Applier<'a> {
    options: &'a Options,
    schemas: &'a Schemas,
    quirks: Quirks,
    kind: Option<usize>,
    tx: &'a mut Tx,
    doc: &'a mut Value,
    fired: &'a mut Fired,
}

impl<'a> Applier<'a> {
    fn operation(&mut self, operation: &Operation) -> Result<(), Error> {
        let value = operation.value.as_ref().unwrap_or(&Value::Null);
        match &operation.path {
            None => self.pathless(operation.op, value),
            Some(path) if operation.op == Op::Remove && operation.value.is_some() => self.remove_listed(path, value),
            Some(path) => self.at_path(operation.op, path, value),
        }
    }

    fn at_path(&mut self, op: Op, path: &Path, value: &Value) -> Result<(), Error> {
        match &path.kind {
            PathKind::Schema(urn) => self.extension_object(op, urn, value),
            PathKind::Attr { attr, filter, filter_sub_attr } => {
                let a = self.locate(attr.urn.as_deref(), &attr.name);
                match (filter, &attr.sub_attr) {
                    (Some(f), _) => self.filtered(op, &a, f, filter_sub_attr.as_deref(), value)?,
                    (None, Some(sub)) => self.sub_attribute(op, &a, sub, value)?,
                    (None, None) => self.whole(op, &a, value)?,
                }
                self.settle_extension(&a);
                Ok(())
            }
        }
    }

    /// `remove` with a value list (`remove_value_list`, E11): exactly the listed values of a multi-valued
    /// attribute, matched on `value` (or whole, for values without one); absent ones are ignored. Never all.
    fn remove_listed(&mut self, path: &Path, listed: &Value) -> Result<(), Error> {
        let refuse = || {
            Error::patch(
                ErrorKind::RemoveWithValue,
                "remove with a value list needs a path naming a multi-valued attribute, as in \"members\"".into(),
            )
        };
        let PathKind::Attr { attr, filter: None, .. } = &path.kind else { return Err(refuse()) };
        if attr.sub_attr.is_some() {
            return Err(refuse());
        }
        let a = self.locate(attr.urn.as_deref(), &attr.name);
        if a.def.is_some_and(|d| !d.multi_valued) {
            return Err(refuse());
        }
        let listed: Vec<&Value> = match listed {
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        let loc = a.loc();
        let indices: Vec<usize> = match at(self.doc, &loc) {
            Some(Value::Array(items)) => listed_indices(items, &listed),
            _ => Vec::new(),
        };
        self.elements(Op::Remove, &a, &indices, None, &Value::Null, "")?;
        self.settle_extension(&a);
        Ok(())
    }

    /// The document's key in the object at `parent` for `name`, compared case-insensitively; else the schema's
    /// spelling; else `name`.
    fn spelling(&self, parent: &[Step], name: &str, def: Option<&Attribute>) -> String {
        if let Some(Value::Object(o)) = at(self.doc, parent) {
            if let Some(k) = o.keys().find(|k| k.eq_ignore_ascii_case(name)) {
                return k.clone();
            }
        }
        def.map_or(name, |d| d.name.as_str()).to_string()
    }

    fn locate(&mut self, urn: Option<&str>, name: &str) -> Attr<'a> {
        let schemas: &'a Schemas = self.schemas;
        match urn {
            Some(urn) if !schemas.is_core_schema(urn) => {
                let ext_key = self.extension_key(urn);
                let container = vec![Step::Key(ext_key)];
                let def = schemas.qualified(urn, name);
                let key = self.spelling(&container, name, def);
                let ext = schemas.schema(urn).map_or(urn, |s| s.id.as_str()).to_string();
                Attr { container, ext: Some(ext), key, def }
            }
            _ => {
                let def = match urn {
                    Some(urn) => schemas.qualified(urn, name),
                    None => schemas.unqualified(self.kind, name),
                };
                if def.is_none() && urn.is_none() && self.quirks.unqualified_extension {
                    if let Some(ext) = schemas.unique_extension_of(self.kind, name) {
                        self.fired.add(Quirk::unqualified_extension);
                        return self.locate(Some(ext), name);
                    }
                }
                Attr { container: Vec::new(), ext: None, key: self.spelling(&[], name, def), def }
            }
        }
    }

    /// The resource's key for the extension `urn`: the document's spelling, else the schema's id.
    fn extension_key(&self, urn: &str) -> String {
        let def_id = self.schemas.schema(urn).map_or(urn, |s| s.id.as_str());
        self.doc
            .as_object()
            .and_then(|o| o.keys().find(|k| k.eq_ignore_ascii_case(urn)).cloned())
            .unwrap_or_else(|| def_id.to_string())
    }

    fn ensure_extension(&mut self, a: &Attr<'_>) {
        if let Some(Step::Key(k)) = a.container.first() {
            if !matches!(at(self.doc, &a.container), Some(Value::Object(_))) {
                self.tx.set_key(self.doc, &[], k, Value::Object(Map::new()));
            }
        }
    }

    /// After an operation on an extension attribute: an emptied extension object is removed with its URN in
    /// `schemas`; a non-empty one has its URN listed (rfc-digest §5 A15).
    fn settle_extension(&mut self, a: &Attr<'_>) {
        let (Some(urn), Some(Step::Key(key))) = (&a.ext, a.container.first()) else { return };
        match at(self.doc, &a.container) {
            Some(Value::Object(o)) if o.is_empty() => {
                self.tx.remove_key(self.doc, &[], key);
                self.schema_urn(urn, false);
            }
            Some(_) => self.schema_urn(urn, true),
            None => {}
        }
    }

    /// Lists `urn` in the resource's `schemas` array, or takes it out.
    fn schema_urn(&mut self, urn: &str, listed: bool) {
        let key = self.spelling(&[], "schemas", None);
        let loc = vec![Step::Key(key)];
        let Some(Value::Array(list)) = at(self.doc, &loc) else { return };
        let found: Vec<usize> = list
            .iter()
            .enumerate()
            .filter(|(_, v)| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
            .map(|(i, _)| i)
            .collect();
        if listed && found.is_empty() {
            self.tx.append(self.doc, &loc, vec![Value::String(urn.to_string())]);
        } else if !listed {
            self.tx.remove_elements(self.doc, &loc, &found);
        }
    }

    /// add or replace without a path: each member of the value object as its own target (§3.5.2.1, §3.5.2.3).
    fn pathless(&mut self, op: Op, value: &Value) -> Result<(), Error> {
        let Value::Object(members) = value else {
            return Err(invalid_value(format!(
                "without a path, \"value\" must be an object of attributes, not {}",
                json_type(value)
            )));
        };
        for (key, v) in members {
            if self.schemas.schema(key).is_some_and(|s| !self.schemas.is_core_schema(&s.id)) {
                self.extension_object(op, key, v)?;
            } else if crate::grammar::is_attr_name(key) {
                let a = self.locate(None, key);
                self.whole(op, &a, v)?;
            } else if self.quirks.path_keys || self.quirks.legacy_extension_dot {
                // Entra keys pathless values by path: "name.givenName", "urn:…:enterprise:2.0:User:employeeNumber".
                let path = Path::parse_with(key, self.options).map_err(|e| {
                    invalid_value(format!("\"{key}\" in \"value\" is neither an attribute name nor a path: {e}"))
                })?;
                let legacy_only = path.fired.names() == ["legacy_extension_dot"];
                if !self.quirks.path_keys && !legacy_only {
                    return Err(invalid_value(format!("\"{key}\" in \"value\" is not an attribute name")));
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
                )));
            }
        }
        Ok(())
    }

    /// The whole extension object named by its schema URN.
    fn extension_object(&mut self, op: Op, urn: &str, value: &Value) -> Result<(), Error> {
        if op == Op::Remove {
            let key = self.extension_key(urn);
            if self.tx.remove_key(self.doc, &[], &key) {
                let id = self.schemas.schema(urn).map_or(urn, |s| s.id.as_str()).to_string();
                self.schema_urn(&id, false);
            }
            return Ok(());
        }
        let Value::Object(members) = value else {
            return Err(invalid_value(format!(
                "\"{urn}\" takes an object of its attributes, not {}",
                json_type(value)
            )));
        };
        for (name, v) in members {
            if !crate::grammar::is_attr_name(name) {
                return Err(invalid_value(format!("\"{name}\" in the value of \"{urn}\" is not an attribute name")));
            }
            let a = self.locate(Some(urn), name);
            self.whole(op, &a, v)?;
            self.settle_extension(&a);
        }
        Ok(())
    }

    /// The value as the tolerances in force read it for an attribute defined by `def`, and whether a replace must
    /// set it whole instead of merging (a bare string made complex drops the old sub-attributes, E4).
    fn coerce<'v>(&mut self, def: Option<&Attribute>, value: &'v Value, op: Op) -> (Cow<'v, Value>, bool) {
        let q = self.quirks;
        if q.empty_string_clears && value.as_str() == Some("") {
            self.fired.add(Quirk::empty_string_clears);
            return (Cow::Owned(Value::Null), false);
        }
        let Some(d) = def else { return (Cow::Borrowed(value), false) };
        let mut v = Cow::Borrowed(value);
        let mut whole = false;
        let single_complex = d.ty == AttrType::Complex && !d.multi_valued;
        if single_complex && q.single_element_array {
            if let Value::Array(items) = value {
                if let [only] = items.as_slice() {
                    self.fired.add(Quirk::single_element_array);
                    v = Cow::Owned(only.clone());
                }
            }
        }
        if single_complex && q.string_to_complex {
            if let Value::String(s) = v.as_ref() {
                self.fired.add(Quirk::string_to_complex);
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
                self.fired.add(Quirk::strings_to_complex_values);
                v = Cow::Owned(c);
            }
        }
        if q.role_json_text && d.multi_valued && d.name.eq_ignore_ascii_case("roles") {
            if let Some(decoded) = decode_roles(v.as_ref()) {
                self.fired.add(Quirk::role_json_text);
                v = Cow::Owned(decoded);
            }
        }
        if q.boolean_strings {
            if let Some(b) = booleans(d, v.as_ref()) {
                self.fired.add(Quirk::boolean_strings);
                v = Cow::Owned(b);
            }
        }
        (v, whole)
    }

    /// `attr`: the attribute as a whole.
    fn whole(&mut self, op: Op, a: &Attr<'_>, value: &Value) -> Result<(), Error> {
        let (value, set_whole) =
            if op == Op::Remove { (Cow::Borrowed(value), false) } else { self.coerce(a.def, value, op) };
        let value = value.as_ref();
        if set_whole {
            let mark = self.tx.len();
            let was_assigned = !unassigned(at(self.doc, &a.loc()));
            check_type(a.def, value, a.name())?;
            duplicate_sub_attributes(value, a.name())?;
            self.ensure_extension(a);
            self.tx.set_key(self.doc, &a.container, &a.key, value.clone());
            return self.check_attribute(a, mark, was_assigned);
        }
        let loc = a.loc();
        let current = at(self.doc, &loc);
        let was_assigned = !unassigned(current);
        let mark = self.tx.len();
        if op == Op::Remove {
            if current.is_none() {
                return Ok(());
            }
            self.tx.remove_key(self.doc, &a.container, &a.key);
        } else {
            let multi = a.def.map_or_else(
                || matches!(current, Some(Value::Array(_))) || (unassigned(current) && value.is_array()),
                |d| d.multi_valued,
            );
            let complex = !multi
                && a.def.map_or_else(
                    || value.is_object() && matches!(current, None | Some(Value::Null | Value::Object(_))),
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
                )));
            }
            // An array replacing a single value of an attribute no schema defines makes it multi-valued: its
            // values are checked as any multi-valued attribute's are.
            if multi || (a.def.is_none() && value.is_array()) {
                self.set_multi(op, a, value)?;
            } else if complex {
                self.set_complex(a, value)?;
            } else if value.is_null() {
                self.tx.remove_key(self.doc, &a.container, &a.key);
            } else {
                check_type(a.def, value, a.name())?;
                duplicate_sub_attributes(value, a.name())?;
                self.ensure_extension(a);
                self.tx.set_key(self.doc, &a.container, &a.key, value.clone());
            }
        }
        self.check_attribute(a, mark, was_assigned)
    }

    /// The attribute-level mutability rules, once the operation's changes to it are made.
    fn check_attribute(&self, a: &Attr<'_>, mark: usize, was_assigned: bool) -> Result<(), Error> {
        let Some(def) = a.def else { return Ok(()) };
        let changed = self.tx.len() > mark;
        if changed && def.mutability == Mutability::ReadOnly {
            return Err(mutability_error(ErrorKind::ReadOnly, a.name()));
        }
        if changed && was_assigned && def.mutability == Mutability::Immutable {
            return Err(mutability_error(ErrorKind::Immutable, a.name()));
        }
        if def.required && was_assigned && unassigned(at(self.doc, &a.loc())) {
            return Err(mutability_error(ErrorKind::Required, a.name()));
        }
        Ok(())
    }

    /// A multi-valued attribute: add appends the values not already present; replace sets them all.
    fn set_multi(&mut self, op: Op, a: &Attr<'_>, value: &Value) -> Result<(), Error> {
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
                return Err(invalid_value(format!("\"{}\" cannot hold a null value", a.name())));
            }
            check_type(a.def, v, a.name())?;
            duplicate_sub_attributes(v, a.name())?;
        }
        if values.iter().filter(|v| is_primary(v)).count() > 1 {
            return Err(Error::patch(
                ErrorKind::MultiplePrimary,
                format!("more than one value of \"{}\" has \"primary\": true (RFC 7643 §2.4)", a.name()),
            ));
        }
        let loc = a.loc();
        if op == Op::Replace {
            if values.is_empty() {
                self.tx.remove_key(self.doc, &a.container, &a.key);
            } else {
                self.ensure_extension(a);
                let all = values.into_iter().cloned().collect();
                self.tx.set_key(self.doc, &a.container, &a.key, Value::Array(all));
            }
            return Ok(());
        }
        let existing: &[Value] = match at(self.doc, &loc) {
            Some(Value::Array(items)) => items,
            _ => &[],
        };
        let fresh = new_values(existing, &values);
        if fresh.is_empty() {
            return Ok(());
        }
        if matches!(at(self.doc, &loc), Some(Value::Array(_))) {
            let start = existing.len();
            let count = fresh.len();
            self.tx.append(self.doc, &loc, fresh);
            self.fix_primary(&loc, &(start..start + count).collect::<Vec<_>>())?;
        } else {
            self.ensure_extension(a);
            self.tx.set_key(self.doc, &a.container, &a.key, Value::Array(fresh));
        }
        Ok(())
    }

    /// A single-valued complex attribute: the value's sub-attributes are merged in (RFC 7644 §3.5.2.1, A7).
    fn set_complex(&mut self, a: &Attr<'_>, value: &Value) -> Result<(), Error> {
        let members = match value {
            Value::Null => {
                self.tx.remove_key(self.doc, &a.container, &a.key);
                return Ok(());
            }
            Value::Object(members) => members,
            other => {
                return Err(invalid_value(format!(
                    "\"{}\" is complex and takes an object of sub-attributes, not {}",
                    a.name(),
                    json_type(other)
                )))
            }
        };
        check_type(a.def, value, a.name())?;
        let loc = a.loc();
        if !matches!(at(self.doc, &loc), Some(Value::Object(_))) {
            self.ensure_extension(a);
            self.tx.set_key(self.doc, &a.container, &a.key, Value::Object(Map::new()));
        }
        for (name, v) in members {
            self.set_sub(&loc, a.def, a.name(), name, v)?;
        }
        self.drop_if_empty(&a.container, &a.key);
        Ok(())
    }

    /// Sets (or, for null, removes) sub-attribute `name` of the object at `parent`, enforcing its mutability.
    fn set_sub(
        &mut self,
        parent: &[Step],
        def: Option<&Attribute>,
        parent_name: &str,
        name: &str,
        v: &Value,
    ) -> Result<(), Error> {
        let sub_def = def.and_then(|d| d.sub_attribute(name));
        let (v, _) = self.coerce(sub_def, v, Op::Add);
        let v = v.as_ref();
        let key = self.spelling(parent, name, sub_def);
        let full = format!("{parent_name}.{key}");
        let sub_loc = child(parent, Step::Key(key.clone()));
        let was_assigned = !unassigned(at(self.doc, &sub_loc));
        let mark = self.tx.len();
        if v.is_null() {
            self.tx.remove_key(self.doc, parent, &key);
        } else {
            match (sub_def, v) {
                (Some(sd), Value::Array(items)) if sd.multi_valued => {
                    items.iter().try_for_each(|item| check_type(Some(sd), item, &full))?
                }
                _ => check_type(sub_def, v, &full)?,
            }
            self.tx.set_key(self.doc, parent, &key, v.clone());
        }
        let Some(sd) = sub_def else { return Ok(()) };
        let changed = self.tx.len() > mark;
        if changed && sd.mutability == Mutability::ReadOnly {
            return Err(mutability_error(ErrorKind::ReadOnly, &full));
        }
        if changed && was_assigned && sd.mutability == Mutability::Immutable {
            return Err(mutability_error(ErrorKind::Immutable, &full));
        }
        if changed && was_assigned && sd.required && v.is_null() {
            return Err(mutability_error(ErrorKind::Required, &full));
        }
        Ok(())
    }

    fn drop_if_empty(&mut self, parent: &[Step], key: &str) {
        let loc = child(parent, Step::Key(key.to_string()));
        if matches!(at(self.doc, &loc), Some(Value::Object(o)) if o.is_empty())
            || matches!(at(self.doc, &loc), Some(Value::Array(a)) if a.is_empty())
        {
            self.tx.remove_key(self.doc, parent, key);
        }
    }

    /// `attr.sub` without a filter: the sub-attribute of a complex attribute, or of every value of a multi-valued one.
    fn sub_attribute(&mut self, op: Op, a: &Attr<'_>, sub: &str, value: &Value) -> Result<(), Error> {
        let loc = a.loc();
        let current = at(self.doc, &loc);
        let multi = a.def.map_or_else(|| matches!(current, Some(Value::Array(_))), |d| d.multi_valued);
        if multi {
            let all: Vec<usize> = match current {
                Some(Value::Array(items)) => (0..items.len()).collect(),
                _ => Vec::new(),
            };
            return self.elements(op, a, &all, Some(sub), value, "has no values");
        }
        if let Some(def) = a.def.filter(|d| d.ty != AttrType::Complex) {
            return Err(Error::patch(
                ErrorKind::NoTarget,
                format!("\"{}\" is a {} attribute and has no sub-attribute \"{sub}\"", a.name(), def.ty.as_str()),
            ));
        }
        let was_assigned = !unassigned(current);
        let mark = self.tx.len();
        match op {
            Op::Remove => {
                if matches!(current, Some(Value::Object(_))) {
                    self.remove_sub(&loc, a.def, a.name(), sub)?;
                    self.drop_if_empty(&a.container, &a.key);
                }
            }
            Op::Add | Op::Replace => {
                if !matches!(current, Some(Value::Object(_))) {
                    self.ensure_extension(a);
                    self.tx.set_key(self.doc, &a.container, &a.key, Value::Object(Map::new()));
                }
                self.set_sub(&loc, a.def, a.name(), sub, value)?;
                self.drop_if_empty(&a.container, &a.key);
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
    ) -> Result<(), Error> {
        let sub_def = def.and_then(|d| d.sub_attribute(name));
        let key = self.spelling(parent, name, sub_def);
        let loc = child(parent, Step::Key(key.clone()));
        if at(self.doc, &loc).is_none() {
            return Ok(());
        }
        let full = format!("{parent_name}.{key}");
        if let Some(sd) = sub_def {
            let was_assigned = !unassigned(at(self.doc, &loc));
            match sd.mutability {
                Mutability::ReadOnly => return Err(mutability_error(ErrorKind::ReadOnly, &full)),
                Mutability::Immutable if was_assigned => return Err(mutability_error(ErrorKind::Immutable, &full)),
                _ if sd.required && was_assigned => return Err(mutability_error(ErrorKind::Required, &full)),
                _ => {}
            }
        }
        self.tx.remove_key(self.doc, parent, &key);
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
    ) -> Result<(), Error> {
        if let Some(def) = a.def.filter(|d| !d.multi_valued) {
            return Err(Error::patch(
                ErrorKind::NotMultiValued,
                format!(
                    "\"{}\" is single-valued; a filter in brackets selects values of a multi-valued attribute",
                    def.name
                ),
            ));
        }
        let (expr, compiled, per_kind) = filter;
        let slot = if *per_kind { self.kind.map_or(0, |k| k + 1) } else { 0 };
        let matches: Vec<usize> = match at(self.doc, &a.loc()) {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter(|(_, item)| match eval::eval(compiled, item, slot) {
                    Ok(hit) => hit,
                    Err(never) => match never {},
                })
                .map(|(i, _)| i)
                .collect(),
            _ => Vec::new(),
        };
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
    ) -> Result<(), Error> {
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
                )))
            }
        }
        element.retain(|_, v| !v.is_null());
        let element = Value::Object(element);
        check_type(a.def, &element, a.name())?;
        duplicate_sub_attributes(&element, a.name())?;
        let loc = a.loc();
        if let Some(Value::Array(items)) = at(self.doc, &loc) {
            let index = items.len();
            self.tx.append(self.doc, &loc, vec![element]);
            self.fix_primary(&loc, &[index])?;
        } else {
            self.ensure_extension(a);
            self.tx.set_key(self.doc, &a.container, &a.key, Value::Array(vec![element]));
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
    ) -> Result<(), Error> {
        let loc = a.loc();
        let was_assigned = !unassigned(at(self.doc, &loc));
        let mark = self.tx.len();
        if op == Op::Remove {
            match sub {
                None => {
                    self.tx.remove_elements(self.doc, &loc, indices);
                }
                Some(sub) => {
                    for &i in indices {
                        self.remove_sub(&child(&loc, Step::Index(i)), a.def, a.name(), sub)?;
                    }
                    self.drop_empty_elements(&loc);
                }
            }
            self.drop_if_empty(&a.container, &a.key);
            return self.check_attribute(a, mark, was_assigned);
        }
        if indices.is_empty() {
            return Err(Error::patch(ErrorKind::NoTarget, format!("\"{}\" {none}", a.name())));
        }
        for &i in indices {
            let element = child(&loc, Step::Index(i));
            match (sub, at(self.doc, &element)) {
                (Some(sub), _) => self.set_sub(&element, a.def, a.name(), sub, value)?,
                (None, Some(Value::Object(_))) => {
                    let Value::Object(members) = value else {
                        return Err(invalid_value(format!(
                            "the values of \"{}\" are complex; \"value\" must be an object of sub-attributes, not {}",
                            a.name(),
                            json_type(value)
                        )));
                    };
                    for (name, v) in members {
                        self.set_sub(&element, a.def, a.name(), name, v)?;
                    }
                }
                (None, _) => {
                    check_type(a.def, value, a.name())?;
                    duplicate_sub_attributes(value, a.name())?;
                    self.tx.set_element(self.doc, &loc, i, value.clone());
                }
            }
        }
        self.fix_primary(&loc, indices)?;
        self.drop_empty_elements(&loc);
        self.drop_if_empty(&a.container, &a.key);
        self.check_attribute(a, mark, was_assigned)
    }

    fn drop_empty_elements(&mut self, array: &[Step]) {
        let empty: Vec<usize> = match at(self.doc, array) {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter(|(_, v)| matches!(v, Value::Object(o) if o.is_empty()))
                .map(|(i, _)| i)
                .collect(),
            _ => return,
        };
        self.tx.remove_elements(self.doc, array, &empty);
    }

    /// RFC 7644 §3.5.2: a value set to `"primary": true` clears `primary` on the attribute's other values.
    fn fix_primary(&mut self, array: &[Step], touched: &[usize]) -> Result<(), Error> {
        let Some(Value::Array(items)) = at(self.doc, array) else { return Ok(()) };
        let primary: Vec<usize> = touched.iter().copied().filter(|&i| items.get(i).is_some_and(is_primary)).collect();
        let [keep] = primary.as_slice() else {
            if primary.len() > 1 {
                return Err(Error::patch(
                    ErrorKind::MultiplePrimary,
                    "the operation sets \"primary\": true on more than one value (RFC 7643 §2.4)".into(),
                ));
            }
            return Ok(());
        };
        let others: Vec<(usize, String)> = items
            .iter()
            .enumerate()
            .filter(|(i, v)| i != keep && is_primary(v))
            .filter_map(|(i, v)| {
                let key = v.as_object()?.keys().find(|k| k.eq_ignore_ascii_case("primary"))?.clone();
                Some((i, key))
            })
            .collect();
        for (i, key) in others {
            self.tx.set_key(self.doc, &child(array, Step::Index(i)), &key, Value::Bool(false));
        }
        Ok(())
    }
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

/// What identifies a complex value: its `value` and `type` sub-attributes.
type Identity<'v> = Option<(&'v Value, Option<&'v Value>)>;

/// Sub-attribute `name` of a complex value: the member spelled so, else the first whose key equals it ignoring
/// case, found as filters find it ([`crate::node::lookup`]).
fn sub_value<'v>(members: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    crate::node::lookup(members, name)
}

/// The non-null `value` sub-attribute of a complex value.
fn identity_value(v: &Value) -> Option<&Value> {
    sub_value(v.as_object()?, "value").filter(|v| !v.is_null())
}

/// The `value` and `type` sub-attributes of a complex value (`None` without a non-null `value`).
fn identity(v: &Value) -> Identity<'_> {
    let value = identity_value(v)?;
    Some((value, v.as_object().and_then(|m| sub_value(m, "type"))))
}

/// Whether `existing` already holds what `adding` would add: for a complex value with a `value`, a value with the
/// same `value` and (if `adding` names one) the same `type`; otherwise an equal value. Re-adding a member with a
/// `display` is no change (RFC 7644 §3.5.2.1: "If the user was already a member of this group, no changes should be
/// made"; rfc-digest §5 A19). `adding_id` is `identity(adding)`, computed once by the caller; `existing`'s `type`
/// is read only when the values are equal, so that scanning a large group reads one member of each element.
fn same_value(existing: &Value, adding: &Value, adding_id: Identity<'_>) -> bool {
    match (adding_id, identity_value(existing)) {
        (Some((value, kind)), Some(existing_value)) => {
            value == existing_value
                && kind.map_or(true, |k| existing.as_object().and_then(|m| sub_value(m, "type")) == Some(k))
        }
        (Some(_), None) => false,
        (None, _) => existing == adding,
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
/// values [`remove_listed`](Applier::remove_listed) pairs.
fn identity_hash(keys: &RandomState, v: &Value, value: Option<&Value>) -> u64 {
    value.map_or_else(|| hash(keys, v), |value| hash(keys, value).wrapping_add(1))
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

/// The values of `adding` that `existing` does not hold yet ([`same_value`]), without repeats, in order.
/// A few values are looked up by scanning; more through a hash index of `adding` that one pass over `existing`
/// probes, so adding k values to n costs O(n + k), never O(n × k), and allocates in k only.
fn new_values(existing: &[Value], adding: &[&Value]) -> Vec<Value> {
    let ids: Vec<Identity<'_>> = adding.iter().map(|v| identity(v)).collect();
    let mut fresh: Vec<Value> = Vec::new();
    if adding.len() <= SCAN {
        for (v, id) in adding.iter().zip(&ids) {
            if !existing.iter().chain(&fresh).any(|e| same_value(e, v, *id)) {
                fresh.push((*v).clone());
            }
        }
        return fresh;
    }
    let keys = RandomState::new();
    let hashes: Vec<u64> = adding.iter().zip(&ids).map(|(v, id)| identity_hash(&keys, v, id.map(|i| i.0))).collect();
    let mut index = Index::with_capacity_and_hasher(adding.len(), BuildHasherDefault::default());
    for (j, h) in hashes.iter().enumerate() {
        index.entry(*h).or_default().push(j);
    }
    let mut present = vec![false; adding.len()];
    for e in existing {
        let Some(bucket) = index.get(&identity_hash(&keys, e, identity_value(e))) else { continue };
        for &j in bucket {
            if let (Some(slot), Some(v), Some(id)) = (present.get_mut(j), adding.get(j), ids.get(j)) {
                *slot = *slot || same_value(e, v, *id);
            }
        }
    }
    let mut added = Index::default();
    for (((v, id), h), present) in adding.iter().zip(&ids).zip(&hashes).zip(present) {
        let repeated =
            added.get(h).is_some_and(|ids| ids.iter().any(|&j| fresh.get(j).is_some_and(|e| same_value(e, v, *id))));
        if !present && !repeated {
            added.entry(*h).or_default().push(fresh.len());
            fresh.push((*v).clone());
        }
    }
    fresh
}

/// The indices of `items` that `listed` names ([`remove_listed`](Applier::remove_listed)): an item whose `value`
/// equals a listed value's, or (without a `value`) that equals a listed value. One pass over `items`, through a
/// hash index of `listed` when it holds more than a few values: removing k of n costs O(n + k).
fn listed_indices(items: &[Value], listed: &[&Value]) -> Vec<usize> {
    let values: Vec<Option<&Value>> = listed.iter().map(|l| identity_value(l)).collect();
    let names = |item: &Value, item_value: Option<&Value>, l: &Value, value: Option<&Value>| match (value, item_value) {
        (Some(value), Some(existing)) => value == existing,
        _ => l == item,
    };
    if listed.len() <= SCAN {
        return items
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                let item_value = identity_value(item);
                listed.iter().zip(&values).any(|(l, value)| names(item, item_value, l, *value))
            })
            .map(|(i, _)| i)
            .collect();
    }
    let keys = RandomState::new();
    let mut index = Index::with_capacity_and_hasher(listed.len(), BuildHasherDefault::default());
    for (j, (l, value)) in listed.iter().zip(&values).enumerate() {
        index.entry(identity_hash(&keys, l, *value)).or_default().push(j);
    }
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            let item_value = identity_value(item);
            index.get(&identity_hash(&keys, item, item_value)).is_some_and(|bucket| {
                bucket.iter().any(|&j| match (listed.get(j), values.get(j)) {
                    (Some(l), Some(value)) => names(item, item_value, l, *value),
                    _ => false,
                })
            })
        })
        .map(|(i, _)| i)
        .collect()
}

/// A hash consistent with `Value`'s equality: object members in any order, numbers by their JSON value, under the
/// request's SipHash keys. Only the first [`HASH_DEPTH`] levels count, so that a value already in the document,
/// which may nest arbitrarily deep, is hashed without deep recursion; equal values still hash alike.
fn hash(keys: &RandomState, v: &Value) -> u64 {
    hash_to(keys, v, HASH_DEPTH)
}

const HASH_DEPTH: usize = 16;

fn hash_to(keys: &RandomState, v: &Value, depth: usize) -> u64 {
    let mut h = keys.build_hasher();
    let Some(depth) = depth.checked_sub(1) else { return 0 };
    match v {
        Value::Null => 0u8.hash(&mut h),
        Value::Bool(b) => (1u8, b).hash(&mut h),
        Value::Number(n) => (2u8, n.to_string()).hash(&mut h),
        Value::String(s) => (3u8, s).hash(&mut h),
        Value::Array(items) => {
            4u8.hash(&mut h);
            for item in items {
                hash_to(keys, item, depth).hash(&mut h);
            }
        }
        Value::Object(members) => {
            // Order-independent: the sum of the members' hashes.
            let sum =
                members.iter().fold(0u64, |acc, (k, v)| acc.wrapping_add(keys.hash_one((k, hash_to(keys, v, depth)))));
            (5u8, sum).hash(&mut h);
        }
    }
    h.finish()
}
