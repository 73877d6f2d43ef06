//! A request resolved against the schema of one resource type, as steps a binding can carry out in its host
//! language (the Node binding does, in `bindings/node/steps.js`) instead of converting the document. Only the
//! operation shapes whose outcome depends on the document in ways the steps spell out are resolved; for any other
//! request there are no steps and the binding applies it natively. Everything the engine decides from the request
//! and the schema alone is decided here: which attribute a path names and its spelling, its container, whether
//! the operation is allowed at all (mutability, required), the value after the tolerances in force and its type
//! check, and the filter's compiled form. What the steps leave to the host is the part that reads the document,
//! and each step says which of the engine's rules (apply.rs) it takes:
//!
//! ```text
//! steps  = {"fired": [quirk…], "ops": [step…]}
//! step   = ["set", ext, name, settle, value]        whole simple attribute: ensure_extension, set_key
//!        | ["del", ext, name, settle]               its removal: remove_key when present
//!        | ["sub", ext, name, sub, value]           attr.sub of a single-valued complex attribute: set_sub
//!        | ["subdel", ext, name, sub]               its removal: remove_sub, drop_if_empty
//!        | ["fsub", ext, name, sub, plan, slot, value]   attr[filter].sub: set_sub on each match (none:
//!                                                   for the engine), fix_primary, drop_empty_elements
//!        | ["fdel", ext, name, plan, slot]          remove attr[filter]: remove_elements, drop_if_empty
//! ext    = null for the resource's own attributes, else the extension's schema id (its key, and the URN
//!          settle_extension lists in `schemas` or takes out); settle: whether settle_extension follows
//! value  = a string or a boolean, as the attribute will hold it
//! plan   = the filter's compiled form (filter/plan.rs) for a value of the attribute, evaluated with `slot`
//! ```
//!
//! Names are the schema's spelling; the host writes to the document's own key for them where it has one (the
//! smallest key equal to the name ignoring ASCII case). Values are only strings and booleans, whose equality JSON
//! and every host agree on.

use serde_json::{json, Value};

use super::apply::{check_type, coerce, resolve};
use super::{Op, Operation, Patch};
use crate::path::PathKind;
use crate::quirks::Fired;
use crate::schema::{AttrType, Attribute, Mutability};

/// An attribute whose writes the engine allows whatever the document holds (no readOnly or immutable refusal).
fn writable(def: &Attribute) -> bool {
    matches!(def.mutability, Mutability::ReadWrite | Mutability::WriteOnly)
}

fn simple(def: &Attribute) -> bool {
    def.ty != AttrType::Complex && !def.multi_valued
}

struct Resolver<'a> {
    patch: &'a Patch,
    kind: Option<usize>,
    fired: Fired,
}

impl<'a> Resolver<'a> {
    /// The value a simple attribute `def` will hold, as [`coerce`] reads it: a string or a boolean that passes the
    /// type check, else `None` (the engine decides).
    fn scalar(&mut self, def: &Attribute, value: &Value, op: Op) -> Option<Value> {
        let (v, whole) = coerce(self.patch.options.quirks, &mut self.fired, Some(def), value, op);
        let v = v.into_owned();
        let fits = !whole && matches!(v, Value::String(_) | Value::Bool(_)) && check_type(Some(def), &v, &"").is_ok();
        fits.then_some(v)
    }

    /// The attribute a path names, as the engine's `locate` reads it ([`resolve`]): its extension's schema id and
    /// its definition; `None` for an attribute no schema defines.
    fn locate(&mut self, urn: Option<&str>, name: &str) -> Option<(Option<&'a str>, &'a Attribute)> {
        let schemas = &self.patch.options.schemas;
        let quirks = self.patch.options.quirks;
        match resolve(schemas, quirks, &mut self.fired, self.kind, urn, name) {
            (Some(urn), def) => Some((Some(schemas.schema(urn)?.id.as_str()), def?)),
            (None, def) => Some((None, def?)),
        }
    }

    fn operation(&mut self, operation: &'a Operation, steps: &mut Vec<Value>) -> Option<()> {
        let value = operation.value.as_ref().unwrap_or(&Value::Null);
        let op = operation.op;
        let Some(path) = &operation.path else {
            // Pathless add or replace: each member as the attribute it names (apply.rs `pathless`, `whole`).
            let Value::Object(members) = value else { return None };
            if op == Op::Remove {
                return None;
            }
            for (key, v) in members {
                let schemas = &self.patch.options.schemas;
                if schemas.schema(key).is_some() || !crate::grammar::is_attr_name(key) {
                    return None;
                }
                let (ext, def) = self.locate(None, key)?;
                if !simple(def) || !writable(def) {
                    return None;
                }
                let value = self.scalar(def, v, op)?;
                steps.push(json!(["set", ext, def.name, false, value]));
            }
            return Some(());
        };
        if op == Op::Remove && operation.value.is_some() {
            return None; // a value list (remove_listed)
        }
        let PathKind::Attr { attr, filter, filter_sub_attr } = &path.kind else { return None };
        let (ext, def) = self.locate(attr.urn.as_deref(), &attr.name)?;
        if !writable(def) {
            return None;
        }
        let step = match (filter, &attr.sub_attr) {
            (Some(f), None) => {
                if !def.multi_valued || def.ty != AttrType::Complex {
                    return None;
                }
                let (_, compiled, per_kind) = f.as_ref();
                let slot = if *per_kind { self.kind.map_or(0, |k| k + 1) } else { 0 };
                let mut plan = String::new();
                crate::filter::plan::element_plan(compiled, &mut plan);
                match (op, filter_sub_attr) {
                    (Op::Remove, None) if !def.required => json!(["fdel", ext, def.name, plan, slot]),
                    (Op::Add | Op::Replace, Some(sub)) => {
                        let sd = def.sub_attribute(sub).filter(|sd| simple(sd) && writable(sd))?;
                        let value = self.scalar(sd, value, Op::Add)?;
                        json!(["fsub", ext, def.name, sd.name, plan, slot, value])
                    }
                    _ => return None,
                }
            }
            (Some(_), Some(_)) => return None,
            (None, Some(sub)) => {
                if def.multi_valued || def.ty != AttrType::Complex {
                    return None;
                }
                let sd = def.sub_attribute(sub).filter(|sd| simple(sd) && writable(sd))?;
                if op == Op::Remove {
                    if def.required || sd.required {
                        return None;
                    }
                    json!(["subdel", ext, def.name, sd.name])
                } else {
                    let value = self.scalar(sd, value, Op::Add)?;
                    json!(["sub", ext, def.name, sd.name, value])
                }
            }
            (None, None) => {
                if !simple(def) {
                    return None;
                }
                if op == Op::Remove {
                    if def.required {
                        return None;
                    }
                    json!(["del", ext, def.name, true])
                } else {
                    let value = self.scalar(def, value, op)?;
                    json!(["set", ext, def.name, true, value])
                }
            }
        };
        steps.push(step);
        Some(())
    }
}

impl Patch {
    /// The request's steps for a resource of type `kind` (an index into the schemas' resource types; `None` for
    /// none), as JSON text in the shape of this module's documentation, or `None` when the engine has to apply it.
    /// Not a stable API: it follows the engine, for the bindings of this repository.
    #[doc(hidden)]
    pub fn host_steps(&self, kind: Option<usize>) -> Option<String> {
        let mut r = Resolver { patch: self, kind, fired: self.fired };
        let mut steps = Vec::with_capacity(self.operations.len());
        for operation in &self.operations {
            r.operation(operation, &mut steps)?;
        }
        Some(json!({"fired": r.fired.names(), "ops": steps}).to_string())
    }

    /// The resource types' core schema URNs and the index of the type assumed for a resource that lists none
    /// (`Options::resource_type`, -1 for none), as JSON text `[default, urn…]`: how a binding works out the `kind`
    /// of [`Patch::host_steps`] (`Schemas::kind_of`).
    #[doc(hidden)]
    pub fn host_kinds(&self) -> String {
        let types = self.options.schemas.resource_types();
        let mut list = vec![Value::from(self.options.resource_type.map_or(-1, |k| k as i64))];
        list.extend(types.iter().map(|t| Value::String(t.schema.clone())));
        Value::Array(list).to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Options, Patch, Quirks};
    use serde_json::{json, Value};

    fn steps(ops: Value, quirks: &str) -> Option<Value> {
        let options = Options::new().with_quirks(Quirks::preset(quirks).unwrap());
        let request = json!({"schemas": [super::super::PATCH_OP], "Operations": ops});
        let patch = Patch::parse_with(&request, &options).unwrap();
        // The User resource type is the first of the built-in schemas.
        patch.host_steps(Some(0)).map(|s| serde_json::from_str(&s).unwrap())
    }

    #[test]
    fn the_workload_user_update_resolves_to_five_steps() {
        let s = steps(
            json!([
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com"},
                {"op": "replace", "path": "name.givenname", "value": "Babs"},
                {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                 "value": "Finance"},
                {"op": "replace", "path": "active", "value": "False"},
                {"op": "remove", "path": "phoneNumbers[type eq \"work\"]"}
            ]),
            "entra",
        )
        .unwrap();
        let ops = s["ops"].as_array().unwrap();
        assert_eq!(ops.len(), 5);
        assert_eq!(ops[0][0], "fsub");
        assert_eq!(
            (&ops[0][2], &ops[0][3], &ops[0][6]),
            (&json!("emails"), &json!("value"), &json!("new@example.com"))
        );
        assert_eq!(ops[1], json!(["sub", null, "name", "givenName", "Babs"]));
        assert_eq!(
            ops[2],
            json!(["set", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "department", true, "Finance"])
        );
        // The Entra boolean string, read as the boolean it means, and the tolerance recorded.
        assert_eq!(ops[3], json!(["set", null, "active", true, false]));
        assert_eq!(ops[4][0], "fdel");
        // The tolerances are those the engine reports for the same request.
        let options = Options::new().with_quirks(Quirks::preset("entra").unwrap());
        let request = json!({"schemas": [super::super::PATCH_OP], "Operations": [
            {"op": "replace", "path": "active", "value": "False"}]});
        let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x"});
        let fired = Patch::parse_with(&request, &options).unwrap().apply(&mut user).unwrap().quirks_fired();
        assert_eq!(s["fired"], json!(fired));
    }

    #[test]
    fn what_the_document_or_the_engine_decides_has_no_steps() {
        let user = |op: Value| steps(json!([op]), "strict");
        // readOnly, immutable-free but required removal, complex and multi-valued wholes, value lists, numbers.
        assert!(user(json!({"op": "replace", "path": "id", "value": "x"})).is_none());
        assert!(user(json!({"op": "remove", "path": "userName"})).is_none());
        assert!(user(json!({"op": "replace", "path": "name", "value": {"givenName": "x"}})).is_none());
        assert!(user(json!({"op": "add", "path": "emails", "value": [{"value": "a@b"}]})).is_none());
        assert!(user(json!({"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "a"}})).is_none());
        assert!(user(json!({"op": "replace", "path": "emails.value", "value": "a"})).is_none());
        assert!(user(json!({"op": "replace", "path": "active", "value": "yes"})).is_none());
        assert!(user(json!({"op": "replace", "path": "nickName", "value": 3})).is_none());
        assert!(user(json!({"op": "replace", "path": "noSuchAttribute", "value": "x"})).is_none());
        assert!(user(json!({"op": "replace", "value": {"name.givenName": "x"}})).is_none());
        // and what it resolves
        assert_eq!(
            user(json!({"op": "replace", "value": {"displayName": "x", "ACTIVE": true}})).unwrap()["ops"],
            json!([["set", null, "active", false, true], ["set", null, "displayName", false, "x"]])
        );
    }
}
