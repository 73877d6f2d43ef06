//! Core errors thrown into JavaScript. The native side throws an `Error` carrying the core's fields; `index.js`
//! turns it into a `ScimError` (a JavaScript class). Positions become UTF-16 offsets into the text the error is
//! about.

use scim_expr::Error;

use crate::doc::DocError;
use crate::js::Js;
use crate::options::OptionsError;
use crate::position::utf16_offset;

/// Throws `err`; `text` is the filter, path or JSON text its byte position points into.
pub fn throw(js: Js, err: &Error, text: Option<&str>) -> napi::Error {
    match build(js, err, text) {
        Ok(e) => e,
        Err(e) => e,
    }
}

fn build(js: Js, err: &Error, text: Option<&str>) -> napi::Result<napi::Error> {
    let obj = js.error(err.code(), err.message())?;
    js.set_named(obj, c"scimType", js.str(err.scim_type().as_str())?)?;
    js.set_named(obj, c"status", js.double(f64::from(err.status()))?)?;
    let position = match (err.position(), text) {
        (Some(at), Some(text)) => js.double(utf16_offset(text, at) as f64)?,
        (Some(at), None) => js.double(at as f64)?,
        (None, _) => js.null()?,
    };
    js.set_named(obj, c"position", position)?;
    let operation = match err.operation() {
        Some(i) => js.double(i as f64)?,
        None => js.null()?,
    };
    js.set_named(obj, c"operation", operation)?;
    js.set_named(obj, c"scimBody", js.str(&err.to_json().to_string())?)?;
    Ok(js.throw(obj))
}

/// Throws a document that cannot be read as JSON as a `document.*` ScimError naming where it is.
pub fn throw_doc(js: Js, err: DocError, what: &str) -> napi::Error {
    throw_doc_at(js, err, what, None)
}

/// [`throw_doc`] for a PATCH request whose operation `operation` holds the problem.
pub fn throw_doc_at(js: Js, err: DocError, what: &str, operation: Option<usize>) -> napi::Error {
    match err {
        DocError::Js(e) => e,
        DocError::Bad { kind, what: problem, path } => {
            let at = path.strip_prefix('.').unwrap_or(&path);
            let place = match at.char_indices().nth(120) {
                _ if at.is_empty() => String::new(),
                Some((cut, _)) => format!(" at {}…", at.get(..cut).unwrap_or(at)),
                None => format!(" at {at}"),
            };
            let tail = if kind == scim_expr::ErrorKind::NotJson { ", which JSON cannot represent" } else { "" };
            let e = Error::document(kind, format!("the {what} holds {problem}{place}{tail}"));
            let e = match operation {
                Some(i) => e.with_operation(i),
                None => e,
            };
            throw(js, &e, None)
        }
    }
}

/// Throws an options mistake as a `TypeError`, a core refusal as a `ScimError`.
pub fn throw_options(js: Js, err: OptionsError) -> napi::Error {
    match err {
        OptionsError::Scim(e) => throw(js, &e, None),
        OptionsError::Misuse(m) => match js.type_error(&m.0) {
            Ok(e) => js.throw(e),
            Err(e) => e,
        },
    }
}

/// Throws JSON text that does not parse: `document.invalid_json` (invalidSyntax) at the failing character, or
/// `document.too_deep` when serde_json's nesting limit (128) stopped it.
pub fn throw_json(js: Js, err: &serde_json::Error, text: &str, what: &str) -> napi::Error {
    let msg = err.to_string();
    let parsed = Error::json_text(text, err);
    if parsed.kind() == scim_expr::ErrorKind::TooDeep {
        let e = Error::document(
            scim_expr::ErrorKind::TooDeep,
            format!("the {what} nests arrays and objects deeper than 128 levels"),
        );
        return throw(js, &e, None);
    }
    let e = Error::document(scim_expr::ErrorKind::InvalidJson, format!("the {what} is not JSON: {msg}"))
        .with_position(parsed.position().unwrap_or(text.len()));
    throw(js, &e, Some(text))
}
