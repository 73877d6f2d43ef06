//! A compact, immutable JSON document for large resources read from text.
//!
//! A `serde_json::Value` holding a 10,000-member group is ~10 MB of separately allocated B-tree nodes and strings:
//! reading one member's `value` costs a few dependent cache misses, and scanning the members for a PATCH costs
//! more than the engine's own work. A [`Document`] holds the same JSON in three contiguous buffers: a tape of
//! 16-byte entries in document order (each array and object records how many entries it spans, so a reader hops
//! over a child in one step), a table of each array's element offsets (element `i` in O(1)), and one buffer of all
//! string bytes. The same group takes ~2.6 MB and is read sequentially.
//!
//! A document is read through a [`DocRef`] handle (16 bytes, `Copy`), which implements [`Node`] and [`Host`]: a
//! [`Filter`](crate::Filter) evaluates on it with [`matches_node`](crate::Filter::matches_node), and
//! [`Patch::apply_to`](crate::Patch::apply_to) applies a request to it in place, returning a copy-on-write
//! [`Lazy`] result that serializes straight back to JSON text.
//!
//! The reads are exactly those of the `serde_json::Value` the text parses to: object keys are kept sorted and,
//! for a key the text repeats, the last value wins; numbers are integers or floats as serde_json reads them.
//! This holds for serde_json with its default features, which the whole crate reads documents by: a build that
//! turns on serde_json's `preserve_order` (keys in text order) or `arbitrary_precision` (numbers as text) changes
//! how `Value`s read and is not supported (a test of the crate fails loudly under either).
//! A document larger than 4 GiB of strings or 2^32 values is refused with `document.too_long`.
//!
//! ```
//! use scim_expr::{Document, Filter, Patch};
//! use serde_json::json;
//!
//! let group: Document = r#"{"displayName": "Admins", "members": [{"value": "902c246b"}]}"#.parse()?;
//! let patch = Patch::parse(&json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [{"op": "add", "path": "members", "value": [{"value": "2819c223"}]}]
//! }))?;
//! let (result, outcome) = patch.apply_to(group.root())?;
//! assert!(outcome.changed());
//! assert_eq!(
//!     serde_json::to_string(&result).unwrap(),
//!     r#"{"displayName":"Admins","members":[{"value":"902c246b"},{"value":"2819c223"}]}"#
//! );
//! assert_eq!(Filter::parse(r#"displayName eq "admins""#)?.matches_node(&group.root()), Ok(true));
//! # Ok::<(), scim_expr::Error>(())
//! ```

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::compare::{head, same_bytes, tail, Num};
use crate::error::{json_position, ErrorKind};
use crate::node::{Node, View};
use crate::overlay::{kept_elements, Host, Lazy};
use crate::Error;

/// The deepest nesting of arrays and objects a document holds: the default
/// [`Limits::max_document_depth`](crate::Limits::max_document_depth). JSON text never reaches it (serde_json stops
/// at 127 levels); a `Value` or another deserializer can, and is refused past it, so that every walk over a
/// document may recurse.
pub const MAX_DEPTH: usize = 128;

/// One tape entry. Offsets are relative to the entry itself, so that a subtree can be moved as a block (which
/// sorting an object's members does); string ranges index [`Document::strings`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Entry {
    Null,
    Bool(bool),
    /// Every integer that fits an `i64` (as `serde_json::Number::as_i64` reads it).
    Int(i64),
    /// Integers above `i64::MAX`.
    UInt(u64),
    Float(f64),
    Str {
        start: u32,
        len: u32,
    },
    /// An object member's key; the member's value is the next entry.
    Key {
        start: u32,
        len: u32,
    },
    /// `span`: the entries of the array, itself included; element offsets are `items[items..items + len]`.
    Array {
        len: u32,
        span: u32,
        items: u32,
    },
    /// `span`: the entries of the object, itself included; the members follow as key, value, key, value, …, in
    /// key order; their keys' offsets are `items[keys..keys + len]`.
    Object {
        len: u32,
        span: u32,
        keys: u32,
    },
}

impl Entry {
    /// How many tape entries this value occupies.
    fn span(self) -> usize {
        match self {
            Entry::Array { span, .. } | Entry::Object { span, .. } => span as usize,
            _ => 1,
        }
    }
}

const _: () = assert!(std::mem::size_of::<Entry>() == 16);

/// An immutable JSON document in contiguous buffers; see the [module documentation](self).
///
/// Built from JSON text ([`from_json_str`](Document::from_json_str), [`FromStr`],
/// [`from_json_slice`](Document::from_json_slice)), from a `Value` ([`from_value`](Document::from_value)) or by
/// any serde deserializer; read through [`root`](Document::root); turned back into a `Value`
/// ([`to_value`](Document::to_value)) or JSON text (it implements [`Serialize`]). Two documents are equal (`==`)
/// when their values are, as `Value`s compare: `{"b": 1, "a": 2}` equals `{"a": 2, "b": 1}`.
#[derive(Clone)]
pub struct Document {
    tape: Vec<Entry>,
    /// For each array, its elements' offsets from the array's entry; for each object, its keys' offsets.
    items: Vec<u32>,
    strings: String,
}

impl PartialEq for Document {
    fn eq(&self, other: &Self) -> bool {
        self.root().same(&other.root())
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Document({} entries, {} string bytes)", self.tape.len(), self.strings.len())
    }
}

impl Document {
    /// Parses JSON text. Text that is not JSON is `document.invalid_json`, nesting past 127 levels
    /// `document.too_deep`, each with the byte position where reading stopped.
    ///
    /// ```
    /// use scim_expr::Document;
    /// let doc = Document::from_json_str(r#"{"userName": "bjensen", "userName": "babs"}"#)?;
    /// assert_eq!(doc.to_value(), serde_json::json!({"userName": "babs"})); // the last one, as serde_json reads it
    /// let e = Document::from_json_str(r#"{"userName": }"#).unwrap_err();
    /// assert_eq!((e.code(), e.position()), ("document.invalid_json", Some(13)));
    /// # Ok::<(), scim_expr::Error>(())
    /// ```
    pub fn from_json_str(text: &str) -> Result<Document, Error> {
        let mut b = Builder::default();
        let mut de = serde_json::Deserializer::from_str(text);
        let built = Seed(&mut b).deserialize(&mut de).and_then(|()| de.end());
        match built {
            Ok(()) => b.finish().map_err(|m| Error::document(ErrorKind::TooLong, m)),
            Err(e) => Err(b.error(&e).with_position(json_position(text, &e))),
        }
    }

    /// Parses JSON text given as bytes: bytes that are not UTF-8 are `document.invalid_utf8` at the first bad
    /// byte; otherwise as [`from_json_str`](Document::from_json_str).
    ///
    /// ```
    /// use scim_expr::Document;
    /// let e = Document::from_json_slice(b"{\"a\": \"\xff\"}").unwrap_err();
    /// assert_eq!((e.code(), e.position()), ("document.invalid_utf8", Some(7)));
    /// ```
    pub fn from_json_slice(bytes: &[u8]) -> Result<Document, Error> {
        Document::from_json_str(std::str::from_utf8(bytes).map_err(|e| Error::utf8_text(&e))?)
    }

    /// The document holding `v`. Fails (`document.too_deep`) only when `v` nests arrays and objects deeper than
    /// [`MAX_DEPTH`].
    ///
    /// ```
    /// use scim_expr::Document;
    /// use serde_json::json;
    /// let v = json!({"members": [{"value": "a"}, {"value": "b"}]});
    /// assert_eq!(Document::from_value(&v)?.to_value(), v);
    /// # Ok::<(), scim_expr::Error>(())
    /// ```
    pub fn from_value(v: &Value) -> Result<Document, Error> {
        let mut b = Builder::default();
        match Seed(&mut b).deserialize(v) {
            Ok(()) => b.finish().map_err(|m| Error::document(ErrorKind::TooLong, m)),
            Err(e) => Err(b.error(&e)),
        }
    }

    /// A read handle on the whole document.
    pub fn root(&self) -> DocRef<'_> {
        DocRef { doc: self, at: 0 }
    }

    /// The document as a `Value` (equal to what serde_json parses the text to).
    pub fn to_value(&self) -> Value {
        self.root().to_value()
    }

    #[inline]
    fn entry(&self, at: usize) -> Entry {
        self.tape.get(at).copied().unwrap_or(Entry::Null)
    }

    /// The bytes of a string: what comparisons read, without `str`'s character boundary checks.
    #[inline]
    fn bytes_at(&self, start: u32, len: u32) -> &[u8] {
        let start = start as usize;
        self.strings.as_bytes().get(start..start + len as usize).unwrap_or_default()
    }

    #[inline]
    fn str_at(&self, start: u32, len: u32) -> &str {
        let start = start as usize;
        self.strings.get(start..start + len as usize).unwrap_or_default()
    }
}

impl FromStr for Document {
    type Err = Error;

    /// [`Document::from_json_str`].
    fn from_str(text: &str) -> Result<Document, Error> {
        Document::from_json_str(text)
    }
}

impl TryFrom<&Value> for Document {
    type Error = Error;

    /// [`Document::from_value`].
    fn try_from(v: &Value) -> Result<Document, Error> {
        Document::from_value(v)
    }
}

impl Serialize for Document {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.root().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Document {
    /// Builds a document from any deserializer, refusing nesting deeper than [`MAX_DEPTH`].
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Document, D::Error> {
        let mut b = Builder::default();
        Seed(&mut b).deserialize(d)?;
        b.finish().map_err(de::Error::custom)
    }
}

/// A read handle on a value inside a [`Document`]: the [`Node`] and [`Host`] that filters and
/// [`Patch::apply_to`](crate::Patch::apply_to) read through. Cheap to copy (a reference and an offset).
///
/// ```
/// use scim_expr::{Document, Node, View};
/// let doc: Document = r#"{"emails": [{"value": "a@example.com", "primary": true}]}"#.parse()?;
/// let email = doc.root().get("EMAILS").unwrap().and_then(|e| e.index(0).unwrap()).unwrap();
/// assert_eq!(email.get("value").unwrap().unwrap().view().unwrap(), View::String("a@example.com".into()));
/// # Ok::<(), scim_expr::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct DocRef<'d> {
    doc: &'d Document,
    at: u32,
}

impl fmt::Debug for DocRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocRef({})", self.at)
    }
}

impl PartialEq for DocRef<'_> {
    /// The same place in the same document.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.doc, other.doc) && self.at == other.at
    }
}

/// Byte equality of two slices, without a call to `memcmp` for slices of up to 16 bytes (attribute names): two
/// overlapping word comparisons. Always inline: a call in a scan's loop costs more than the comparison.
#[inline(always)]
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    match a.len() {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => head::<4>(a) == head::<4>(b) && tail::<4>(a) == tail::<4>(b),
        8..=16 => head::<8>(a) == head::<8>(b) && tail::<8>(a) == tail::<8>(b),
        _ => a == b,
    }
}

impl<'d> DocRef<'d> {
    #[inline]
    fn entry(&self) -> Entry {
        self.doc.entry(self.at as usize)
    }

    #[inline]
    fn child(&self, offset: usize) -> DocRef<'d> {
        // Offsets come from the tape, whose length fits a u32 (checked when it was built).
        DocRef { doc: self.doc, at: self.at.saturating_add(u32::try_from(offset).unwrap_or(u32::MAX)) }
    }

    /// Calls `f` with each member's key and value until it returns `false`.
    fn each_member(&self, mut f: impl FnMut(&'d str, DocRef<'d>) -> bool) {
        let Entry::Object { span, .. } = self.entry() else { return };
        let mut off = 1;
        while off < span as usize {
            let key = match self.doc.entry(self.at as usize + off) {
                Entry::Key { start, len } => self.doc.str_at(start, len),
                _ => return,
            };
            let value = self.child(off + 1);
            if !f(key, value) {
                return;
            }
            off += 1 + value.entry().span();
        }
    }

    /// The member `name` (`fold`: else the first, so smallest, key equal to it ignoring ASCII case).
    #[inline]
    fn find(&self, name: &str, fold: bool) -> Option<DocRef<'d>> {
        self.find_key(name, fold).map(|(_, m)| m)
    }

    /// [`find`](DocRef::find), with the position of the member's key among the object's keys. The hot read of a
    /// scan over a group's members: key lengths are compared from the tape, and only keys as long as `name` have
    /// their bytes read.
    #[inline]
    fn find_key(&self, name: &str, fold: bool) -> Option<(usize, DocRef<'d>)> {
        let Entry::Object { len, keys, .. } = self.entry() else { return None };
        let offsets = self.doc.items.get(keys as usize..keys as usize + len as usize)?;
        // The keys are sorted: start from the end nearer to `name`, which usually finds it first (`value`, the
        // most read sub-attribute, is the last key of a group member).
        let from_end = name.as_bytes().first().is_some_and(|b| b.to_ascii_lowercase() > b'm');
        let (at, n, want) = (self.at as usize, offsets.len(), name.as_bytes());
        let position = |j: usize| if from_end { n - 1 - j } else { j };
        let key = |j: usize| -> Option<(usize, usize, &'d [u8])> {
            let p = position(j);
            let off = *offsets.get(p)? as usize;
            match self.doc.tape.get(at + off) {
                Some(Entry::Key { start, len }) if *len as usize == want.len() => {
                    Some((p, off, self.doc.bytes_at(*start, *len)))
                }
                _ => None,
            }
        };
        // The exact spelling first: one length comparison per key, and one byte comparison for the usual hit.
        let exact = |off: &u32| match self.doc.tape.get(at + *off as usize) {
            Some(Entry::Key { start, len }) => {
                *len as usize == want.len() && short_eq(self.doc.bytes_at(*start, *len), want)
            }
            _ => false,
        };
        let hit = if from_end { offsets.iter().rposition(exact) } else { offsets.iter().position(exact) };
        if let Some(p) = hit {
            return offsets.get(p).map(|off| (p, self.child(*off as usize + 1)));
        }
        if !fold {
            return None;
        }
        (0..n)
            .filter_map(key)
            .filter(|(_, _, k)| k.eq_ignore_ascii_case(want))
            // The first in key order: the last seen walking backwards.
            .reduce(|first, next| if from_end { next } else { first })
            .map(|(p, off, _)| (p, self.child(off + 1)))
    }

    /// The elements of an array (none for a non-array), without collecting them.
    pub fn iter_elements(&self) -> impl Iterator<Item = DocRef<'d>> + 'd {
        let (doc, at) = (self.doc, self.at);
        let offsets: &'d [u32] = match self.entry() {
            Entry::Array { len, items, .. } => {
                doc.items.get(items as usize..items as usize + len as usize).unwrap_or_default()
            }
            _ => &[],
        };
        offsets.iter().map(move |o| DocRef { doc, at: at.saturating_add(*o) })
    }

    /// This value as a `Value`.
    pub fn to_value(&self) -> Value {
        match self.entry() {
            Entry::Null | Entry::Key { .. } => Value::Null,
            Entry::Bool(b) => Value::Bool(b),
            Entry::Int(i) => Value::from(i),
            Entry::UInt(u) => Value::from(u),
            Entry::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            Entry::Str { start, len } => Value::String(self.doc.str_at(start, len).to_string()),
            Entry::Array { .. } => Value::Array(self.iter_elements().map(|e| e.to_value()).collect()),
            Entry::Object { .. } => {
                let mut map = serde_json::Map::new();
                self.each_member(|k, v| {
                    map.insert(k.to_string(), v.to_value());
                    true
                });
                Value::Object(map)
            }
        }
    }

    /// Whether this value equals `other` (of any document) as their `Value`s compare.
    fn same(&self, other: &DocRef<'_>) -> bool {
        match (self.entry(), other.entry()) {
            (Entry::Str { start, len }, Entry::Str { start: s2, len: l2 }) => {
                self.doc.bytes_at(start, len) == other.doc.bytes_at(s2, l2)
            }
            (Entry::Array { len, .. }, Entry::Array { len: l2, .. }) => {
                len == l2 && self.iter_elements().zip(other.iter_elements()).all(|(a, b)| a.same(&b))
            }
            (Entry::Object { len, .. }, Entry::Object { len: l2, .. }) => {
                // Both hold distinct keys in key order: equal objects list the same members in the same order.
                let mut theirs = Vec::with_capacity(l2 as usize);
                other.each_member(|k, v| {
                    theirs.push((k, v));
                    true
                });
                let mut equal = len == l2;
                let mut i = 0;
                if equal {
                    self.each_member(|k, v| {
                        equal = theirs.get(i).is_some_and(|(k2, v2)| k == *k2 && v.same(v2));
                        i += 1;
                        equal
                    });
                }
                equal
            }
            (Entry::Key { .. }, _) | (_, Entry::Key { .. }) => false,
            (a, b) => a == b,
        }
    }

    /// Whether this value equals `v` as `Value`s compare.
    #[inline]
    fn equals(&self, v: &Value) -> bool {
        match (self.entry(), v) {
            (Entry::Null, Value::Null) => true,
            (Entry::Bool(a), Value::Bool(b)) => a == *b,
            (Entry::Int(a), Value::Number(b)) => b.as_i64() == Some(a),
            (Entry::UInt(a), Value::Number(b)) => b.as_u64() == Some(a),
            (Entry::Float(a), Value::Number(b)) => b.is_f64() && b.as_f64() == Some(a),
            (Entry::Str { start, len }, Value::String(b)) => self.doc.bytes_at(start, len) == b.as_bytes(),
            (Entry::Array { len, .. }, Value::Array(items)) => {
                len as usize == items.len() && self.iter_elements().zip(items).all(|(e, item)| e.equals(item))
            }
            (Entry::Object { len, .. }, Value::Object(map)) => {
                if len as usize != map.len() {
                    return false;
                }
                // As many members and distinct keys: the same keys when each of ours is in `map`.
                let mut equal = true;
                self.each_member(|k, child| {
                    equal = map.get(k).is_some_and(|want| child.equals(want));
                    equal
                });
                equal
            }
            _ => false,
        }
    }
}

impl Node for DocRef<'_> {
    type Error = Infallible;

    #[inline]
    fn view(&self) -> Result<View<'_>, Infallible> {
        Ok(match self.entry() {
            Entry::Null | Entry::Key { .. } => View::Null,
            Entry::Bool(b) => View::Bool(b),
            Entry::Int(i) => View::Number(Num::Int(i)),
            Entry::UInt(u) => View::Number(Num::UInt(u)),
            Entry::Float(f) => View::Number(Num::Float(f)),
            Entry::Str { start, len } => View::String(Cow::Borrowed(self.doc.str_at(start, len))),
            Entry::Array { len, .. } => View::Array(len as usize),
            Entry::Object { .. } => View::Object,
        })
    }

    /// The exact key, else the first key in sorted order (the smallest) equal to `name` ignoring ASCII case, as
    /// for `&Value`.
    #[inline]
    fn get(&self, name: &str) -> Result<Option<Self>, Infallible> {
        Ok(self.find(name, true))
    }

    fn index(&self, i: usize) -> Result<Option<Self>, Infallible> {
        let Entry::Array { len, items, .. } = self.entry() else { return Ok(None) };
        if i >= len as usize {
            return Ok(None);
        }
        Ok(self.doc.items.get(items as usize + i).map(|o| DocRef { doc: self.doc, at: self.at.saturating_add(*o) }))
    }

    fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, Infallible>) -> Result<bool, Infallible> {
        let mut hit = false;
        self.each_member(|_, v| {
            hit = matches!(f(&v), Ok(true));
            !hit
        });
        Ok(hit)
    }
}

impl Host for DocRef<'_> {
    #[inline]
    fn member(&self, key: &str) -> Result<Option<Self>, Infallible> {
        Ok(self.find(key, false))
    }

    fn members(&self, f: &mut dyn FnMut(&str, Self) -> Result<bool, Infallible>) -> Result<(), Infallible> {
        self.each_member(|k, v| matches!(f(k, v), Ok(true)));
        Ok(())
    }

    /// The keys are sorted: the first match is the smallest.
    fn key_like(&self, name: &str) -> Result<Option<String>, Infallible> {
        let mut found = None;
        self.each_member(|k, _| {
            if k.len() == name.len() && k.eq_ignore_ascii_case(name) {
                found = Some(k.to_string());
            }
            found.is_none()
        });
        Ok(found)
    }

    fn elements(&self) -> Result<Vec<Self>, Infallible> {
        Ok(self.iter_elements().collect())
    }

    fn member_count(&self) -> Result<usize, Infallible> {
        Ok(match self.entry() {
            Entry::Object { len, .. } => len as usize,
            _ => 0,
        })
    }

    #[inline]
    fn eq_value(&self, v: &Value) -> Result<bool, Infallible> {
        Ok(self.equals(v))
    }

    #[inline]
    fn member_eq(&self, name: &str, v: &Value) -> Result<Option<bool>, Infallible> {
        Ok(self.find(name, true).and_then(|m| match m.entry() {
            Entry::Null => None,
            _ => Some(m.equals(v)),
        }))
    }

    /// One loop over the array's element offsets. The elements of one array mostly have the same keys, so the
    /// key position where `name` was found in one element is tried first in the next: a hit costs one length and
    /// one byte comparison.
    fn element_strings(&self, name: &str, f: &mut dyn FnMut(usize, Option<&str>) -> bool) -> Result<(), Infallible> {
        let doc = self.doc;
        self.each_element_string(name, 0, |i, s| f(i, s.map(|(start, len)| doc.str_at(start, len))));
        Ok(())
    }

    /// The same loop, with the comparisons inline.
    fn find_element_string(
        &self,
        name: &str,
        wants: &[&str],
        from: usize,
    ) -> Result<Option<(usize, usize)>, Infallible> {
        let mut found = None;
        let doc = self.doc;
        self.each_element_string(name, from, |i, s| {
            if let Some((start, len)) = s {
                let s = doc.bytes_at(start, len);
                found = wants.iter().position(|w| same_bytes(w.as_bytes(), s)).map(|j| (i, j));
            }
            found.is_none()
        });
        Ok(found)
    }
}

impl<'d> DocRef<'d> {
    /// [`Host::element_strings`] from element `from` on, generic over `f` so that a caller's comparisons are
    /// compiled into the loop; `f` gets the string's range in [`Document::strings`], so that a caller comparing
    /// bytes skips `str`'s boundary checks. The elements of one array mostly have the same keys, so the key
    /// position where `name` was found in one element is tried first in the next: a hit costs one length and two
    /// word comparisons.
    #[inline]
    fn each_element_string(&self, name: &str, from: usize, mut f: impl FnMut(usize, Option<(u32, u32)>) -> bool) {
        let Entry::Array { len, items, .. } = self.entry() else { return };
        let doc = self.doc;
        let (tape, table, want) = (&doc.tape[..], &doc.items[..], name.as_bytes());
        let offsets = table.get(items as usize + from..items as usize + len as usize).unwrap_or_default();
        let base = self.at as usize;
        let mut guess = usize::MAX;
        for (i, off) in offsets.iter().enumerate() {
            let at = base + *off as usize;
            let mut member = None;
            if let Some(Entry::Object { len, keys, .. }) = tape.get(at) {
                if guess < *len as usize {
                    if let Some(k) = table.get(*keys as usize + guess) {
                        let key = at + *k as usize;
                        if let (Some(Entry::Key { start, len }), Some(value)) = (tape.get(key), tape.get(key + 1)) {
                            if *len as usize == want.len() && short_eq(doc.bytes_at(*start, *len), want) {
                                member = Some(*value);
                            }
                        }
                    }
                }
                if member.is_none() {
                    let element = DocRef { doc, at: self.at.saturating_add(*off) };
                    member = element.find_key(name, true).map(|(p, m)| {
                        guess = p;
                        m.entry()
                    });
                }
            }
            let s = match member {
                Some(Entry::Str { start, len }) => Some((start, len)),
                _ => None,
            };
            if !f(from + i, s) {
                break;
            }
        }
    }
}

impl Serialize for DocRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.entry() {
            Entry::Null | Entry::Key { .. } => s.serialize_unit(),
            Entry::Bool(b) => s.serialize_bool(b),
            Entry::Int(i) => s.serialize_i64(i),
            Entry::UInt(u) => s.serialize_u64(u),
            Entry::Float(f) => s.serialize_f64(f),
            Entry::Str { start, len } => s.serialize_str(self.doc.str_at(start, len)),
            Entry::Array { len, .. } => {
                let mut seq = s.serialize_seq(Some(len as usize))?;
                for e in self.iter_elements() {
                    seq.serialize_element(&e)?;
                }
                seq.end()
            }
            Entry::Object { len, .. } => {
                let mut map = s.serialize_map(Some(len as usize))?;
                let mut failed = None;
                self.each_member(|k, v| match map.serialize_entry(k, &v) {
                    Ok(()) => true,
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                });
                match failed {
                    Some(e) => Err(e),
                    None => map.end(),
                }
            }
        }
    }
}

impl Lazy<DocRef<'_>> {
    /// The document as one JSON value (the document's parts converted).
    pub fn to_value(&self) -> Value {
        match self {
            Lazy::Host(v) => v.to_value(),
            Lazy::Owned(v) => v.clone(),
            Lazy::Object(members) => Value::Object(members.iter().map(|(k, v)| (k.clone(), v.to_value())).collect()),
            Lazy::Array(items) => Value::Array(items.iter().map(|i| i.to_value()).collect()),
            Lazy::Spliced { host, removed, appended } => {
                let elements: Vec<DocRef<'_>> = host.iter_elements().collect();
                Value::Array(
                    kept_elements(&elements, removed).map(DocRef::to_value).chain(appended.iter().cloned()).collect(),
                )
            }
        }
    }
}

/// Builds the tape in document order.
#[derive(Default)]
struct Builder {
    tape: Vec<Entry>,
    items: Vec<u32>,
    strings: String,
    /// The open arrays' element offsets and the open objects' key offsets, innermost last.
    open: Vec<u32>,
    depth: usize,
    too_deep: bool,
    too_large: bool,
}

const TOO_LARGE: &str = "the document holds more than 4 GiB of strings or 2^32 values";

impl Builder {
    fn finish(self) -> Result<Document, String> {
        if self.too_large || self.tape.is_empty() {
            return Err(TOO_LARGE.to_string());
        }
        Ok(Document { tape: self.tape, items: self.items, strings: self.strings })
    }

    /// The crate's error for a failed build.
    fn error(&self, e: &serde_json::Error) -> Error {
        let message = e.to_string();
        if self.too_large {
            return Error::document(ErrorKind::TooLong, TOO_LARGE.to_string());
        }
        if self.too_deep || message.starts_with("recursion limit exceeded") {
            return Error::document(
                ErrorKind::TooDeep,
                format!("the JSON text nests arrays and objects too deep: {message}"),
            );
        }
        Error::document(ErrorKind::InvalidJson, format!("the JSON text does not parse: {message}"))
    }

    /// The key at tape entry `at` ("" if it is not a key).
    fn key_at(&self, at: usize) -> &str {
        match self.tape.get(at) {
            Some(Entry::Key { start, len }) => {
                let start = *start as usize;
                self.strings.get(start..start + *len as usize).unwrap_or_default()
            }
            _ => "",
        }
    }

    fn string(&mut self, s: &str) -> Option<(u32, u32)> {
        let start = u32::try_from(self.strings.len()).ok()?;
        let len = u32::try_from(s.len()).ok()?;
        start.checked_add(len)?;
        self.strings.push_str(s);
        Some((start, len))
    }

    fn offset_from(&mut self, at: usize) -> u32 {
        match u32::try_from(self.tape.len() - at) {
            Ok(o) => o,
            Err(_) => {
                self.too_large = true;
                0
            }
        }
    }

    /// Ends the array or object whose entry is at `at` (its `len` items' offsets are at `items` in the item
    /// table): writes its entry, built by `entry(len, span, items)`, and leaves its level.
    fn close<E: de::Error>(
        &mut self,
        at: usize,
        items: Option<u32>,
        len: usize,
        entry: fn(u32, u32, u32) -> Entry,
    ) -> Result<(), E> {
        let span = self.offset_from(at);
        match (items, u32::try_from(len), self.tape.get_mut(at)) {
            (Some(items), Ok(len), Some(slot)) if !self.too_large => *slot = entry(len, span, items),
            _ => {
                self.too_large = true;
                return Err(E::custom(TOO_LARGE));
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn enter<E: de::Error>(&mut self) -> Result<(), E> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.too_deep = true;
            return Err(E::custom(format_args!("more than {MAX_DEPTH} levels")));
        }
        if self.tape.len() >= u32::MAX as usize {
            self.too_large = true;
            return Err(E::custom(TOO_LARGE));
        }
        Ok(())
    }

    /// Sorts the members of the object whose entry is at `at` (their key offsets are `open[base..]`) by key,
    /// keeping the last of equal keys: the order and the members of a serde_json `Map`. Returns the members' key
    /// offsets.
    fn settle_object(&mut self, at: usize, base: usize) -> Vec<u32> {
        let keys = self.open.split_off(base);
        let sorted = keys
            .windows(2)
            .all(|w| matches!(w, [a, b] if self.key_at(at + *a as usize) < self.key_at(at + *b as usize)));
        if sorted {
            return keys;
        }
        // (key, first entry, end): each member's block of the tape, ends relative to the object too.
        let end = self.tape.len() - at;
        let mut blocks: Vec<(&str, usize, usize)> = Vec::with_capacity(keys.len());
        for (i, off) in keys.iter().enumerate() {
            let stop = keys.get(i + 1).map_or(end, |n| *n as usize);
            blocks.push((self.key_at(at + *off as usize), *off as usize, stop));
        }
        // Stable: equal keys stay in text order, and the last of each run is the one kept.
        blocks.sort_by(|a, b| a.0.cmp(b.0));
        let mut kept: Vec<(usize, usize)> = Vec::with_capacity(blocks.len());
        for (i, (k, from, to)) in blocks.iter().enumerate() {
            if blocks.get(i + 1).map_or(true, |next| next.0 != *k) {
                kept.push((*from, *to));
            }
        }
        let mut members = Vec::with_capacity(end);
        let mut offsets = Vec::with_capacity(kept.len());
        for (from, to) in &kept {
            offsets.push(u32::try_from(1 + members.len()).unwrap_or(u32::MAX));
            members.extend_from_slice(self.tape.get(at + from..at + to).unwrap_or_default());
        }
        self.tape.truncate(at + 1);
        self.tape.extend(members);
        offsets
    }
}

/// Deserializes one value onto the builder's tape.
struct Seed<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// Deserializes an object key onto the tape.
struct KeySeed<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        let Some((start, len)) = self.0.string(s) else {
            self.0.too_large = true;
            return Err(E::custom(TOO_LARGE));
        };
        self.0.tape.push(Entry::Key { start, len });
        Ok(())
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.tape.push(Entry::Null);
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.0.tape.push(Entry::Bool(b));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<(), E> {
        self.0.tape.push(Entry::Int(i));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<(), E> {
        self.0.tape.push(i64::try_from(u).map_or(Entry::UInt(u), Entry::Int));
        Ok(())
    }

    fn visit_i128<E: de::Error>(self, i: i128) -> Result<(), E> {
        // As `Value` takes them: the integers that fit an i64 or a u64.
        match (i64::try_from(i), u64::try_from(i)) {
            (Ok(i), _) => self.visit_i64(i),
            (_, Ok(u)) => self.visit_u64(u),
            _ => Err(E::custom("a number out of the range of i64 and u64")),
        }
    }

    fn visit_u128<E: de::Error>(self, u: u128) -> Result<(), E> {
        match u64::try_from(u) {
            Ok(u) => self.visit_u64(u),
            Err(_) => Err(E::custom("a number out of the range of i64 and u64")),
        }
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<(), E> {
        // serde_json reads a number too large for a float as an error; another deserializer may hand one over.
        if !f.is_finite() {
            return Err(E::custom("a number that is not finite"));
        }
        self.0.tape.push(Entry::Float(f));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        let Some((start, len)) = self.0.string(s) else {
            self.0.too_large = true;
            return Err(E::custom(TOO_LARGE));
        };
        self.0.tape.push(Entry::Str { start, len });
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let b = self.0;
        b.enter()?;
        let at = b.tape.len();
        b.tape.push(Entry::Array { len: 0, span: 0, items: 0 });
        let base = b.open.len();
        loop {
            let off = b.offset_from(at);
            if seq.next_element_seed(Seed(b))?.is_none() {
                break;
            }
            b.open.push(off);
        }
        let len = b.open.len() - base;
        let items = u32::try_from(b.items.len()).ok();
        b.items.extend(b.open.drain(base..));
        b.close(at, items, len, |len, span, items| Entry::Array { len, span, items })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let b = self.0;
        b.enter()?;
        let at = b.tape.len();
        b.tape.push(Entry::Object { len: 0, span: 0, keys: 0 });
        let base = b.open.len();
        loop {
            let off = b.offset_from(at);
            if map.next_key_seed(KeySeed(b))?.is_none() {
                break;
            }
            b.open.push(off);
            map.next_value_seed(Seed(b))?;
        }
        let offsets = b.settle_object(at, base);
        let keys = u32::try_from(b.items.len()).ok();
        let len = offsets.len();
        b.items.extend(offsets);
        b.close(at, keys, len, |len, span, keys| Entry::Object { len, span, keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Text → Document → Value equals serde_json's parse, and the Document writes the same text.
    fn same_as_serde_json(text: &str) {
        let want: Value = serde_json::from_str(text).unwrap();
        let doc = Document::from_json_str(text).unwrap();
        assert_eq!(doc.to_value(), want, "{text}");
        assert_eq!(serde_json::to_string(&doc).unwrap(), want.to_string(), "{text}");
        assert_eq!(Document::from_value(&want).unwrap().to_value(), want, "{text}");
        assert_eq!(serde_json::from_str::<Document>(text).unwrap().to_value(), want, "{text}");
    }

    #[test]
    fn reads_back_as_serde_json_parses() {
        for text in [
            "null",
            "true",
            "0",
            "-0",
            "-0.0",
            "1.5e3",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "123456789012345678901234567890",
            r#""a\"b\\c\n\u00e9\ud83d\ude00\u0000""#,
            "[]",
            "{}",
            "[[[]], {}, [{}]]",
            r#"{"b": 1, "a": [1, {"z": null, "y": [true, false]}], "A": "x", "": 0}"#,
            r#"{"k": 1, "k": 2}"#,
            r#"{"k": [1, 2, 3], "a": 0, "k": {"x": 1}, "b": 1, "k": "last"}"#,
            r#"{"z": {"b": 1, "b": [2], "a": 3}, "y": [{"q": 1, "p": 2, "q": 3}]}"#,
            "  [1 , 2 ]  ",
        ] {
            same_as_serde_json(text);
        }
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_and_every_read_agrees() {
        let text = r#"{"members": [{"value": "a"}], "id": "x", "members": [{"value": "b"}, {"value": "c"}]}"#;
        let doc = Document::from_json_str(text).unwrap();
        let root = doc.root();
        assert_eq!(root.member_count(), Ok(2));
        let members = root.member("members").unwrap().unwrap();
        assert_eq!(members.view(), Ok(View::Array(2)));
        let first = members.index(0).unwrap().unwrap();
        assert!(first.eq_value(&json!({"value": "b"})).unwrap());
        assert_eq!(members.index(2), Ok(None));
        let mut keys = Vec::new();
        root.members(&mut |k, _| {
            keys.push(k.to_string());
            Ok(true)
        })
        .unwrap();
        assert_eq!(keys, ["id", "members"]);
    }

    #[test]
    fn reads_agree_with_a_value_s() {
        let v = json!({"nickName": 1, "NickName": 2, "nickname": 3, "userName": 4, "zeta": [1, {"a": 2}, [3]],
                       "Zeta": 5, "list": [], "n": -1.5, "big": 18446744073709551615u64,
                       "alpha": 6, "ALPHA": 7, "Alpha": 8});
        let doc = Document::from_value(&v).unwrap();
        let root = doc.root();
        for name in [
            "nickname", "NICKNAME", "NickName", "userName", "username", "zeta", "ZETA", "list", "n", "absent", "AlPhA",
            "alpha",
        ] {
            let want = Node::get(&&v, name).unwrap().cloned();
            assert_eq!(root.get(name).unwrap().map(|d| d.to_value()), want, "get {name}");
            assert_eq!(root.key_like(name).unwrap(), (&v).key_like(name).unwrap(), "key_like {name}");
            let exact = root.member(name).unwrap().map(|d| d.to_value());
            assert_eq!(exact, v.get(name).cloned(), "member {name}");
        }
        for (k, child) in v.as_object().unwrap() {
            let d = root.member(k).unwrap().unwrap();
            assert_eq!(d.view().unwrap(), (&child).view().unwrap(), "{k}");
            assert!(d.eq_value(child).unwrap(), "{k}");
            assert_eq!(d.elements().unwrap().len(), (&child).elements().unwrap().len());
            for other in v.as_object().unwrap().values() {
                assert_eq!(d.eq_value(other).unwrap(), child == other, "{k} against {other}");
            }
        }
        assert!(!root.eq_value(&json!({})).unwrap());
        let n = root.member("n").unwrap().unwrap();
        assert_eq!(n.get("x"), Ok(None), "a number has no members");
        assert_eq!(n.index(0), Ok(None));
        assert_eq!(n.member_count(), Ok(0));
        let mut any = false;
        root.any_member(&mut |m| {
            any |= m.eq_value(&json!(4)).unwrap();
            Ok(any)
        })
        .unwrap();
        assert!(any);
    }

    #[test]
    fn numbers_compare_as_serde_json_s() {
        let doc = Document::from_json_str(r#"[1, 1.0, -0.0, 0, 18446744073709551615, 1e2]"#).unwrap();
        let e: Vec<DocRef<'_>> = doc.root().elements().unwrap();
        let v: Value = serde_json::from_str(r#"[1, 1.0, -0.0, 0, 18446744073709551615, 1e2]"#).unwrap();
        for (d, want) in e.iter().zip(v.as_array().unwrap()) {
            for other in v.as_array().unwrap() {
                assert_eq!(d.eq_value(other).unwrap(), want == other, "{want} against {other}");
            }
        }
        assert_eq!(e[0].view(), Ok(View::Number(Num::Int(1))));
        assert_eq!(e[4].view(), Ok(View::Number(Num::UInt(u64::MAX))));
        assert_eq!(e[5].view(), Ok(View::Number(Num::Float(100.0))));
    }

    #[test]
    fn invalid_text_is_an_error_with_its_position() {
        for (text, at) in [("", 0), ("{", 1), (r#"{"a": }"#, 6), ("[1,]", 3), ("[1] x", 4), ("nul", 3), ("1e999", 4)] {
            let e = Document::from_json_str(text).unwrap_err();
            assert_eq!(e.code(), "document.invalid_json", "{text}: {e}");
            assert_eq!(e.position(), Some(at), "{text}: {e}");
            assert!(serde_json::from_str::<Value>(text).is_err());
        }
        let e = Document::from_json_slice(b"[\"ok\", \"\xc3\"]").unwrap_err();
        assert_eq!((e.code(), e.position()), ("document.invalid_utf8", Some(8)));
        assert_eq!(Document::from_json_slice(b"[\"\xc3\xa9\"]").unwrap().to_value(), json!(["é"]));
    }

    #[test]
    fn hostile_nesting_is_refused_as_serde_json_refuses_it() {
        for depth in [126, 127, 128, 129, 100_000] {
            let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let ours = Document::from_json_str(&text);
            let theirs = serde_json::from_str::<Value>(&text);
            assert_eq!(ours.is_ok(), theirs.is_ok(), "depth {depth}");
            if let Err(e) = ours {
                assert_eq!(e.code(), "document.too_deep", "{e}");
            }
            let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            assert_eq!(Document::from_json_str(&objects).is_ok(), serde_json::from_str::<Value>(&objects).is_ok());
        }
        // A Value may nest deeper than JSON text can: refused past MAX_DEPTH.
        let mut v = json!(1);
        for _ in 0..MAX_DEPTH {
            v = json!([v]);
        }
        assert!(Document::from_value(&v).is_ok());
        let deeper = json!([v]);
        assert_eq!(Document::from_value(&deeper).unwrap_err().code(), "document.too_deep");
    }

    #[test]
    fn a_failure_converts_into_the_request_s_error() {
        let e = Error::document(ErrorKind::Cyclic, "x");
        assert_eq!(Error::from(crate::overlay::Failure::<Infallible>::Patch(e.clone())), e);
    }
}
