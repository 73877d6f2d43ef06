//! Reading documents: a JSON array, a ListResponse, one object, or JSON lines, from a file or standard input.

use std::io::Read;

use serde_json::Value;

use crate::Failure;

pub(crate) fn read_bytes(path: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    let result = if path == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    result.map_err(|e| Failure::Usage(format!("cannot read {path}: {e}")))?;
    Ok(bytes)
}

pub(crate) fn read_json(path: &str) -> Result<Value, Failure> {
    let bytes = read_bytes(path)?;
    serde_json::from_slice(&bytes).map_err(|e| Failure::Usage(format!("{path} is not JSON: {e}")))
}

/// Every document in `path`: the elements of a top-level array, the `Resources` of a ListResponse, or each
/// value of a JSON-lines (or concatenated JSON) file.
pub(crate) fn read_documents(path: &str) -> Result<Vec<Value>, Failure> {
    let bytes = read_bytes(path)?;
    let mut docs = Vec::new();
    for (n, value) in serde_json::Deserializer::from_slice(&bytes).into_iter::<Value>().enumerate() {
        let value = value.map_err(|e| Failure::Usage(format!("{path}: value {} is not JSON: {e}", n + 1)))?;
        match value {
            Value::Array(items) => docs.extend(items),
            Value::Object(mut obj) if obj.get("Resources").is_some_and(Value::is_array) => {
                if let Some(Value::Array(items)) = obj.remove("Resources") {
                    docs.extend(items);
                }
            }
            other => docs.push(other),
        }
    }
    Ok(docs)
}
