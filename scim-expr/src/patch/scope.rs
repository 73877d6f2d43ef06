//! Which top-level members of a resource a request can read or change, so that a caller holding resources in
//! another form (a binding's host objects, a row with one column per attribute) converts only those, applies the
//! request to the part, and keeps every other member as it was.
//!
//! The engine reaches a resource's members in three ways only: by attribute name (an unqualified or core-schema-
//! qualified path, or a pathless value's key), through an extension object (the member keyed by the URN of a
//! path, or by a schema's id), and through `schemas` (the resource type, and the URNs listed when an extension
//! object appears or empties). The reach keeps the names and URNs the request writes, and always includes
//! `schemas` and every member keyed like a URN or a schema id (a tolerance such as `unqualified_extension` may
//! lead an unqualified name into one).

use serde_json::Value;

use super::Operation;
use crate::path::PathKind;
use crate::{Options, Path};

/// The attribute names a request reaches, or every member when a value cannot be read that way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    Everything,
    Names(Vec<String>),
}

impl Reach {
    pub fn of(operations: &[Operation], options: &Options) -> Reach {
        let mut names = Vec::new();
        for operation in operations {
            let complete = match &operation.path {
                Some(path) => {
                    named(path, options, &mut names);
                    true
                }
                None => pathless(operation.value.as_ref(), options, &mut names),
            };
            if !complete {
                return Reach::Everything;
            }
        }
        names.sort_unstable();
        names.dedup();
        Reach::Names(names)
    }

    pub fn includes(&self, key: &str, options: &Options) -> bool {
        match self {
            Reach::Everything => true,
            Reach::Names(names) => {
                key.eq_ignore_ascii_case("schemas")
                    || key.contains(':')
                    || options.schemas.schema(key).is_some()
                    || names.iter().any(|n| n.eq_ignore_ascii_case(key))
            }
        }
    }
}

/// The top-level member a path names: the attribute, or for a path qualified by any other URN than a core
/// schema's, the member keyed by that URN (the engine takes it for the extension object, whatever the URN is).
fn named(path: &Path, options: &Options, names: &mut Vec<String>) {
    match &path.kind {
        PathKind::Schema(urn) => names.push(urn.to_ascii_lowercase()),
        PathKind::Attr { attr, .. } => match attr.urn.as_deref() {
            Some(urn) if !options.schemas.is_core_schema(urn) => names.push(urn.to_ascii_lowercase()),
            _ => names.push(attr.name.to_ascii_lowercase()),
        },
    }
}

/// A pathless add or replace: each member of the value names its target, as the engine reads it. Returns false
/// for a value it cannot read (the engine refuses it, with an error that does not depend on the resource).
fn pathless(value: Option<&Value>, options: &Options, names: &mut Vec<String>) -> bool {
    let Some(Value::Object(members)) = value else { return false };
    for key in members.keys() {
        if options.schemas.schema(key).is_some_and(|s| !options.schemas.is_core_schema(&s.id)) {
            names.push(key.to_ascii_lowercase());
            continue;
        }
        if crate::grammar::is_attr_name(key) {
            names.push(key.to_ascii_lowercase());
            continue;
        }
        match Path::parse_with(key, options) {
            Ok(path) => named(&path, options, names),
            Err(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use crate::{Options, Patch, Quirks};

    /// Applies `ops` to the whole `doc` and to its touched part; both must agree once the part is put back.
    fn agree(ops: Value, doc: &Value, quirks: &str) {
        let request = json!({"schemas": [crate::patch::PATCH_OP], "Operations": ops});
        let options = Options::new().with_quirks(Quirks::preset(quirks).unwrap_or_default());
        let Ok(patch) = Patch::parse_with(&request, &options) else { return };
        let mut whole = doc.clone();
        let whole_result = patch.apply(&mut whole).map(|o| o.changed()).map_err(|e| e.to_string());
        let members = doc.as_object().cloned().unwrap_or_default();
        let mut part: Value =
            members.iter().filter(|(k, _)| patch.touches(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        let part_result = patch.apply(&mut part).map(|o| o.changed()).map_err(|e| e.to_string());
        assert_eq!(whole_result, part_result, "{request}");
        if whole_result.is_ok() {
            let mut merged: Map<String, Value> = members.into_iter().filter(|(k, _)| !patch.touches(k)).collect();
            merged.extend(part.as_object().cloned().unwrap_or_default());
            assert_eq!(Value::Object(merged), whole, "{request}");
        }
    }

    #[test]
    fn the_touched_part_gives_the_whole_result() {
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": "bjensen", "Name": {"givenName": "Barbara"}, "title": "Tour Guide",
            "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tours"},
            "custom": {"x": 1}, "urn:example:custom": {"x": 1}
        });
        let cases = [
            (json!([{"op": "replace", "path": "name.givenName", "value": "Babs"}]), "strict"),
            // Any URN qualifying a path other than a core schema's names the member keyed by it, even one no schema
            // defines (a URI's prefix always holds a `:`, so `name:givenName` is no path at all).
            (json!([{"op": "replace", "path": "urn:example:custom:x", "value": 2}]), "strict"),
            (json!([{"op": "replace", "path": "URN:EXAMPLE:CUSTOM:y", "value": 3}]), "lenient"),
            (json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}]), "strict"),
            (
                json!([{"op": "add", "value": {"title": "Boss", "name.familyName": "Jensen",
                     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": {"value": "m"}}}]),
                "entra",
            ),
            (json!([{"op": "add", "path": "department", "value": "Ops"}]), "lenient"),
            (json!([{"op": "replace", "value": "not an object"}]), "strict"),
            (
                json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "n@example.com"},
                    {"op": "remove", "path": "title"}]),
                "strict",
            ),
        ];
        for (ops, quirks) in cases {
            agree(ops, &user, quirks);
        }
    }

    #[test]
    fn untouched_members_are_named_and_not_touched() {
        let request = json!({"schemas": [crate::patch::PATCH_OP],
                             "Operations": [{"op": "add", "path": "members", "value": [{"value": "1"}]}]});
        let patch = Patch::parse(&request).unwrap_or_else(|e| panic!("{e}"));
        assert!(patch.touches("members") && patch.touches("MEMBERS") && patch.touches("schemas"));
        assert!(patch.touches("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
        assert!(!patch.touches("displayName") && !patch.touches("id") && !patch.touches("meta"));
        let pathless = Patch::parse(&json!({"schemas": [crate::patch::PATCH_OP],
                                            "Operations": [{"op": "replace", "value": 5}]}));
        assert!(pathless.is_ok_and(|p| p.touches("displayName")), "a value the engine cannot read reaches everything");
    }
}
