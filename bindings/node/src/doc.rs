//! Strategy (a): filters read JavaScript objects in place through the core's read-only [`Node`] trait, so that
//! `userName eq "x"` touches one property. Only own properties are read: `constructor`, `__proto__` and the
//! like are plain attribute names, never found on a prototype.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::ptr;

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

/// What the nodes of one native call share. The JavaScript strings of the attribute names a filter asks for, made
/// once per call (a batch over 1,000 users asks for `userName` 1,000 times; a filter names a handful of attributes,
/// so a list will do). For `Patch#apply` read in place, also whether the document was checked to be plain JSON
/// data (`plainData` in `index.js`: no Dates, so none is looked for), and the [`Values`] read ahead.
#[derive(Debug, Default)]
pub struct Keys {
    names: RefCell<Vec<(String, Raw)>>,
    plain: bool,
    values: Vec<(String, Values)>,
}

impl Keys {
    /// For a document that `index.js` checked to be plain JSON data, with the `value`s of the elements of its
    /// large top-level arrays read ahead, by key.
    pub fn plain(values: Vec<(String, Values)>) -> Keys {
        Keys { plain: true, values, ..Keys::default() }
    }

    fn get(&self, js: Js, name: &str) -> napi::Result<Raw> {
        if let Some((_, key)) = self.names.borrow().iter().find(|(n, _)| n == name) {
            return Ok(*key);
        }
        let key = js.str(name)?;
        self.names.borrow_mut().push((name.to_string(), key));
        Ok(key)
    }
}

/// The member the engine reads from every element of a large array (a group's members: their `value`, to find
/// one, to look for a duplicate, to evaluate `members[value eq "…"]`), read ahead by `index.js` while it checks the
/// array is plain data: one text of the elements' own `value` strings, one after the other, and for each element
/// where its string is in the text, or that it is an object without an own string `value` (read through Node-API
/// like any other member), or not an object. Reading 10,000 of them one by one took four Node-API calls each.
#[derive(Debug)]
pub struct Values {
    text: String,
    at: Vec<Ahead>,
}

/// What [`Values`] knows of one element.
#[derive(Debug, Clone, Copy)]
enum Ahead {
    /// Not a plain object (or not known to be).
    Unknown,
    /// A plain object without an own `value` string.
    Object,
    /// A plain object whose own `value` is this byte range of [`Values::text`].
    Value(u32, u32),
}

/// The member name [`Values`] holds.
const VALUE: &str = "value";

impl Values {
    /// From the text and, per element, the string's length in UTF-16 units, -1 for an object without an own
    /// string `value`, -2 for anything else. `None` when they do not fit together (the caller then reads every
    /// element through Node-API).
    pub fn new(text: String, lengths: &[i32]) -> Option<Values> {
        let mut at = Vec::with_capacity(lengths.len());
        let ascii = text.is_ascii();
        let mut chars = text.char_indices();
        let mut pos = 0usize;
        for &n in lengths {
            at.push(match n {
                -1 => Ahead::Object,
                n if n < 0 => Ahead::Unknown,
                n => {
                    let start = pos;
                    if ascii {
                        pos = pos.checked_add(usize::try_from(n).ok()?)?;
                    } else {
                        let mut units = usize::try_from(n).ok()?;
                        while units > 0 {
                            let (_, c) = chars.next()?;
                            units = units.checked_sub(c.len_utf16())?;
                            pos += c.len_utf8();
                        }
                    }
                    Ahead::Value(u32::try_from(start).ok()?, u32::try_from(pos).ok()?)
                }
            });
        }
        (pos == text.len()).then_some(Values { text, at })
    }

    fn at(&self, i: u32) -> Ahead {
        self.at.get(i as usize).copied().unwrap_or(Ahead::Unknown)
    }

    fn text(&self, i: u32) -> Option<&str> {
        match self.at(i) {
            Ahead::Value(start, end) => self.text.get(start as usize..end as usize),
            _ => None,
        }
    }
}

/// Where a node stands among the [`Values`] read ahead.
#[derive(Debug, Clone, Copy)]
enum Pre<'k> {
    None,
    /// The document itself, whose members' elements may have been read ahead.
    Root,
    /// A large top-level array whose elements' `value`s were read ahead.
    Array(&'k Values),
    /// Element `i` of such an array.
    Element(&'k Values, u32),
    /// The `value` of element `i` of such an array, a string read ahead.
    Text(&'k Values, u32),
}

/// A JavaScript value read in place. Its handle is fetched when first needed: an element of a large array whose
/// `value` was read ahead may never need one (`Patch#apply` hands the elements left in place back to `index.js`
/// as positions).
#[derive(Debug, Clone)]
pub struct JsNode<'k> {
    js: Js,
    /// The handle, null until fetched (for an element, from `from`; for a string read ahead, made from its text).
    v: Cell<Raw>,
    keys: &'k Keys,
    /// Whether `v` is a non-array object, once asked: a filter of 50 terms asks the same document 50 times.
    record: Cell<Option<bool>>,
    /// `v`'s length when it is an array (`None` when not), once asked: a PATCH reads a group's 10,000 members
    /// one index at a time.
    array: Cell<Option<Option<u32>>>,
    /// `v`'s text when it is a string, once read: a PATCH reads each member's `value` twice (is it null, is it
    /// equal), and copying a string out of V8 is the dearest read.
    text: OnceCell<Box<str>>,
    /// `v`'s kind, once asked.
    kind: Cell<Option<Kind>>,
    /// The array `v` was read from (null when not an element) and its index there.
    from: Raw,
    at: u32,
    pre: Pre<'k>,
}

impl<'k> JsNode<'k> {
    /// The document `v`, read in place.
    pub fn new(js: Js, v: Raw, keys: &'k Keys) -> JsNode<'k> {
        let pre = if keys.values.is_empty() { Pre::None } else { Pre::Root };
        JsNode::with(js, v, keys, pre)
    }

    fn with(js: Js, v: Raw, keys: &'k Keys, pre: Pre<'k>) -> JsNode<'k> {
        JsNode {
            js,
            v: Cell::new(v),
            keys,
            record: Cell::new(None),
            array: Cell::new(None),
            text: OnceCell::new(),
            kind: Cell::new(None),
            from: ptr::null_mut(),
            at: 0,
            pre,
        }
    }

    /// The JavaScript value read (fetched or made now if it was not yet).
    pub fn raw(&self) -> napi::Result<Raw> {
        let v = self.v.get();
        if !v.is_null() {
            return Ok(v);
        }
        let v = match self.pre {
            Pre::Text(values, i) => self.js.str(values.text(i).unwrap_or_default())?,
            _ if !self.from.is_null() => self.js.element(self.from, self.at)?,
            _ => return Err(napi::Error::from_reason("a value without a handle")),
        };
        self.v.set(v);
        Ok(v)
    }

    /// The array this element was read from and its index there.
    pub fn from(&self) -> Option<(Raw, u32)> {
        (!self.from.is_null()).then_some((self.from, self.at))
    }

    /// Whether `v` may be a Date (which reads as its ISO text): not in a document checked to be plain data.
    fn date(&self) -> napi::Result<Option<f64>> {
        if self.keys.plain {
            return Ok(None);
        }
        self.js.date(self.raw()?)
    }

    fn array_len(&self) -> napi::Result<Option<u32>> {
        if let Some(known) = self.array.get() {
            return Ok(known);
        }
        let v = self.raw()?;
        let known =
            if self.js.kind(v)? == Kind::Object && self.js.is_array(v)? { Some(self.js.array_len(v)?) } else { None };
        self.array.set(Some(known));
        Ok(known)
    }

    fn at(&self, v: Raw) -> JsNode<'k> {
        JsNode::with(self.js, v, self.keys, Pre::None)
    }

    /// [`JsNode::array_len`] for a value known to be an object (functions and the like excluded).
    fn object_array_len(&self) -> napi::Result<Option<u32>> {
        if let Some(known) = self.array.get() {
            return Ok(known);
        }
        let v = self.raw()?;
        let known = if self.js.is_array(v)? { Some(self.js.array_len(v)?) } else { None };
        self.array.set(Some(known));
        self.record.set(Some(known.is_none()));
        Ok(known)
    }

    /// The view of a non-array object: a Date as its ISO text, anything else an object.
    fn object_view(&self) -> Result<View<'static>, DocError> {
        Ok(match self.date()? {
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
        let v = self.raw()?;
        let known = self.js.kind(v)? == Kind::Object && !self.js.is_array(v)?;
        self.record.set(Some(known));
        Ok(known)
    }

    /// The own member `name`, exactly so spelled; `None` when absent or not an object.
    fn own(&self, name: &str) -> napi::Result<Option<JsNode<'k>>> {
        if let Pre::Element(values, i) = &self.pre {
            match values.at(*i) {
                Ahead::Value(..) if name == VALUE => {
                    let node = JsNode::with(self.js, ptr::null_mut(), self.keys, Pre::Text(values, *i));
                    node.kind.set(Some(Kind::String));
                    return Ok(Some(node));
                }
                _ => {}
            }
        }
        if !self.is_record()? {
            return Ok(None);
        }
        let Some(v) = self.js.own(self.raw()?, self.keys.get(self.js, name)?)? else { return Ok(None) };
        Ok(Some(self.member_at(name, v)))
    }

    /// [`Host::element_strings`] from element `from` on, generic over `f` so that a caller's comparisons are
    /// compiled into the loop.
    fn each_element_string(
        &self,
        name: &str,
        from: usize,
        mut f: impl FnMut(usize, Option<&str>) -> bool,
    ) -> Result<(), DocError> {
        if matches!(self.pre, Pre::Text(..)) {
            return Ok(());
        }
        let Some(len) = self.array_len()? else { return Ok(()) };
        let ahead = match self.pre {
            Pre::Array(values) if name == VALUE => Some(values),
            _ => None,
        };
        for (at, i) in (0..len).zip(0usize..).skip(from) {
            let more = match ahead.and_then(|values| values.text(at)) {
                Some(text) => f(i, Some(text)),
                None => {
                    let Some(element) = self.index(i)? else { break };
                    match element.get(name)? {
                        Some(m) => match m.view()? {
                            View::String(s) => f(i, Some(&s)),
                            _ => f(i, None),
                        },
                        None => f(i, None),
                    }
                }
            };
            if !more {
                break;
            }
        }
        Ok(())
    }

    /// The node of own member `name`, whose value is `v`: for the document's large arrays, with their [`Values`].
    fn member_at(&self, name: &str, v: Raw) -> JsNode<'k> {
        let mut node = self.at(v);
        if let Pre::Root = self.pre {
            if let Some((_, values)) = self.keys.values.iter().find(|(k, _)| k == name) {
                node.pre = Pre::Array(values);
            }
        }
        node
    }
}

pub fn lone_surrogate() -> DocError {
    DocError::bad(ErrorKind::NotJson, "a lone surrogate (a string that is not Unicode text)")
}

impl<'k> Node for JsNode<'k> {
    type Error = DocError;

    fn view(&self) -> Result<View<'_>, DocError> {
        if let Pre::Text(values, i) = &self.pre {
            if let Some(text) = values.text(*i) {
                return Ok(View::String(Cow::Borrowed(text)));
            }
        }
        let js = self.js;
        let kind = match self.kind.get() {
            Some(kind) => kind,
            None => {
                // Most values read are strings: their text is asked for first, the kind only when it is not one.
                let v = self.raw()?;
                let kind = match self.text.get() {
                    Some(_) => Kind::String,
                    None => match js.try_string(v)? {
                        Some(text) => {
                            let _ = self.text.set(text.ok_or_else(lone_surrogate)?.into_boxed_str());
                            Kind::String
                        }
                        None => js.kind(v)?,
                    },
                };
                self.kind.set(Some(kind));
                kind
            }
        };
        if let Some(what) = not_json(kind) {
            return Err(DocError::bad(ErrorKind::NotJson, what));
        }
        Ok(match kind {
            Kind::Null => View::Null,
            Kind::Bool => View::Bool(js.bool(self.raw()?)?),
            Kind::Number => View::Number(num(js.number(self.raw()?)?)?),
            Kind::String => {
                if self.text.get().is_none() {
                    let _ = self.text.set(js.string(self.raw()?)?.ok_or_else(lone_surrogate)?.into_boxed_str());
                }
                match self.text.get() {
                    Some(text) => View::String(Cow::Borrowed(text)),
                    None => View::String(Cow::Owned(js.string(self.raw()?)?.ok_or_else(lone_surrogate)?)),
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
        if let Some(node) = self.own(name)? {
            return Ok(Some(node));
        }
        if !self.is_record()? {
            return Ok(None);
        }
        // As converting would read it: the smallest key equal to `name` ignoring case.
        let v = self.raw()?;
        let keys = js.keys(v)?;
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
            Some((k, key)) => Ok(Some(self.member_at(&k, js.get(v, key)?))),
            None => Ok(None),
        }
    }

    fn index(&self, i: usize) -> Result<Option<JsNode<'k>>, DocError> {
        let Some(len) = self.array_len()? else { return Ok(None) };
        let Some(i) = u32::try_from(i).ok().filter(|&i| i < len) else { return Ok(None) };
        let v = self.raw()?;
        let node = match &self.pre {
            Pre::Array(values) => {
                let node = JsNode::with(self.js, ptr::null_mut(), self.keys, Pre::Element(values, i));
                if !matches!(values.at(i), Ahead::Unknown) {
                    node.record.set(Some(true));
                    node.array.set(Some(None));
                    node.kind.set(Some(Kind::Object));
                }
                node
            }
            _ => self.at(self.js.element(v, i)?),
        };
        Ok(Some(JsNode { from: v, at: i, ..node }))
    }

    fn any_member(&self, f: &mut dyn FnMut(&JsNode<'k>) -> Result<bool, DocError>) -> Result<bool, DocError> {
        let js = self.js;
        if !self.is_record()? || self.date()?.is_some() {
            return Ok(false);
        }
        let v = self.raw()?;
        let keys = js.keys(v)?;
        for i in 0..js.array_len(keys)? {
            let value = js.get(v, js.element(keys, i)?)?;
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
        Ok(self.own(key)?)
    }

    fn members(&self, f: &mut dyn FnMut(&str, JsNode<'k>) -> Result<bool, DocError>) -> Result<(), DocError> {
        let js = self.js;
        if !self.is_record()? || self.date()?.is_some() {
            return Ok(());
        }
        let v = self.raw()?;
        let keys = js.keys(v)?;
        for i in 0..js.array_len(keys)? {
            let key = js.element(keys, i)?;
            let name = js.string(key)?.ok_or_else(lone_surrogate)?;
            let node = self.member_at(&name, js.get(v, key)?);
            if !f(&name, node)? {
                break;
            }
        }
        Ok(())
    }

    /// For a large top-level array whose `value`s were read ahead ([`Values`]), those strings without a Node-API
    /// call; any other element (an object without an own `value` string, whose member may be spelled `Value`) and
    /// any other array or name read one by one, as [`Node::get`] finds the member.
    fn element_strings(&self, name: &str, f: &mut dyn FnMut(usize, Option<&str>) -> bool) -> Result<(), DocError> {
        self.each_element_string(name, 0, f)
    }

    fn find_element_string(&self, name: &str, wants: &[&str], from: usize) -> Result<Option<(usize, usize)>, DocError> {
        let mut found = None;
        self.each_element_string(name, from, |i, s| {
            if let Some(s) = s {
                found = wants.iter().position(|w| *w == s).map(|j| (i, j));
            }
            found.is_none()
        })?;
        Ok(found)
    }

    fn member_count(&self) -> Result<usize, DocError> {
        let js = self.js;
        if !self.is_record()? || self.date()?.is_some() {
            return Ok(0);
        }
        Ok(js.array_len(js.keys(self.raw()?)?)? as usize)
    }
}
