//! Strategy (b) for results: a `serde_json::Value` built as JavaScript values. Objects get own data properties
//! (see [`Js::define`]), so a key `__proto__` in a result is data, as `JSON.parse` makes it.

use serde_json::Value;

use crate::js::{Js, Raw};

pub fn from_value(js: Js, v: &Value) -> napi::Result<Raw> {
    match v {
        Value::Null => js.null(),
        Value::Bool(b) => js.boolean(*b),
        // Integers past 2^53 become the nearest double, as JSON.parse reads them.
        Value::Number(n) => js.double(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => js.str(s),
        Value::Array(items) => {
            let arr = js.array(items.len())?;
            for (i, item) in items.iter().enumerate() {
                let item = from_value(js, item)?;
                js.set_element(arr, u32::try_from(i).map_err(|_| napi::Error::from_reason("array too long"))?, item)?;
            }
            Ok(arr)
        }
        Value::Object(map) => {
            let obj = js.object()?;
            let mut props = Vec::with_capacity(map.len());
            for (k, item) in map {
                props.push((js.str(k)?, from_value(js, item)?));
            }
            js.define(obj, &props)?;
            Ok(obj)
        }
    }
}
