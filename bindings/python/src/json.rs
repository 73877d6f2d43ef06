//! JSON-text arguments (`str` or `bytes`) parsed to `serde_json::Value`, with errors pointing into the text.

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use scim_expr::{Error, ErrorKind};
use serde_json::Value;

use crate::errors::scim_error;
use crate::text::parse_json;

/// The UTF-8 bytes of a `str` or `bytes` argument. A `str` with a lone surrogate is `document.invalid_utf8` at
/// that code point.
pub fn text_bytes<'a>(py: Python<'_>, text: &'a Bound<'_, PyAny>, what: &str) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = text.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = text.cast::<PyString>() {
        return match s.to_cow() {
            Ok(Cow::Borrowed(s)) => Ok(Cow::Borrowed(s.as_bytes())),
            Ok(Cow::Owned(s)) => Ok(Cow::Owned(s.into_bytes())),
            Err(_) => {
                // Encode with surrogatepass: the bytes up to the surrogate are valid, so its index is exact.
                let raw = s.call_method1("encode", ("utf-8", "surrogatepass"))?;
                let raw = raw.cast::<PyBytes>()?.as_bytes();
                let at = std::str::from_utf8(raw).err().map_or(0, |e| e.valid_up_to());
                let err =
                    Error::document(ErrorKind::InvalidUtf8, format!("{what} holds a lone surrogate")).with_position(at);
                Err(scim_error(py, &err, Some(raw), None))
            }
        };
    }
    Err(PyTypeError::new_err(format!("{what} must be str or bytes, not {}", crate::node::type_name(text))))
}

/// JSON text given as `str` or `bytes`, parsed.
pub fn json_arg(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Value> {
    let bytes = text_bytes(py, text, "the JSON text")?;
    parse_json(&bytes).map_err(|e| scim_error(py, &e, Some(&bytes), None))
}
