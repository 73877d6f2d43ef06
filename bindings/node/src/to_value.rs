//! Strategy (b): a JavaScript value copied into a `serde_json::Value`, as `JSON.stringify` would read it but
//! stricter: `undefined`, functions, symbols, BigInt, NaN, Infinity and lone surrogates are errors rather than
//! silently dropped or changed. Nesting is bounded (`Limits::max_document_depth`), so neither a cycle nor a
//! 100,000-deep object can exhaust the stack.

use scim_expr::{ErrorKind, Num};
use serde_json::{Map, Number, Value};

use crate::doc::{lone_surrogate, not_json, num, DocError};
use crate::js::{Js, Kind, Raw};

/// Copies `v`; containers nested deeper than `max_depth` are an error (`document.cyclic` when the cause is an
/// object that contains itself).
pub fn to_value(js: Js, v: Raw, max_depth: usize) -> Result<Value, DocError> {
    let mut ancestors = Vec::new();
    convert(js, v, max_depth, &mut ancestors)
}

fn convert(js: Js, v: Raw, max_depth: usize, ancestors: &mut Vec<Raw>) -> Result<Value, DocError> {
    let kind = js.kind(v)?;
    if let Some(what) = not_json(kind) {
        return Err(DocError::bad(ErrorKind::NotJson, what));
    }
    match kind {
        Kind::Null => return Ok(Value::Null),
        Kind::Bool => return Ok(Value::Bool(js.bool(v)?)),
        Kind::Number => {
            return Ok(Value::Number(match num(js.number(v)?)? {
                Num::Int(i) => Number::from(i),
                Num::UInt(u) => Number::from(u),
                Num::Float(f) => Number::from_f64(f).unwrap_or_else(|| Number::from(0)),
            }))
        }
        Kind::String => return Ok(Value::String(js.string(v)?.ok_or_else(lone_surrogate)?)),
        _ => {}
    }
    if let Some(ms) = js.date(v)? {
        return crate::date::iso(ms)
            .map(Value::String)
            .ok_or_else(|| DocError::bad(ErrorKind::NotJson, "an invalid Date"));
    }
    if ancestors.len() >= max_depth {
        return Err(too_deep(js, v, max_depth, ancestors)?);
    }
    ancestors.push(v);
    let out = if js.is_array(v)? {
        let len = js.array_len(v)?;
        let mut items = Vec::with_capacity(len as usize);
        for i in 0..len {
            let item = js.element(v, i)?;
            items.push(convert(js, item, max_depth, ancestors).map_err(|e| e.within(|| format!("[{i}]")))?);
        }
        Value::Array(items)
    } else {
        let keys = js.keys(v)?;
        let mut map = Map::new();
        for i in 0..js.array_len(keys)? {
            let key = js.element(keys, i)?;
            let name = js.string(key)?.ok_or_else(lone_surrogate)?;
            let value = js.get(v, key)?;
            let value = convert(js, value, max_depth, ancestors).map_err(|e| e.within(|| segment(&name)))?;
            map.insert(name, value);
        }
        Value::Object(map)
    };
    ancestors.pop();
    Ok(out)
}

fn segment(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
        format!(".{name}")
    } else {
        format!("[{}]", Value::String(name.to_string()))
    }
}

/// Too deep: a cycle when `v` or one of its ancestors appears twice on the way down.
fn too_deep(js: Js, v: Raw, max_depth: usize, ancestors: &[Raw]) -> Result<DocError, DocError> {
    for (i, a) in ancestors.iter().enumerate() {
        if js.same(*a, v)?
            || ancestors.iter().skip(i + 1).try_fold(false, |found, b| Ok::<_, DocError>(found || js.same(*a, *b)?))?
        {
            return Ok(DocError::bad(ErrorKind::Cyclic, "an object that contains itself (a cycle)"));
        }
    }
    Ok(DocError::bad(
        ErrorKind::TooDeep,
        format!("arrays and objects nested deeper than {max_depth} levels (limits.maxDocumentDepth)"),
    ))
}
