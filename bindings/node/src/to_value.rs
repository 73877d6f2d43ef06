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
    convert(js, v, Limit { depth: max_depth, shown: max_depth }, &mut ancestors)
}

/// How deep containers may nest, and the `limits.maxDocumentDepth` a message names (a request's envelope adds
/// levels above the values the limit is about).
#[derive(Debug, Clone, Copy)]
struct Limit {
    depth: usize,
    shown: usize,
}

/// A PATCH request, copied like [`to_value`] with `envelope` more levels allowed than `max_depth`; a failure
/// inside `Operations[i]` also names operation `i`.
pub fn request_to_value(js: Js, v: Raw, max_depth: usize, envelope: usize) -> Result<Value, (DocError, Option<usize>)> {
    let limit = Limit { depth: max_depth.saturating_add(envelope), shown: max_depth };
    let plain = |e| (e, None);
    if js.kind(v).map_err(|e| plain(e.into()))? != Kind::Object || js.is_array(v).map_err(|e| plain(e.into()))? {
        return convert(js, v, limit, &mut Vec::new()).map_err(plain);
    }
    let mut ancestors = vec![v];
    let keys = js.keys(v).map_err(|e| plain(e.into()))?;
    let mut map = Map::new();
    for i in 0..js.array_len(keys).map_err(|e| plain(e.into()))? {
        let (name, value) = member(js, v, keys, i).map_err(plain)?;
        let is_ops = name.eq_ignore_ascii_case("Operations") && js.is_array(value).map_err(|e| plain(e.into()))?;
        let converted = if is_ops {
            operations(js, value, limit, &mut ancestors).map_err(|(e, op)| (e.within(|| segment(&name)), op))?
        } else {
            convert(js, value, limit, &mut ancestors).map_err(|e| plain(e.within(|| segment(&name))))?
        };
        map.insert(name, converted);
    }
    Ok(Value::Object(map))
}

fn operations(js: Js, ops: Raw, limit: Limit, ancestors: &mut Vec<Raw>) -> Result<Value, (DocError, Option<usize>)> {
    ancestors.push(ops);
    let len = js.array_len(ops).map_err(|e| (e.into(), None))?;
    let mut items = Vec::with_capacity(len as usize);
    for i in 0..len {
        let op = js.element(ops, i).map_err(|e| (e.into(), None))?;
        let index = i as usize;
        items.push(convert(js, op, limit, ancestors).map_err(|e| (e.within(|| format!("[{i}]")), Some(index)))?);
    }
    ancestors.pop();
    Ok(Value::Array(items))
}

/// Key `i` of `keys` and its value in `obj`.
fn member(js: Js, obj: Raw, keys: Raw, i: u32) -> Result<(String, Raw), DocError> {
    let key = js.element(keys, i)?;
    let name = js.string(key)?.ok_or_else(lone_surrogate)?;
    Ok((name, js.get(obj, key)?))
}

fn convert(js: Js, v: Raw, limit: Limit, ancestors: &mut Vec<Raw>) -> Result<Value, DocError> {
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
    if ancestors.len() >= limit.depth {
        return Err(too_deep(js, v, limit.shown, ancestors)?);
    }
    ancestors.push(v);
    let out = if js.is_array(v)? {
        let len = js.array_len(v)?;
        let mut items = Vec::with_capacity(len as usize);
        for i in 0..len {
            let item = js.element(v, i)?;
            items.push(convert(js, item, limit, ancestors).map_err(|e| e.within(|| format!("[{i}]")))?);
        }
        Value::Array(items)
    } else {
        let keys = js.keys(v)?;
        let mut map = Map::new();
        for i in 0..js.array_len(keys)? {
            let (name, value) = member(js, v, keys, i)?;
            let value = convert(js, value, limit, ancestors).map_err(|e| e.within(|| segment(&name)))?;
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
