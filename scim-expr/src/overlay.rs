//! Applying a PATCH to a document the caller holds in another form, without converting it.
//!
//! [`Patch::apply_to`](crate::Patch::apply_to) reads the resource through [`Host`] (a [`Node`] that can also list
//! an object's members) and returns a [`Lazy`] document: copy-on-write, it holds the host's own subtrees wherever
//! the request changed nothing and materializes only the objects and arrays it wrote into, one level at a time.
//! Adding one member to a 10,000-member group reads each member's `value` in place and yields the input's members
//! (still host values) plus one new element; no member is converted either way.
//!
//! The engine is the one [`Patch::apply`](crate::Patch::apply) runs: only the document's representation differs.

use std::convert::Infallible;
use std::fmt;

use serde_json::Value;

use crate::compare::{same_str, Num};
use crate::node::{Node, View};
use crate::Error;

/// A [`Node`] whose object members can be listed and looked up by their exact key: what the PATCH engine needs
/// beyond a filter's reads (the document's spelling of a key, equality with a request's value).
///
/// Equality and hashing of a host value follow what [`view`](Node::view) reports, so they agree with `Value`'s own
/// equality after the binding's conversion as long as the view and the conversion agree (a number that the
/// conversion makes an integer is a [`Num::Int`] or [`Num::UInt`], one it makes a float a [`Num::Float`]).
pub trait Host: Node {
    /// The member of an object whose key is exactly `key`; `None` for a missing member or a non-object.
    fn member(&self, key: &str) -> Result<Option<Self>, Self::Error>;

    /// Calls `f` with each member of an object, in the object's order, until `f` returns `false`; nothing for a
    /// non-object.
    #[allow(clippy::type_complexity)] // the shape of `Node::any_member`, with the key
    fn members(&self, f: &mut dyn FnMut(&str, Self) -> Result<bool, Self::Error>) -> Result<(), Self::Error>;

    /// The smallest key of an object (in byte order) that equals `name` ignoring ASCII case: the document's
    /// spelling of an attribute, which the PATCH engine writes back under. `None` when no key matches or for a
    /// non-object. The default walks every member (a host object's order says nothing about which key is
    /// smallest); a host that knows more answers sooner: one whose keys are sorted stops at the first match, one
    /// that knows no two of an object's keys are equal ignoring case can answer an exact [`member`](Host::member)
    /// probe with `name` itself.
    fn key_like(&self, name: &str) -> Result<Option<String>, Self::Error> {
        let mut found: Option<String> = None;
        self.members(&mut |k, _| {
            if k.len() == name.len() && k.eq_ignore_ascii_case(name) && found.as_deref().map_or(true, |f| k < f) {
                found = Some(k.to_string());
            }
            Ok(true)
        })?;
        Ok(found)
    }

    /// The elements of an array, in order (none for a non-array). The default reads them by index.
    fn elements(&self) -> Result<Vec<Self>, Self::Error> {
        elements_by_index(self)
    }

    /// How many members an object has (0 for a non-object).
    fn member_count(&self) -> Result<usize, Self::Error> {
        let mut n = 0;
        self.members(&mut |_, _| {
            n += 1;
            Ok(true)
        })?;
        Ok(n)
    }

    /// Whether this value equals `v` as `serde_json::Value`s compare (object member order ignored, an integer
    /// never equal to a float). Terminates on cyclic hosts: the walk follows `v`, which is finite.
    fn eq_value(&self, v: &Value) -> Result<bool, Self::Error> {
        eq_value(self, v)
    }

    /// Whether member `name` (as [`Node::get`] finds it: the exact key, else the smallest equal ignoring ASCII
    /// case) equals `v` ([`eq_value`](Host::eq_value)); `None` when the member is absent or null, or for a
    /// non-object. The read a scan of a large multi-valued attribute makes per element (does a group member's
    /// `value` equal the one being added?); a host that can answer it in one step overrides it.
    fn member_eq(&self, name: &str, v: &Value) -> Result<Option<bool>, Self::Error> {
        match self.get(name)? {
            Some(m) if !matches!(m.view()?, View::Null) => m.eq_value(v).map(Some),
            _ => Ok(None),
        }
    }

    /// Calls `f(i, s)` for each element `i` of an array, in order, until `f` returns `false`: `s` is the
    /// element's member `name` (as [`Node::get`] finds it) when that member is a string, `None` when it is not
    /// (absent, another type, or the element is not an object). Nothing for a non-array.
    ///
    /// What the PATCH engine reads of every element of a large multi-valued attribute to find those a request
    /// names (a group's members by their `value`s). The default reads each element through
    /// [`index`](Node::index) and [`get`](Node::get); a host that holds its arrays compactly answers in one loop.
    fn element_strings(&self, name: &str, f: &mut dyn FnMut(usize, Option<&str>) -> bool) -> Result<(), Self::Error> {
        element_strings_by_index(self, name, f)
    }

    /// The first element of an array, at position `from` or after, whose member `name` (as [`Node::get`] finds
    /// it) is a string equal to one of `wants`: its position, and the position in `wants` of the first string it
    /// equals. `None` when no element is, or for a non-array.
    ///
    /// The search adding a few values to a large multi-valued attribute makes (is this member already in the
    /// group?), called again from after each element found that turns out not to be the value (another `type`):
    /// it reads only the elements from `from` on. The default reads them through [`index`](Node::index) and
    /// [`get`](Node::get).
    fn find_element_string(
        &self,
        name: &str,
        wants: &[&str],
        from: usize,
    ) -> Result<Option<(usize, usize)>, Self::Error> {
        find_by_index(self, name, wants, from)
    }
}

/// [`Host::find_element_string`] through [`Node::index`] and [`Node::get`].
fn find_by_index<N: Node>(n: &N, name: &str, wants: &[&str], from: usize) -> Result<Option<(usize, usize)>, N::Error> {
    let mut found = None;
    element_strings_from(n, name, from, &mut |i, s| {
        found = s.and_then(|s| wants.iter().position(|w| same_str(w, s))).map(|j| (i, j));
        found.is_none()
    })?;
    Ok(found)
}

/// [`Host::element_strings`] through [`Node::index`] and [`Node::get`].
fn element_strings_by_index<N: Node>(
    n: &N,
    name: &str,
    f: &mut dyn FnMut(usize, Option<&str>) -> bool,
) -> Result<(), N::Error> {
    element_strings_from(n, name, 0, f)
}

/// [`element_strings_by_index`] from element `from` on.
fn element_strings_from<N: Node>(
    n: &N,
    name: &str,
    from: usize,
    f: &mut dyn FnMut(usize, Option<&str>) -> bool,
) -> Result<(), N::Error> {
    let View::Array(len) = n.view()? else { return Ok(()) };
    for i in from..len {
        let Some(element) = n.index(i)? else { break };
        let more = match element.get(name)? {
            Some(m) => match m.view()? {
                View::String(s) => f(i, Some(&s)),
                _ => f(i, None),
            },
            None => f(i, None),
        };
        if !more {
            break;
        }
    }
    Ok(())
}

/// [`Host::elements`] through [`Node::index`].
fn elements_by_index<N: Node>(n: &N) -> Result<Vec<N>, N::Error> {
    let View::Array(len) = n.view()? else { return Ok(Vec::new()) };
    let mut items = Vec::with_capacity(len);
    for i in 0..len {
        match n.index(i)? {
            Some(e) => items.push(e),
            None => break,
        }
    }
    Ok(items)
}

/// [`Host::eq_value`] through the trait's reads alone.
pub(crate) fn eq_value<N: Host>(n: &N, v: &Value) -> Result<bool, N::Error> {
    Ok(match (n.view()?, v) {
        (View::Null, Value::Null) => true,
        (View::Bool(a), Value::Bool(b)) => a == *b,
        (View::Number(a), Value::Number(b)) => num_eq(a, b),
        (View::String(a), Value::String(b)) => a == b.as_str(),
        (View::Array(len), Value::Array(items)) => {
            if len != items.len() {
                return Ok(false);
            }
            for (i, item) in items.iter().enumerate() {
                match n.index(i)? {
                    Some(e) if e.eq_value(item)? => {}
                    _ => return Ok(false),
                }
            }
            true
        }
        (View::Object, Value::Object(map)) => {
            if n.member_count()? != map.len() {
                return Ok(false);
            }
            // As many members, each key of `n` (keys are distinct) in `map` with an equal value: the same keys.
            let mut equal = true;
            n.members(&mut |k, child| {
                equal = match map.get(k) {
                    Some(want) => child.eq_value(want)?,
                    None => false,
                };
                Ok(equal)
            })?;
            equal
        }
        _ => false,
    })
}

/// Whether a host number equals a JSON number as serde_json compares them: integers by value, floats by value,
/// never an integer and a float.
fn num_eq(a: Num, b: &serde_json::Number) -> bool {
    match a {
        Num::Int(i) => b.as_i64() == Some(i),
        Num::UInt(u) => b.as_u64() == Some(u),
        Num::Float(f) => b.is_f64() && b.as_f64() == Some(f),
    }
}

impl Host for &Value {
    fn member(&self, key: &str) -> Result<Option<Self>, Infallible> {
        Ok(self.as_object().and_then(|o| o.get(key)))
    }

    fn members(&self, f: &mut dyn FnMut(&str, Self) -> Result<bool, Infallible>) -> Result<(), Infallible> {
        for (k, v) in self.as_object().into_iter().flatten() {
            if !f(k, v)? {
                break;
            }
        }
        Ok(())
    }

    fn member_count(&self) -> Result<usize, Infallible> {
        Ok(self.as_object().map_or(0, serde_json::Map::len))
    }

    fn key_like(&self, name: &str) -> Result<Option<String>, Infallible> {
        Ok(self.as_object().and_then(|o| key_like_sorted(o, name)).cloned())
    }

    fn elements(&self) -> Result<Vec<Self>, Infallible> {
        Ok(self.as_array().map(|a| a.iter().collect()).unwrap_or_default())
    }

    fn eq_value(&self, v: &Value) -> Result<bool, Infallible> {
        Ok(**self == *v)
    }

    fn member_eq(&self, name: &str, v: &Value) -> Result<Option<bool>, Infallible> {
        Ok(sure(Node::get(self, name)).filter(|m| !m.is_null()).map(|m| m == v))
    }

    fn element_strings(&self, name: &str, f: &mut dyn FnMut(usize, Option<&str>) -> bool) -> Result<(), Infallible> {
        for (i, element) in self.as_array().into_iter().flatten().enumerate() {
            if !f(i, sure(Node::get(&element, name)).and_then(Value::as_str)) {
                break;
            }
        }
        Ok(())
    }

    fn find_element_string(
        &self,
        name: &str,
        wants: &[&str],
        from: usize,
    ) -> Result<Option<(usize, usize)>, Infallible> {
        let elements = self.as_array().map_or(&[][..], Vec::as_slice);
        Ok(elements.iter().enumerate().skip(from).find_map(|(i, element)| {
            let s = sure(Node::get(&element, name)).and_then(Value::as_str)?;
            wants.iter().position(|w| same_str(w, s)).map(|j| (i, j))
        }))
    }
}

/// [`Host::key_like`] in a `serde_json` object, whose keys are sorted: the first match is the smallest.
fn key_like_sorted<'m>(o: &'m serde_json::Map<String, Value>, name: &str) -> Option<&'m String> {
    o.keys().find(|k| k.len() == name.len() && k.eq_ignore_ascii_case(name))
}

/// [`Host::key_like`] among the members of a materialized object, in the host's order.
fn key_like_listed<'m, H>(members: &'m [(String, Lazy<H>)], name: &str) -> Option<&'m String> {
    let mut found: Option<&String> = None;
    for (k, _) in members {
        if k.len() == name.len() && k.eq_ignore_ascii_case(name) && found.map_or(true, |f| k < f) {
            found = Some(k);
        }
    }
    found
}

/// The spare capacity of a materialized array.
const APPEND_ROOM: usize = 8;

/// A copy-on-write document over a host tree `H` (the result of [`Patch::apply_to`](crate::Patch::apply_to)).
#[derive(Debug, Clone, PartialEq)]
pub enum Lazy<H> {
    /// A host subtree the request left as it was.
    Host(H),
    /// A value the request put there (or built), as JSON.
    Owned(Value),
    /// A host object the request wrote into: its members, in the host's order, with new keys at the end.
    Object(Vec<(String, Lazy<H>)>),
    /// A host array the request wrote into: its elements.
    Array(Vec<Lazy<H>>),
    /// A host array the request only removed elements from and appended values to: the host's elements except
    /// those at `removed` (their positions in the host array, ascending), then `appended`. What adding a member to
    /// a large group (or removing one) gives: the kept elements are not listed one by one.
    Spliced {
        /// The host array.
        host: H,
        /// The positions, in `host`, of the elements removed, ascending.
        removed: Vec<usize>,
        /// The values appended after the host's kept elements.
        appended: Vec<Value>,
    },
}

/// The position in a host array of element `i` of its [`Lazy::Spliced`] form, when `i` is one of the host's kept
/// elements (`i` < the host's length − `removed.len()`, which the caller checks): `i` plus the removed positions
/// at or before it.
fn host_position(removed: &[usize], i: usize) -> usize {
    // `removed[k] - k` kept elements come before `removed[k]`, a count that never decreases with `k`: the
    // removed positions at or before element `i` are those where it is at most `i`.
    let (mut lo, mut hi) = (0, removed.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if removed.get(mid).is_some_and(|r| r.saturating_sub(mid) <= i) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    i + lo
}

impl Lazy<&Value> {
    /// The document as one JSON value (the host subtrees cloned).
    pub fn to_value(&self) -> Value {
        match self {
            Lazy::Host(v) => (*v).clone(),
            Lazy::Owned(v) => v.clone(),
            Lazy::Object(members) => Value::Object(members.iter().map(|(k, v)| (k.clone(), v.to_value())).collect()),
            Lazy::Array(items) => Value::Array(items.iter().map(|i| i.to_value()).collect()),
            Lazy::Spliced { host, removed, appended } => Value::Array(
                kept_elements(host.as_array().map_or(&[][..], Vec::as_slice), removed)
                    .cloned()
                    .chain(appended.iter().cloned())
                    .collect(),
            ),
        }
    }
}

/// How many elements of the host array `host` a [`Lazy::Spliced`] form keeps.
pub(crate) fn spliced_kept<H: Host>(host: &H, removed: &[usize]) -> Result<usize, H::Error> {
    Ok(match host.view()? {
        View::Array(n) => n.saturating_sub(removed.len()),
        _ => 0,
    })
}

/// The elements of `items` not at the (ascending) positions `removed`: the kept elements of a
/// [`Lazy::Spliced`] array whose host array's elements are `items`.
///
/// ```
/// use scim_expr::overlay::kept_elements;
/// let kept: Vec<&char> = kept_elements(&['a', 'b', 'c', 'd'], &[1, 2]).collect();
/// assert_eq!(kept, [&'a', &'d']);
/// ```
pub fn kept_elements<'i, T>(items: &'i [T], removed: &'i [usize]) -> impl Iterator<Item = &'i T> + 'i {
    let mut next = removed.iter().peekable();
    items.iter().enumerate().filter_map(move |(i, item)| {
        if next.peek() == Some(&&i) {
            next.next();
            None
        } else {
            Some(item)
        }
    })
}

/// JSON text straight from the result, host parts written from the host (`serde_json::to_string(&lazy)`): the
/// same text as serializing [`to_value`](Lazy::to_value)'s result, object members in key order.
///
/// ```
/// use scim_expr::{Document, Patch};
/// use serde_json::json;
///
/// let patch = Patch::parse(&json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "replace", "path": "displayName", "value": "Ops"}]
/// }))?;
/// let group: Document = r#"{"members": [{"value": "a"}], "displayName": "Admins"}"#.parse()?;
/// let (result, _) = patch.apply_to(group.root())?;
/// assert_eq!(serde_json::to_string(&result).unwrap(), r#"{"displayName":"Ops","members":[{"value":"a"}]}"#);
/// # Ok::<(), scim_expr::Error>(())
/// ```
impl<H> serde::Serialize for Lazy<H>
where
    H: Host + serde::Serialize,
    H::Error: fmt::Display,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeMap, SerializeSeq};
        match self {
            Lazy::Host(h) => h.serialize(s),
            Lazy::Owned(v) => v.serialize(s),
            Lazy::Spliced { host, removed, appended } => {
                let kept = host.elements().map_err(S::Error::custom)?;
                let mut seq = s.serialize_seq(Some(kept.len().saturating_sub(removed.len()) + appended.len()))?;
                for item in kept_elements(&kept, removed) {
                    seq.serialize_element(item)?;
                }
                for v in appended {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Lazy::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Lazy::Object(members) => {
                // New keys were appended: in key order, as a `Value`'s map writes them.
                let mut sorted: Vec<&(String, Lazy<H>)> = members.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                let mut map = s.serialize_map(Some(sorted.len()))?;
                for (k, v) in sorted {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<H: Host> Lazy<H> {
    /// A read handle on this document.
    pub(crate) fn read(&self) -> LazyRef<'_, H> {
        match self {
            Lazy::Host(h) => LazyRef::Host(h.clone()),
            Lazy::Owned(v) => LazyRef::Value(v),
            Lazy::Object(members) => LazyRef::Object(members),
            Lazy::Array(items) => LazyRef::Array(items),
            Lazy::Spliced { host, removed, appended } => LazyRef::Spliced { host: host.clone(), removed, appended },
        }
    }

    /// Turns a host object or array into a materialized level whose children are still host values; anything
    /// else stays as it is.
    pub(crate) fn materialize(&mut self) -> Result<(), H::Error> {
        if let Lazy::Spliced { host, removed, appended } = self {
            let elements = host.elements()?;
            let mut items = Vec::with_capacity(elements.len() + appended.len() + APPEND_ROOM);
            items.extend(kept_elements(&elements, removed).cloned().map(Lazy::Host));
            items.extend(std::mem::take(appended).into_iter().map(Lazy::Owned));
            *self = Lazy::Array(items);
            return Ok(());
        }
        let Lazy::Host(h) = self else { return Ok(()) };
        match h.view()? {
            View::Object => {
                let mut members = Vec::new();
                h.members(&mut |k, child| {
                    members.push((k.to_string(), Lazy::Host(child)));
                    Ok(true)
                })?;
                *self = Lazy::Object(members);
            }
            View::Array(_) => {
                let elements = h.elements()?;
                // A materialized array is one the request writes into, most often by appending a few elements:
                // room for them saves copying a large array's handles again.
                let mut items = Vec::with_capacity(elements.len() + APPEND_ROOM);
                items.extend(elements.into_iter().map(Lazy::Host));
                *self = Lazy::Array(items);
            }
            _ => {}
        }
        Ok(())
    }
}

/// A read handle on a [`Lazy`] document: what the engine reads through.
#[derive(Debug)]
pub(crate) enum LazyRef<'a, H> {
    Host(H),
    Value(&'a Value),
    Object(&'a [(String, Lazy<H>)]),
    Array(&'a [Lazy<H>]),
    Spliced { host: H, removed: &'a [usize], appended: &'a [Value] },
}

impl<H: Clone> Clone for LazyRef<'_, H> {
    fn clone(&self) -> Self {
        match self {
            LazyRef::Host(h) => LazyRef::Host(h.clone()),
            LazyRef::Value(v) => LazyRef::Value(v),
            LazyRef::Object(m) => LazyRef::Object(m),
            LazyRef::Array(a) => LazyRef::Array(a),
            LazyRef::Spliced { host, removed, appended } => LazyRef::Spliced { host: host.clone(), removed, appended },
        }
    }
}

fn sure<T>(r: Result<T, Infallible>) -> T {
    match r {
        Ok(t) => t,
        Err(never) => match never {},
    }
}

impl<'a, H: Host> Node for LazyRef<'a, H> {
    type Error = H::Error;

    fn view(&self) -> Result<View<'_>, H::Error> {
        Ok(match self {
            LazyRef::Host(h) => h.view()?,
            LazyRef::Value(v) => match Node::view(v) {
                Ok(view) => view,
                Err(never) => match never {},
            },
            LazyRef::Object(_) => View::Object,
            LazyRef::Array(a) => View::Array(a.len()),
            LazyRef::Spliced { host, removed, appended } => View::Array(spliced_kept(host, removed)? + appended.len()),
        })
    }

    fn get(&self, name: &str) -> Result<Option<Self>, H::Error> {
        Ok(match self {
            LazyRef::Host(h) => h.get(name)?.map(LazyRef::Host),
            LazyRef::Value(v) => sure(Node::get(v, name)).map(LazyRef::Value),
            // As `lookup` finds it in the converted object: the exact key, else the first (smallest) one equal to
            // it ignoring case.
            LazyRef::Object(members) => members
                .iter()
                .find(|(k, _)| k == name)
                .or_else(|| {
                    members.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).min_by(|(a, _), (b, _)| a.cmp(b))
                })
                .map(|(_, v)| v.read()),
            LazyRef::Array(_) | LazyRef::Spliced { .. } => None,
        })
    }

    fn index(&self, i: usize) -> Result<Option<Self>, H::Error> {
        Ok(match self {
            LazyRef::Host(h) => h.index(i)?.map(LazyRef::Host),
            LazyRef::Value(v) => v.as_array().and_then(|a| a.get(i)).map(LazyRef::Value),
            LazyRef::Array(items) => items.get(i).map(Lazy::read),
            LazyRef::Object(_) => None,
            LazyRef::Spliced { host, removed, appended } => {
                let kept = spliced_kept(host, removed)?;
                if i < kept {
                    host.index(host_position(removed, i))?.map(LazyRef::Host)
                } else {
                    appended.get(i - kept).map(LazyRef::Value)
                }
            }
        })
    }

    fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, H::Error>) -> Result<bool, H::Error> {
        match self {
            LazyRef::Host(h) => h.any_member(&mut |c| f(&LazyRef::Host(c.clone()))),
            LazyRef::Value(v) => {
                for c in v.as_object().into_iter().flat_map(serde_json::Map::values) {
                    if f(&LazyRef::Value(c))? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            LazyRef::Object(members) => {
                for (_, c) in members.iter() {
                    if f(&c.read())? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            LazyRef::Array(_) | LazyRef::Spliced { .. } => Ok(false),
        }
    }
}

impl<'a, H: Host> Host for LazyRef<'a, H> {
    fn member(&self, key: &str) -> Result<Option<Self>, H::Error> {
        Ok(match self {
            LazyRef::Host(h) => h.member(key)?.map(LazyRef::Host),
            LazyRef::Value(v) => v.as_object().and_then(|o| o.get(key)).map(LazyRef::Value),
            LazyRef::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v.read()),
            LazyRef::Array(_) | LazyRef::Spliced { .. } => None,
        })
    }

    fn members(&self, f: &mut dyn FnMut(&str, Self) -> Result<bool, H::Error>) -> Result<(), H::Error> {
        match self {
            LazyRef::Host(h) => h.members(&mut |k, c| f(k, LazyRef::Host(c))),
            LazyRef::Value(v) => {
                for (k, c) in v.as_object().into_iter().flatten() {
                    if !f(k, LazyRef::Value(c))? {
                        break;
                    }
                }
                Ok(())
            }
            LazyRef::Object(members) => {
                for (k, c) in members.iter() {
                    if !f(k, c.read())? {
                        break;
                    }
                }
                Ok(())
            }
            LazyRef::Array(_) | LazyRef::Spliced { .. } => Ok(()),
        }
    }

    fn key_like(&self, name: &str) -> Result<Option<String>, H::Error> {
        match self {
            LazyRef::Host(h) => h.key_like(name),
            LazyRef::Value(v) => Ok(v.as_object().and_then(|o| key_like_sorted(o, name)).cloned()),
            LazyRef::Object(members) => Ok(key_like_listed(members, name).cloned()),
            LazyRef::Array(_) | LazyRef::Spliced { .. } => Ok(None),
        }
    }

    fn elements(&self) -> Result<Vec<Self>, H::Error> {
        match self {
            LazyRef::Host(h) => Ok(h.elements()?.into_iter().map(LazyRef::Host).collect()),
            LazyRef::Value(v) => Ok(v.as_array().map(|a| a.iter().map(LazyRef::Value).collect()).unwrap_or_default()),
            LazyRef::Array(items) => Ok(items.iter().map(Lazy::read).collect()),
            LazyRef::Object(_) => Ok(Vec::new()),
            LazyRef::Spliced { host, removed, appended } => {
                let elements = host.elements()?;
                let kept = kept_elements(&elements, removed).cloned().map(LazyRef::Host);
                Ok(kept.chain(appended.iter().map(LazyRef::Value)).collect())
            }
        }
    }

    fn member_count(&self) -> Result<usize, H::Error> {
        match self {
            LazyRef::Host(h) => h.member_count(),
            LazyRef::Value(v) => Ok(v.as_object().map_or(0, serde_json::Map::len)),
            LazyRef::Object(members) => Ok(members.len()),
            LazyRef::Array(_) | LazyRef::Spliced { .. } => Ok(0),
        }
    }

    fn eq_value(&self, v: &Value) -> Result<bool, H::Error> {
        match self {
            LazyRef::Host(h) => h.eq_value(v),
            LazyRef::Value(own) => Ok(**own == *v),
            LazyRef::Object(_) | LazyRef::Array(_) | LazyRef::Spliced { .. } => eq_value(self, v),
        }
    }

    fn member_eq(&self, name: &str, v: &Value) -> Result<Option<bool>, H::Error> {
        match self {
            LazyRef::Host(h) => h.member_eq(name, v),
            LazyRef::Value(own) => Ok(sure(own.member_eq(name, v))),
            LazyRef::Object(_) | LazyRef::Array(_) | LazyRef::Spliced { .. } => match self.get(name)? {
                Some(m) if !matches!(m.view()?, View::Null) => m.eq_value(v).map(Some),
                _ => Ok(None),
            },
        }
    }

    fn element_strings(&self, name: &str, f: &mut dyn FnMut(usize, Option<&str>) -> bool) -> Result<(), H::Error> {
        match self {
            LazyRef::Host(h) => h.element_strings(name, f),
            LazyRef::Value(v) => {
                sure(v.element_strings(name, f));
                Ok(())
            }
            LazyRef::Array(_) => element_strings_by_index(self, name, f),
            LazyRef::Object(_) => Ok(()),
            LazyRef::Spliced { host, removed, appended } => {
                // The host's elements renumbered around the removed ones, then the appended values.
                let (mut next, mut out, mut stopped) = (removed.iter().peekable(), 0, false);
                host.element_strings(name, &mut |i, s| {
                    if next.peek() == Some(&&i) {
                        next.next();
                        return true;
                    }
                    out += 1;
                    stopped = !f(out - 1, s);
                    !stopped
                })?;
                for (k, v) in appended.iter().enumerate() {
                    if stopped {
                        break;
                    }
                    stopped = !f(out + k, sure(Node::get(&v, name)).and_then(Value::as_str));
                }
                Ok(())
            }
        }
    }

    fn find_element_string(&self, name: &str, wants: &[&str], from: usize) -> Result<Option<(usize, usize)>, H::Error> {
        match self {
            LazyRef::Host(h) => h.find_element_string(name, wants, from),
            LazyRef::Value(v) => Ok(sure(v.find_element_string(name, wants, from))),
            LazyRef::Array(_) | LazyRef::Object(_) => find_by_index(self, name, wants, from),
            LazyRef::Spliced { host, removed, appended } => {
                let kept = spliced_kept(host, removed)?;
                if from < kept {
                    // In the host from the same element on, past the removed ones: each search starts after the
                    // last, so the whole costs one pass however many removed elements match.
                    let mut at = host_position(removed, from);
                    while let Some((found, j)) = host.find_element_string(name, wants, at)? {
                        match removed.binary_search(&found) {
                            Ok(_) => at = found + 1,
                            Err(before) => return Ok(Some((found - before, j))),
                        }
                    }
                }
                Ok(appended.iter().enumerate().skip(from.saturating_sub(kept)).find_map(|(k, v)| {
                    let s = sure(Node::get(&v, name)).and_then(Value::as_str)?;
                    wants.iter().position(|w| same_str(w, s)).map(|j| (kept + k, j))
                }))
            }
        }
    }
}

/// Why [`Patch::apply_to`](crate::Patch::apply_to) failed: the request (as [`Patch::apply`](crate::Patch::apply)
/// would fail), or reading the host document.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure<E> {
    /// The request cannot be applied; the error names the failing operation.
    Patch(Error),
    /// Reading the host document failed.
    Host(E),
}

impl<E> From<Error> for Failure<E> {
    fn from(e: Error) -> Self {
        Failure::Patch(e)
    }
}

impl From<Failure<Infallible>> for Error {
    /// A host that cannot fail to read (`&Value`, a [`DocRef`](crate::DocRef)) fails only with the request's error,
    /// so `?` turns [`Patch::apply_to`](crate::Patch::apply_to)'s failure into an [`Error`].
    fn from(f: Failure<Infallible>) -> Error {
        match f {
            Failure::Patch(e) => e,
            Failure::Host(never) => match never {},
        }
    }
}

impl<E: fmt::Display> fmt::Display for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Patch(e) => e.fmt(f),
            Failure::Host(e) => e.fmt(f),
        }
    }
}

impl<E: std::error::Error> std::error::Error for Failure<E> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Patch;
    use serde_json::json;

    const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

    fn patch(operations: Value) -> Patch {
        Patch::parse(&json!({"schemas": [crate::patch::PATCH_OP], "Operations": operations})).unwrap()
    }

    fn sure<T>(r: Result<T, Failure<Infallible>>) -> T {
        match r {
            Ok(t) => t,
            Err(Failure::Patch(e)) => panic!("{e}"),
            Err(Failure::Host(never)) => match never {},
        }
    }

    #[test]
    fn only_the_written_levels_are_materialized() {
        let doc = json!({"schemas": [GROUP], "displayName": "Admins", "members": [{"value": "a"}],
                         "meta": {"version": "1"}});
        let p = patch(json!([{"op": "replace", "path": "displayName", "value": "Ops"}]));
        let (lazy, outcome) = sure(p.apply_to(&doc));
        assert!(outcome.changed());
        let Lazy::Object(members) = &lazy else { panic!("the root was written into: {lazy:?}") };
        let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["displayName", "members", "meta", "schemas"], "the host's order");
        for (k, v) in members {
            match (k.as_str(), v) {
                ("displayName", Lazy::Owned(v)) => assert_eq!(v, "Ops"),
                (k, Lazy::Host(v)) => assert!(std::ptr::eq(*v, &doc[k]), "{k} is the input's own value"),
                (k, v) => panic!("{k} was materialized: {v:?}"),
            }
        }
    }

    #[test]
    fn one_added_member_keeps_every_existing_member_a_host_value() {
        let existing: Vec<Value> = (0..10_000).map(|i| json!({"value": format!("u{i}"), "display": "x"})).collect();
        let doc = json!({"schemas": [GROUP], "displayName": "Big", "members": existing});
        let p = patch(json!([{"op": "add", "path": "members", "value": [{"value": "new"}]}]));
        let (lazy, outcome) = sure(p.apply_to(&doc));
        assert!(outcome.changed());
        let Lazy::Object(members) = &lazy else { panic!("the root was written into") };
        // The host's array itself, one value after it: no handle per element.
        let Some((_, Lazy::Spliced { host, removed, appended })) = members.iter().find(|(k, _)| k == "members") else {
            panic!("members was appended to")
        };
        assert!(std::ptr::eq(*host, &doc["members"]));
        assert!(removed.is_empty());
        assert_eq!(appended, &[json!({"value": "new"})]);
        assert!(members.iter().filter(|(k, _)| k != "members").all(|(_, v)| matches!(v, Lazy::Host(_))));
    }

    #[test]
    fn a_request_that_changes_nothing_leaves_the_host_whole() {
        let doc = json!({"schemas": [GROUP], "members": [{"value": "a"}, {"value": "b"}]});
        let p = patch(json!([{"op": "add", "path": "members", "value": [{"value": "b", "display": "B"}]},
                             {"op": "remove", "path": "members[value eq \"zz\"]"}]));
        let (lazy, outcome) = sure(p.apply_to(&doc));
        assert!(!outcome.changed());
        assert!(matches!(lazy, Lazy::Host(v) if std::ptr::eq(v, &doc)));
    }

    /// A host whose reads of the string "boom" fail.
    #[derive(Debug, Clone, Copy)]
    struct Failing<'v>(&'v Value);

    impl Node for Failing<'_> {
        type Error = String;

        fn view(&self) -> Result<View<'_>, String> {
            if self.0 == "boom" {
                return Err("cannot read boom".into());
            }
            Ok(sure_read(self.0.view()))
        }

        fn get(&self, name: &str) -> Result<Option<Self>, String> {
            Ok(sure_read(Node::get(&self.0, name)).map(Failing))
        }

        fn index(&self, i: usize) -> Result<Option<Self>, String> {
            Ok(sure_read(Node::index(&self.0, i)).map(Failing))
        }

        fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, String>) -> Result<bool, String> {
            for v in self.0.as_object().into_iter().flat_map(serde_json::Map::values) {
                if f(&Failing(v))? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }

    impl Host for Failing<'_> {
        fn member(&self, key: &str) -> Result<Option<Self>, String> {
            Ok(sure_read(self.0.member(key)).map(Failing))
        }

        fn members(&self, f: &mut dyn FnMut(&str, Self) -> Result<bool, String>) -> Result<(), String> {
            for (k, v) in self.0.as_object().into_iter().flatten() {
                if !f(k, Failing(v))? {
                    break;
                }
            }
            Ok(())
        }
    }

    fn sure_read<T>(r: Result<T, Infallible>) -> T {
        match r {
            Ok(t) => t,
            Err(never) => match never {},
        }
    }

    #[test]
    fn the_default_reads_agree_with_the_serde_json_overrides() {
        let doc = json!({"nickName": 1, "NickName": 2, "nickname": 3, "userName": 4, "list": [1, {"a": 2}, [3]]});
        for name in ["nickname", "NICKNAME", "userName", "username", "list", "absent"] {
            assert_eq!(Failing(&doc).key_like(name), Ok(sure_read((&doc).key_like(name))), "{name}");
            assert_eq!(sure_read(Lazy::Host(&doc).read().key_like(name)), sure_read((&doc).key_like(name)));
        }
        assert_eq!(sure_read((&doc).key_like("NICKNAME")).as_deref(), Some("NickName"), "the smallest");
        let list = &doc["list"];
        let by_index: Vec<&Value> = Failing(list).elements().unwrap().into_iter().map(|f| f.0).collect();
        assert_eq!(by_index, sure_read(list.elements()));
        assert_eq!(sure_read(list.elements()).len(), 3);
        assert!(sure_read((&doc).elements()).is_empty(), "an object has no elements");
        let mut lazy = Lazy::Host(list);
        lazy.materialize().unwrap();
        let read: Vec<bool> =
            sure_read(lazy.read().elements()).iter().map(|e| sure_read(e.eq_value(&list[1]))).collect();
        assert_eq!(read, [false, true, false]);
    }

    #[test]
    fn a_failing_host_read_is_the_error() {
        let doc = json!({"schemas": [GROUP], "members": [{"value": "a"}, {"value": "boom"}]});
        let p = patch(json!([{"op": "add", "path": "members", "value": [{"value": "c"}]}]));
        assert_eq!(p.apply_to(Failing(&doc)).unwrap_err(), Failure::Host("cannot read boom".to_string()));
        let p = patch(json!([{"op": "replace", "path": "displayName", "value": "x"}]));
        assert!(p.apply_to(Failing(&doc)).is_ok(), "the members are not read");
    }

    /// A host that contains itself: `members` is an array of 50 elements, each that same array.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Cyclic {
        Root,
        List,
    }

    impl Node for Cyclic {
        type Error = Infallible;

        fn view(&self) -> Result<View<'_>, Infallible> {
            Ok(match self {
                Cyclic::Root => View::Object,
                Cyclic::List => View::Array(50),
            })
        }

        fn get(&self, name: &str) -> Result<Option<Self>, Infallible> {
            Ok((*self == Cyclic::Root && name.eq_ignore_ascii_case("members")).then_some(Cyclic::List))
        }

        fn index(&self, i: usize) -> Result<Option<Self>, Infallible> {
            Ok((*self == Cyclic::List && i < 50).then_some(Cyclic::List))
        }

        fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, Infallible>) -> Result<bool, Infallible> {
            match self {
                Cyclic::Root => f(&Cyclic::List),
                Cyclic::List => Ok(false),
            }
        }
    }

    impl Host for Cyclic {
        fn member(&self, key: &str) -> Result<Option<Self>, Infallible> {
            Ok((*self == Cyclic::Root && key == "members").then_some(Cyclic::List))
        }

        fn members(&self, f: &mut dyn FnMut(&str, Self) -> Result<bool, Infallible>) -> Result<(), Infallible> {
            if *self == Cyclic::Root {
                f("members", Cyclic::List)?;
            }
            Ok(())
        }
    }

    #[test]
    fn a_host_that_contains_itself_is_read_only_as_far_as_needed() {
        let many: Vec<Value> = (0..12).map(|i| json!({"value": format!("v{i}")})).collect();
        for operations in [
            json!([{"op": "add", "path": "members", "value": many}]),
            json!([{"op": "add", "path": "members", "value": [{"value": "x"}]}]),
            json!([{"op": "add", "path": "members", "value": [[1, [2]], [3]]}]),
            json!([{"op": "remove", "path": "members", "value": many}]),
            json!([{"op": "remove", "path": "members[value eq \"x\"]"}]),
        ] {
            let options = crate::Options::new().with_quirks(crate::Quirks::lenient());
            let p =
                Patch::parse_with(&json!({"schemas": [crate::patch::PATCH_OP], "Operations": operations}), &options)
                    .unwrap();
            let outcome = p.apply_to(Cyclic::Root);
            assert!(!matches!(outcome, Err(Failure::Host(_))), "{operations}");
        }
    }
}
