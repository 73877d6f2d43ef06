//! The read-only document trait filters evaluate through.
//!
//! Evaluation never converts a document: it asks for one attribute at a time. [`Node`] is implemented for
//! `&serde_json::Value` here, and by the bindings for Python dicts and JavaScript objects, so that a
//! `userName eq "x"` check on a host object touches one key.

use std::borrow::Cow;
use std::convert::Infallible;

use crate::compare::Num;

/// What a node holds, as far as evaluation needs to know.
#[derive(Debug, Clone, PartialEq)]
pub enum View<'a> {
    /// JSON `null` (or a host's equivalent).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(Num),
    /// A string.
    String(Cow<'a, str>),
    /// An array of this many elements, read with [`Node::index`].
    Array(usize),
    /// An object, read with [`Node::get`] and [`Node::any_member`].
    Object,
}

/// A read-only view of a JSON-like document.
///
/// Implementations are cheap handles (a reference, a host object pointer). `Error` is what reading a host value
/// can fail with (a Python `__getitem__` that raises); it is [`Infallible`] for `serde_json::Value`.
pub trait Node: Sized + Clone {
    /// The failure of reading a host value.
    type Error;

    /// What this node holds.
    fn view(&self) -> Result<View<'_>, Self::Error>;

    /// The member of an object whose key equals `name` ignoring ASCII case (attribute names are ASCII, RFC 7643
    /// §2.1). An exact match wins over a case-insensitive one. `None` for a missing member or a non-object.
    fn get(&self, name: &str) -> Result<Option<Self>, Self::Error>;

    /// Element `i` of an array; `None` out of range or for a non-array.
    fn index(&self, i: usize) -> Result<Option<Self>, Self::Error>;

    /// Whether `f` holds for any member value of an object (false for a non-object).
    fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, Self::Error>) -> Result<bool, Self::Error>;
}

/// Objects with more members than this are searched by key first; smaller ones (complex values such as group
/// members, emails, `name`, `meta`) in one walk over their keys. 11 is what one node of serde_json's B-tree map
/// holds: up to there, the ordered search is itself a walk, one that reads every key's bytes.
const SMALL_OBJECT: usize = 11;

/// The member `name` of an object: the one spelled exactly so, else the first whose name equals it ignoring
/// ASCII case.
pub(crate) fn lookup<'v>(
    map: &'v serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<&'v serde_json::Value> {
    if map.len() > SMALL_OBJECT {
        return map.get(name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v));
    }
    member(map, name)
}

/// The member `name` of a small object: the one spelled exactly so, else the first whose name equals it ignoring
/// ASCII case. One walk over the keys, comparing lengths first: only keys as long as `name` have their bytes read,
/// where the map's ordered search reads every key it passes (a cache miss each when a filter scans the members of
/// a large group). The keys are sorted, so the walk starts from the end nearer to `name` and usually stops at the
/// first key it reads (`value`, the most read sub-attribute, is the last key of a group member).
fn member<'v>(map: &'v serde_json::Map<String, serde_json::Value>, name: &str) -> Option<&'v serde_json::Value> {
    let from_end = name.as_bytes().first().is_some_and(|b| b.to_ascii_lowercase() > b'm');
    let mut folded = None;
    let mut visit = |(k, v): (&'v String, &'v serde_json::Value)| {
        if k.len() == name.len() {
            if k == name {
                return Some(v);
            }
            // Walking backwards, the last match seen is the first in key order.
            if (from_end || folded.is_none()) && k.eq_ignore_ascii_case(name) {
                folded = Some(v);
            }
        }
        None
    };
    let exact = if from_end { map.iter().rev().find_map(&mut visit) } else { map.iter().find_map(&mut visit) };
    exact.or(folded)
}

impl Node for &serde_json::Value {
    type Error = Infallible;

    fn view(&self) -> Result<View<'_>, Infallible> {
        use serde_json::Value;
        Ok(match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => View::Number(Num::from_json(n)),
            Value::String(s) => View::String(Cow::Borrowed(s)),
            Value::Array(a) => View::Array(a.len()),
            Value::Object(_) => View::Object,
        })
    }

    fn get(&self, name: &str) -> Result<Option<Self>, Infallible> {
        let serde_json::Value::Object(map) = self else {
            return Ok(None);
        };
        Ok(lookup(map, name))
    }

    fn index(&self, i: usize) -> Result<Option<Self>, Infallible> {
        Ok(self.as_array().and_then(|a| a.get(i)))
    }

    fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, Infallible>) -> Result<bool, Infallible> {
        let Some(map) = self.as_object() else {
            return Ok(false);
        };
        for v in map.values() {
            if f(&v)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
