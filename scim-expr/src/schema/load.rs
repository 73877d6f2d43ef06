//! Reading RFC 7643 §7 Schema and §6 ResourceType resources from JSON.

use serde_json::{Map, Value};

use super::{AttrType, Attribute, Mutability, ResourceType, Returned, Schema, Schemas, Uniqueness};
use crate::error::{json_type, Domain, Error, ErrorKind};

const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

fn invalid(message: String) -> Error {
    Error::new(Domain::Schema, ErrorKind::InvalidSchema, None, message)
}

pub(super) fn add_json(schemas: &mut Schemas, json: &Value) -> Result<(), Error> {
    match json {
        Value::Array(items) => items.iter().try_for_each(|item| add_json(schemas, item)),
        Value::Object(obj) if obj.contains_key("Resources") => match obj.get("Resources") {
            Some(Value::Array(items)) => items.iter().try_for_each(|item| add_json(schemas, item)),
            _ => Err(invalid("a ListResponse's \"Resources\" must be an array".into())),
        },
        Value::Object(obj) if is_resource_type(obj) => {
            schemas.add_resource_type(resource_type(obj)?);
            Ok(())
        }
        Value::Object(obj) => {
            schemas.add_schema(schema(obj)?);
            Ok(())
        }
        other => Err(invalid(format!("expected a Schema resource (a JSON object), found {}", json_type(other)))),
    }
}

fn is_resource_type(obj: &Map<String, Value>) -> bool {
    let listed = matches!(obj.get("schemas"), Some(Value::Array(s))
        if s.iter().any(|v| v.as_str().is_some_and(|u| u.eq_ignore_ascii_case(RESOURCE_TYPE_URN))));
    listed || (obj.contains_key("schema") && !obj.contains_key("attributes"))
}

fn text<'a>(obj: &'a Map<String, Value>, key: &str, what: &str) -> Result<Option<&'a str>, Error> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(invalid(format!("{what}: \"{key}\" must be a string, found {}", json_type(other)))),
    }
}

fn flag(obj: &Map<String, Value>, key: &str, what: &str) -> Result<Option<bool>, Error> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(invalid(format!("{what}: \"{key}\" must be a boolean, found {}", json_type(other)))),
    }
}

fn strings(obj: &Map<String, Value>, key: &str, what: &str) -> Result<Vec<String>, Error> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(invalid(format!("{what}: \"{key}\" must hold strings, found {}", json_type(other)))),
            })
            .collect(),
        Some(other) => Err(invalid(format!("{what}: \"{key}\" must be an array, found {}", json_type(other)))),
    }
}

fn schema(obj: &Map<String, Value>) -> Result<Schema, Error> {
    let id = text(obj, "id", "Schema")?.ok_or_else(|| invalid("a Schema resource needs an \"id\" (its URN)".into()))?;
    let what = format!("Schema {id}");
    let name =
        text(obj, "name", &what)?.map_or_else(|| id.rsplit(':').next().unwrap_or(id).to_string(), str::to_string);
    let attributes = match obj.get("attributes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(|a| attribute(a, &what, 0)).collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(invalid(format!("{what}: \"attributes\" must be an array, found {}", json_type(other))))
        }
    };
    Ok(Schema { id: id.to_string(), name, attributes })
}

fn attribute(json: &Value, parent: &str, depth: usize) -> Result<Attribute, Error> {
    let Value::Object(obj) = json else {
        return Err(invalid(format!("{parent}: an attribute definition must be an object, found {}", json_type(json))));
    };
    let name = text(obj, "name", parent)?.ok_or_else(|| invalid(format!("{parent}: an attribute has no \"name\"")))?;
    let what = format!("{parent}, attribute {name}");
    let ty = match text(obj, "type", &what)? {
        None => AttrType::String,
        Some(t) => parse_type(t).ok_or_else(|| invalid(format!("{what}: unknown type \"{t}\"")))?,
    };
    let mut a = Attribute::new(name, ty);
    a.multi_valued = flag(obj, "multiValued", &what)?.unwrap_or(false);
    a.required = flag(obj, "required", &what)?.unwrap_or(false);
    a.case_exact = flag(obj, "caseExact", &what)?.unwrap_or(false);
    if let Some(m) = text(obj, "mutability", &what)? {
        a.mutability = match m {
            "readOnly" => Mutability::ReadOnly,
            "readWrite" => Mutability::ReadWrite,
            "immutable" => Mutability::Immutable,
            "writeOnly" => Mutability::WriteOnly,
            other => return Err(invalid(format!("{what}: unknown mutability \"{other}\""))),
        };
    }
    if let Some(r) = text(obj, "returned", &what)? {
        a.returned = match r {
            "always" => Returned::Always,
            "never" => Returned::Never,
            "default" => Returned::Default,
            "request" => Returned::Request,
            other => return Err(invalid(format!("{what}: unknown returned \"{other}\""))),
        };
    }
    if let Some(u) = text(obj, "uniqueness", &what)? {
        a.uniqueness = match u {
            "none" => Uniqueness::None,
            "server" => Uniqueness::Server,
            "global" => Uniqueness::Global,
            other => return Err(invalid(format!("{what}: unknown uniqueness \"{other}\""))),
        };
    }
    a.canonical_values = strings(obj, "canonicalValues", &what)?;
    a.reference_types = strings(obj, "referenceTypes", &what)?;
    match obj.get("subAttributes") {
        None | Some(Value::Null) => {}
        // RFC 7643 §2.3.8: a complex attribute's sub-attributes are not complex themselves.
        Some(Value::Array(_)) if depth > 0 => {
            return Err(invalid(format!("{what}: sub-attributes cannot have sub-attributes (RFC 7643 §2.3.8)")))
        }
        Some(Value::Array(items)) => {
            a.sub_attributes = items.iter().map(|s| attribute(s, &what, depth + 1)).collect::<Result<_, _>>()?;
        }
        Some(other) => {
            return Err(invalid(format!("{what}: \"subAttributes\" must be an array, found {}", json_type(other))))
        }
    }
    Ok(a)
}

fn parse_type(t: &str) -> Option<AttrType> {
    [
        AttrType::String,
        AttrType::Boolean,
        AttrType::Decimal,
        AttrType::Integer,
        AttrType::DateTime,
        AttrType::Binary,
        AttrType::Reference,
        AttrType::Complex,
    ]
    .into_iter()
    .find(|ty| ty.as_str().eq_ignore_ascii_case(t))
}

fn resource_type(obj: &Map<String, Value>) -> Result<ResourceType, Error> {
    let schema = text(obj, "schema", "ResourceType")?
        .ok_or_else(|| invalid("a ResourceType resource needs a \"schema\"".into()))?;
    let name = text(obj, "name", "ResourceType")?.or(text(obj, "id", "ResourceType")?).unwrap_or(schema);
    let extensions = match obj.get("schemaExtensions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|e| match e.get("schema") {
                Some(Value::String(s)) => Ok(s.clone()),
                _ => {
                    Err(invalid(format!("ResourceType {name}: each schemaExtensions entry needs a \"schema\" string")))
                }
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(invalid(format!(
                "ResourceType {name}: \"schemaExtensions\" must be an array, found {}",
                json_type(other)
            )))
        }
    };
    Ok(ResourceType { name: name.to_string(), schema: schema.to_string(), extensions })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loads_a_list_response_of_schemas_and_resource_types() {
        let mut s = Schemas::builtin();
        s.add_json(&json!({"Resources": [
            {"id": "urn:ex:Device", "name": "Device", "attributes": [
                {"name": "ports", "type": "integer", "multiValued": true},
                {"name": "owner", "type": "complex", "subAttributes": [{"name": "value", "caseExact": true}]}]},
            {"id": "urn:ex:DeviceExt", "name": "DeviceExt", "attributes": [{"name": "rack"}]},
            {"schemas": [RESOURCE_TYPE_URN], "name": "Device", "schema": "urn:ex:Device",
             "schemaExtensions": [{"schema": "urn:ex:DeviceExt", "required": false}]}
        ]}))
        .unwrap();
        let rt = s.resource_type("device").unwrap();
        assert_eq!(rt.extensions, vec!["urn:ex:DeviceExt".to_string()]);
        assert!(s.resource_type("DeviceExt").is_none(), "an extension is not a resource type");
        let d = s.schema("URN:EX:DEVICE").unwrap();
        assert!(d.attribute("ports").unwrap().multi_valued);
        assert!(d.attribute("owner").unwrap().sub_attribute("value").unwrap().case_exact);
    }

    #[test]
    fn rejects_malformed_schemas_with_a_reason() {
        let cases = [
            (json!(5), "found a number"),
            (json!({"name": "x"}), "needs an \"id\""),
            (json!({"id": "urn:x", "attributes": [{"name": "a", "type": "text"}]}), "unknown type \"text\""),
            (json!({"id": "urn:x", "attributes": [{"name": "a", "caseExact": "yes"}]}), "must be a boolean"),
            (
                json!({"id": "urn:x", "attributes": [{"name": "a", "type": "complex",
                    "subAttributes": [{"name": "b", "type": "complex", "subAttributes": []}]}]}),
                "RFC 7643 §2.3.8",
            ),
        ];
        for (json, needle) in cases {
            let err = Schemas::builtin().add_json(&json).unwrap_err();
            assert_eq!(err.code(), "schema.invalid_schema");
            assert!(err.message().contains(needle), "{} lacks {needle}", err.message());
        }
    }
}
