//! Strategy (a): filters read JavaScript objects in place through the core's read-only [`Node`] trait, so that
//! `userName eq "x"` touches one property. Only own properties are read: `constructor`, `__proto__` and the
//! like are plain attribute names, never found on a prototype.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};

use scim_expr::overlay::Host;
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

/// The JavaScript strings of the attribute names a filter asks for, made once per native call (a batch over
/// 1,000 users asks for `userName` 1,000 times). A filter names a handful of attributes, so a list will do.
#[derive(Debug, Default)]
pub struct Keys(RefCell<Vec<(String, Raw)>>);

impl Keys {
    fn get(&self, js: Js, name: &str) -> napi::Result<Raw> {
        if let Some((_, key)) = self.0.borrow().iter().find(|(n, _)| n == name) {
            return Ok(*key);
        }
        let key = js.str(name)?;
        self.0.borrow_mut().push((name.to_string(), key));
        Ok(key)
    }
}

/// A JavaScript value read in place.
#[derive(Debug, Clone)]
pub struct JsNode<'k> {
    js: Js,
    v: Raw,
    keys: &'k Keys,
    /// Whether `v` is a non-array object, once asked: a filter of 50 terms asks the same document 50 times.
    record: Cell<Option<bool>>,
    /// `v`'s length when it is an array (`None` when not), once asked: a PATCH reads a group's 10,000 members
    /// one index at a time.
    array: Cell<Option<Option<u32>>>,
    /// `v`'s text when it is a string, once read: a PATCH reads each member's `value` twice (is it null, is it
    /// equal), and copying a string out of V8 is the dearest read.
    text: OnceCell<String>,
    /// `v`'s kind, once asked.
    kind: Cell<Option<Kind>>,
}

impl<'k> JsNode<'k> {
    pub fn new(js: Js, v: Raw, keys: &'k Keys) -> JsNode<'k> {
        JsNode {
            js,
            v,
            keys,
            record: Cell::new(None),
            array: Cell::new(None),
            text: OnceCell::new(),
            kind: Cell::new(None),
        }
    }

    /// The JavaScript value read.
    pub fn raw(&self) -> Raw {
        self.v
    }

    fn array_len(&self) -> napi::Result<Option<u32>> {
        if let Some(known) = self.array.get() {
            return Ok(known);
        }
        let known = if self.js.kind(self.v)? == Kind::Object && self.js.is_array(self.v)? {
            Some(self.js.array_len(self.v)?)
        } else {
            None
        };
        self.array.set(Some(known));
        Ok(known)
    }

    fn at(&self, v: Raw) -> JsNode<'k> {
        JsNode::new(self.js, v, self.keys)
    }

    /// [`JsNode::array_len`] for a value known to be an object (functions and the like excluded).
    fn object_array_len(&self) -> napi::Result<Option<u32>> {
        if let Some(known) = self.array.get() {
            return Ok(known);
        }
        let known = if self.js.is_array(self.v)? { Some(self.js.array_len(self.v)?) } else { None };
        self.array.set(Some(known));
        self.record.set(Some(known.is_none()));
        Ok(known)
    }

    /// The view of a non-array object: a Date as its ISO text, anything else an object.
    fn object_view(&self) -> Result<View<'static>, DocError> {
        Ok(match self.js.date(self.v)? {
            Some(ms) => View::String(Cow::Owned(
                crate::date::iso(ms).ok_or_else(|| DocError::bad(ErrorKind::NotJson, "an invalid Date"))?,
            )),
            None => View::Object,
        })
    }

    fn is_record(&self) -> napi::Result<bool> {
        if let Some(known) = self.record.get() {
            return Ok(known);
        }
        let known = self.js.kind(self.v)? == Kind::Object && !self.js.is_array(self.v)?;
        self.record.set(Some(known));
        Ok(known)
    }
}

pub fn lone_surrogate() -> DocError {
    DocError::bad(ErrorKind::NotJson, "a lone surrogate (a string that is not Unicode text)")
}

impl<'k> Node for JsNode<'k> {
    type Error = DocError;

    fn view(&self) -> Result<View<'_>, DocError> {
        let js = self.js;
        let kind = match self.kind.get() {
            Some(kind) => kind,
            None => {
                let kind = js.kind(self.v)?;
                self.kind.set(Some(kind));
                kind
            }
        };
        if let Some(what) = not_json(kind) {
            return Err(DocError::bad(ErrorKind::NotJson, what));
        }
        Ok(match kind {
            Kind::Null => View::Null,
            Kind::Bool => View::Bool(js.bool(self.v)?),
            Kind::Number => View::Number(num(js.number(self.v)?)?),
            Kind::String => {
                if self.text.get().is_none() {
                    let _ = self.text.set(js.string(self.v)?.ok_or_else(lone_surrogate)?);
                }
                match self.text.get() {
                    Some(text) => View::String(Cow::Borrowed(text.as_str())),
                    None => View::String(Cow::Owned(js.string(self.v)?.ok_or_else(lone_surrogate)?)),
                }
            }
            _ => match self.object_array_len()? {
                Some(len) => View::Array(len as usize),
                None => self.object_view()?,
            },
        })
    }

    fn get(&self, name: &str) -> Result<Option<JsNode<'k>>, DocError> {
        let js = self.js;
        // A Date has no own enumerable properties, so it needs no check here.
        if !self.is_record()? {
            return Ok(None);
        }
        if let Some(v) = js.own(self.v, self.keys.get(js, name)?)? {
            return Ok(Some(self.at(v)));
        }
        // As converting would read it: the smallest key equal to `name` ignoring case.
        let keys = js.keys(self.v)?;
        let mut found: Option<(String, Raw)> = None;
        for i in 0..js.array_len(keys)? {
            let key = js.element(keys, i)?;
            if let Some(k) = js.string(key)?.filter(|k| k.eq_ignore_ascii_case(name)) {
                if found.as_ref().is_none_or(|(f, _)| k < *f) {
                    found = Some((k, key));
                }
            }
        }
        match found {
            Some((_, key)) => Ok(Some(self.at(js.get(self.v, key)?))),
            None => Ok(None),
        }
    }

    fn index(&self, i: usize) -> Result<Option<JsNode<'k>>, DocError> {
        let Some(len) = self.array_len()? else { return Ok(None) };
        match u32::try_from(i) {
            Ok(i) if i < len => Ok(Some(self.at(self.js.element(self.v, i)?))),
            _ => Ok(None),
        }
    }

    fn any_member(&self, f: &mut dyn FnMut(&JsNode<'k>) -> Result<bool, DocError>) -> Result<bool, DocError> {
        let js = self.js;
        if !self.is_record()? || js.date(self.v)?.is_some() {
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

/// What the PATCH engine reads beyond a filter's reads, for `Patch#apply` on a document read in place
/// (`Patch::apply_to`): own enumerable string keys, in `Object.keys` order, as [`Node::any_member`] lists them.
impl<'k> Host for JsNode<'k> {
    fn member(&self, key: &str) -> Result<Option<JsNode<'k>>, DocError> {
        if !self.is_record()? {
            return Ok(None);
        }
        Ok(self.js.own(self.v, self.keys.get(self.js, key)?)?.map(|v| self.at(v)))
    }

    fn members(&self, f: &mut dyn FnMut(&str, JsNode<'k>) -> Result<bool, DocError>) -> Result<(), DocError> {
        let js = self.js;
        if !self.is_record()? || js.date(self.v)?.is_some() {
            return Ok(());
        }
        let keys = js.keys(self.v)?;
        for i in 0..js.array_len(keys)? {
            let key = js.element(keys, i)?;
            let name = js.string(key)?.ok_or_else(lone_surrogate)?;
            if !f(&name, self.at(js.get(self.v, key)?))? {
                break;
            }
        }
        Ok(())
    }

    fn member_count(&self) -> Result<usize, DocError> {
        let js = self.js;
        if !self.is_record()? || js.date(self.v)?.is_some() {
            return Ok(0);
        }
        Ok(js.array_len(js.keys(self.v)?)? as usize)
    }
}
