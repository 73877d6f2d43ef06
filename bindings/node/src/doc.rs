//! Strategy (a): filters read JavaScript objects in place through the core's read-only [`Node`] trait, so that
//! `userName eq "x"` touches one property. Only own properties are read: `constructor`, `__proto__` and the
//! like are plain attribute names, never found on a prototype.

use std::borrow::Cow;

use scim_expr::{ErrorKind, Node, Num, View};

use crate::js::{Js, Kind, Raw};

/// Why a value cannot be read as JSON.
#[derive(Debug)]
pub enum DocError {
    /// A Node-API failure or a pending JavaScript exception (a getter or proxy trap that threw).
    Js(napi::Error),
    /// A value JSON has no form for; `path` says where (`emails[0].value`), built while unwinding.
    Bad { kind: ErrorKind, what: String, path: String },
}

impl From<napi::Error> for DocError {
    fn from(e: napi::Error) -> DocError {
        DocError::Js(e)
    }
}

impl DocError {
    pub fn bad(kind: ErrorKind, what: impl Into<String>) -> DocError {
        DocError::Bad { kind, what: what.into(), path: String::new() }
    }

    /// The same error, one level further out: `segment` is `.name` or `[i]`.
    pub fn within(self, segment: impl FnOnce() -> String) -> DocError {
        match self {
            DocError::Bad { kind, what, path } => DocError::Bad { kind, what, path: segment() + &path },
            js => js,
        }
    }
}

/// A JavaScript number as the core compares it: integers within 2^53 exactly, the rest as doubles.
pub fn num(n: f64) -> Result<Num, DocError> {
    if !n.is_finite() {
        let what = if n.is_nan() {
            "NaN"
        } else if n > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        };
        return Err(DocError::bad(ErrorKind::NotJson, what));
    }
    Ok(if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 { Num::Int(n as i64) } else { Num::Float(n) })
}

/// What a value that is not JSON is called in messages.
pub fn not_json(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Undefined => Some("undefined"),
        Kind::Function => Some("a function"),
        Kind::Symbol => Some("a symbol"),
        Kind::BigInt => Some("a BigInt"),
        Kind::External => Some("an external value"),
        _ => None,
    }
}

/// A JavaScript value read in place.
#[derive(Debug, Clone, Copy)]
pub struct JsNode {
    pub js: Js,
    pub v: Raw,
}

impl JsNode {
    fn at(&self, v: Raw) -> JsNode {
        JsNode { js: self.js, v }
    }
}

pub fn lone_surrogate() -> DocError {
    DocError::bad(ErrorKind::NotJson, "a lone surrogate (a string that is not Unicode text)")
}

impl Node for JsNode {
    type Error = DocError;

    fn view(&self) -> Result<View<'_>, DocError> {
        let js = self.js;
        let kind = js.kind(self.v)?;
        if let Some(what) = not_json(kind) {
            return Err(DocError::bad(ErrorKind::NotJson, what));
        }
        Ok(match kind {
            Kind::Null => View::Null,
            Kind::Bool => View::Bool(js.bool(self.v)?),
            Kind::Number => View::Number(num(js.number(self.v)?)?),
            Kind::String => View::String(Cow::Owned(js.string(self.v)?.ok_or_else(lone_surrogate)?)),
            _ if js.is_array(self.v)? => View::Array(js.array_len(self.v)? as usize),
            _ => match js.date(self.v)? {
                Some(ms) => View::String(Cow::Owned(
                    crate::date::iso(ms).ok_or_else(|| DocError::bad(ErrorKind::NotJson, "an invalid Date"))?,
                )),
                None => View::Object,
            },
        })
    }

    fn get(&self, name: &str) -> Result<Option<JsNode>, DocError> {
        let js = self.js;
        if js.kind(self.v)? != Kind::Object || js.is_array(self.v)? || js.date(self.v)?.is_some() {
            return Ok(None);
        }
        if let Some(v) = js.own(self.v, js.str(name)?)? {
            return Ok(Some(self.at(v)));
        }
        let keys = js.keys(self.v)?;
        for i in 0..js.array_len(keys)? {
            let key = js.element(keys, i)?;
            if js.string(key)?.is_some_and(|k| k.eq_ignore_ascii_case(name)) {
                return Ok(Some(self.at(js.get(self.v, key)?)));
            }
        }
        Ok(None)
    }

    fn index(&self, i: usize) -> Result<Option<JsNode>, DocError> {
        let js = self.js;
        if js.kind(self.v)? != Kind::Object || !js.is_array(self.v)? {
            return Ok(None);
        }
        match u32::try_from(i) {
            Ok(i) if i < js.array_len(self.v)? => Ok(Some(self.at(js.element(self.v, i)?))),
            _ => Ok(None),
        }
    }

    fn any_member(&self, f: &mut dyn FnMut(&JsNode) -> Result<bool, DocError>) -> Result<bool, DocError> {
        let js = self.js;
        if js.kind(self.v)? != Kind::Object || js.is_array(self.v)? || js.date(self.v)?.is_some() {
            return Ok(false);
        }
        let keys = js.keys(self.v)?;
        for i in 0..js.array_len(keys)? {
            let value = js.get(self.v, js.element(keys, i)?)?;
            if f(&self.at(value))? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
