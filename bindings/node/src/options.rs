//! The options object of `new Filter(text, options)`, `new Patch(request, options)` and `new Path(text, options)`,
//! handed over as JSON text (construction is not a hot path) and read into core [`Options`].
//!
//! ```json
//! {"quirks": "entra" | {"preset": "entra", "on": ["unquoted_values"], "off": ["remove_value_list"]},
//!  "schemas": [<RFC 7643 Schema resources>], "resourceType": "User",
//!  "limits": {"maxFilterLength": 262144, "maxDepth": 64, "maxPathLength": 8192, "maxOperations": 10000,
//!             "maxValues": 100000, "maxDocumentDepth": 128}}
//! ```

use scim_expr::{Limits, Options, Quirks, Schemas};
use serde_json::Value;

/// A mistake in the options object itself: the binding throws it as a `TypeError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misuse(pub String);

/// What reading the options can fail with: misuse of the API, or a core error (an unknown tolerance or resource
/// type, a Schema resource the core refuses).
#[derive(Debug)]
pub enum OptionsError {
    Misuse(Misuse),
    Scim(scim_expr::Error),
}

impl From<scim_expr::Error> for OptionsError {
    fn from(e: scim_expr::Error) -> OptionsError {
        OptionsError::Scim(e)
    }
}

fn misuse(msg: impl Into<String>) -> OptionsError {
    OptionsError::Misuse(Misuse(msg.into()))
}

const KEYS: &[&str] = &["quirks", "schemas", "resourceType", "limits"];
const LIMITS: &[&str] =
    &["maxFilterLength", "maxDepth", "maxPathLength", "maxOperations", "maxValues", "maxDocumentDepth"];

/// The tolerances `spec` names: a preset name, or `{preset, on, off}`.
pub fn quirks(spec: &Value) -> Result<Quirks, OptionsError> {
    let (preset, on, off) = match spec {
        Value::String(name) => (name.as_str(), None, None),
        Value::Object(map) => {
            if let Some(k) = map.keys().find(|k| !["preset", "on", "off"].contains(&k.as_str())) {
                return Err(misuse(format!("options.quirks has no key \"{k}\" (preset, on, off)")));
            }
            let preset = match map.get("preset") {
                None => "strict",
                Some(Value::String(s)) => s.as_str(),
                Some(_) => return Err(misuse("options.quirks.preset must be a string")),
            };
            (preset, map.get("on"), map.get("off"))
        }
        _ => return Err(misuse("options.quirks must be a preset name or {preset, on, off}")),
    };
    let mut quirks = Quirks::preset(preset)
        .ok_or_else(|| misuse(format!("unknown quirks preset \"{preset}\" (strict, entra, okta, lenient)")))?;
    for (list, state, key) in [(on, true, "on"), (off, false, "off")] {
        let Some(list) = list else { continue };
        let names = list.as_array().ok_or_else(|| misuse(format!("options.quirks.{key} must be an array")))?;
        for name in names {
            let name = name.as_str().ok_or_else(|| misuse(format!("options.quirks.{key} holds names (strings)")))?;
            quirks.set(name, state)?;
        }
    }
    Ok(quirks)
}

fn limits(spec: &Value) -> Result<Limits, OptionsError> {
    let map = spec.as_object().ok_or_else(|| misuse("options.limits must be an object"))?;
    let mut l = Limits::new();
    for (key, value) in map {
        if !LIMITS.contains(&key.as_str()) {
            return Err(misuse(format!("options.limits has no key \"{key}\" ({})", LIMITS.join(", "))));
        }
        let n = value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| misuse(format!("options.limits.{key} must be a non-negative integer")))?;
        l = match key.as_str() {
            "maxFilterLength" => l.with_max_filter_length(n),
            "maxDepth" => l.with_max_depth(n),
            "maxPathLength" => l.with_max_path_length(n),
            "maxOperations" => l.with_max_operations(n),
            "maxValues" => l.with_max_values(n),
            _ => l.with_max_document_depth(n),
        };
    }
    Ok(l)
}

/// Reads the whole options object (`null` means the defaults).
pub fn options(spec: &Value) -> Result<Options, OptionsError> {
    let map = match spec {
        Value::Null => return Ok(Options::new()),
        Value::Object(map) => map,
        _ => return Err(misuse("options must be an object")),
    };
    if let Some(k) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(misuse(format!("options has no key \"{k}\" ({})", KEYS.join(", "))));
    }
    let mut options = Options::new();
    if let Some(q) = map.get("quirks").filter(|v| !v.is_null()) {
        options = options.with_quirks(quirks(q)?);
    }
    if let Some(s) = map.get("schemas").filter(|v| !v.is_null()) {
        options = options.with_schemas(Schemas::from_json(s)?);
    }
    if let Some(l) = map.get("limits").filter(|v| !v.is_null()) {
        options = options.with_limits(limits(l)?);
    }
    match map.get("resourceType") {
        None | Some(Value::Null) => {}
        Some(Value::String(rt)) => options = options.with_resource_type(rt)?,
        Some(_) => return Err(misuse("options.resourceType must be a string")),
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_presets_and_single_tolerances() {
        let q = quirks(&json!({"preset": "entra", "off": ["remove_value_list"], "on": ["unquoted_values"]})).unwrap();
        assert_eq!(q.get("remove_value_list"), Some(false));
        assert_eq!(q.get("unquoted_values"), Some(true));
        assert_eq!(q.get("boolean_strings"), Some(true));
        assert_eq!(quirks(&json!("Okta")).unwrap(), Quirks::okta());
    }

    #[test]
    fn refuses_misuse_and_unknown_names() {
        assert!(matches!(quirks(&json!("azure")), Err(OptionsError::Misuse(_))));
        assert!(matches!(quirks(&json!({"on": ["nope"]})), Err(OptionsError::Scim(_))));
        assert!(matches!(options(&json!({"quirk": "entra"})), Err(OptionsError::Misuse(_))));
        assert!(matches!(options(&json!({"limits": {"maxDepth": -1}})), Err(OptionsError::Misuse(_))));
        assert!(matches!(options(&json!({"resourceType": "Printer"})), Err(OptionsError::Scim(_))));
    }

    #[test]
    fn reads_limits_and_resource_type() {
        let o =
            options(&json!({"limits": {"maxDocumentDepth": 8, "maxOperations": 2}, "resourceType": "User"})).unwrap();
        assert_eq!((o.limits().max_document_depth, o.limits().max_operations), (8, 2));
        assert!(options(&Value::Null).is_ok());
    }
}
