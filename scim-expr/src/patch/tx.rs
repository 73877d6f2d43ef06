//! Atomicity without copying: every change to the document goes through [`Tx`], which performs it and records
//! how to undo it, holding only what the change displaced (a replaced value, removed elements, an array's former
//! length). A failed request replays the record backwards. Protecting a 10,000-member group against a failing
//! operation therefore costs the size of the change, never a clone of the group.

use std::convert::Infallible;

use serde_json::{Map, Value};

use crate::node::{Node, View};
use crate::overlay::{spliced_kept, Failure, Host, Lazy, LazyRef};

/// One step from the document root: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// Where a value sits in the document.
pub(crate) type Loc = Vec<Step>;

#[derive(Debug)]
enum Undo {
    /// Restore member `key` of the object at `parent` (`None`: remove it).
    Key { parent: Loc, key: String, old: Option<Value> },
    /// Restore element `index` of the array at `array`.
    Element { array: Loc, index: usize, old: Value },
    /// Cut the array at `array` back to `len` elements.
    Truncate { array: Loc, len: usize },
    /// Put back removed elements at their original indices (ascending).
    Reinsert { array: Loc, removed: Vec<(usize, Value)> },
}

/// The value at `loc`, if the document has one there.
pub(crate) fn at<'v>(root: &'v Value, loc: &[Step]) -> Option<&'v Value> {
    loc.iter().try_fold(root, |v, step| match step {
        Step::Key(k) => v.as_object()?.get(k),
        Step::Index(i) => v.as_array()?.get(*i),
    })
}

fn at_mut<'v>(root: &'v mut Value, loc: &[Step]) -> Option<&'v mut Value> {
    loc.iter().try_fold(root, |v, step| match step {
        Step::Key(k) => v.as_object_mut()?.get_mut(k),
        Step::Index(i) => v.as_array_mut()?.get_mut(*i),
    })
}

fn object_mut<'v>(root: &'v mut Value, loc: &[Step]) -> Option<&'v mut Map<String, Value>> {
    at_mut(root, loc)?.as_object_mut()
}

fn array_mut<'v>(root: &'v mut Value, loc: &[Step]) -> Option<&'v mut Vec<Value>> {
    at_mut(root, loc)?.as_array_mut()
}

/// The changes made so far to one document, and how to take them back.
#[derive(Debug, Default)]
pub(crate) struct Tx {
    log: Vec<Undo>,
}

impl Tx {
    /// How many changes were made; a mark to compare against later.
    pub fn len(&self) -> usize {
        self.log.len()
    }

    /// Sets member `key` of the object at `parent`. Returns whether anything changed.
    pub fn set_key(&mut self, root: &mut Value, parent: &[Step], key: &str, value: Value) -> bool {
        let Some(obj) = object_mut(root, parent) else { return false };
        let old = match obj.get_mut(key) {
            Some(slot) if *slot == value => return false,
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => obj.insert(key.to_string(), value),
        };
        self.log.push(Undo::Key { parent: parent.to_vec(), key: key.to_string(), old });
        true
    }

    /// Removes member `key` of the object at `parent`. Returns whether it was there.
    pub fn remove_key(&mut self, root: &mut Value, parent: &[Step], key: &str) -> bool {
        let Some(old) = object_mut(root, parent).and_then(|obj| obj.remove(key)) else { return false };
        self.log.push(Undo::Key { parent: parent.to_vec(), key: key.to_string(), old: Some(old) });
        true
    }

    /// Replaces element `index` of the array at `array`. Returns whether anything changed.
    pub fn set_element(&mut self, root: &mut Value, array: &[Step], index: usize, value: Value) -> bool {
        let Some(slot) = array_mut(root, array).and_then(|a| a.get_mut(index)) else { return false };
        if *slot == value {
            return false;
        }
        let old = std::mem::replace(slot, value);
        self.log.push(Undo::Element { array: array.to_vec(), index, old });
        true
    }

    /// Appends `values` to the array at `array`.
    pub fn append(&mut self, root: &mut Value, array: &[Step], values: Vec<Value>) -> bool {
        let Some(a) = array_mut(root, array) else { return false };
        if values.is_empty() {
            return false;
        }
        let len = a.len();
        a.extend(values);
        self.log.push(Undo::Truncate { array: array.to_vec(), len });
        true
    }

    /// Removes the elements at `indices` (ascending, distinct) from the array at `array`, in one pass and in
    /// place: the removed values move into the log, the others stay where they are in memory.
    pub fn remove_elements(&mut self, root: &mut Value, array: &[Step], indices: &[usize]) -> bool {
        let Some(a) = array_mut(root, array) else { return false };
        if indices.is_empty() {
            return false;
        }
        let mut removed = Vec::with_capacity(indices.len());
        remove_at(a, indices, |i, v| removed.push((i, std::mem::take(v))));
        self.log.push(Undo::Reinsert { array: array.to_vec(), removed });
        true
    }

    /// Takes every change back, newest first.
    pub fn rollback(mut self, root: &mut Value) {
        for undo in std::mem::take(&mut self.log).into_iter().rev() {
            match undo {
                Undo::Key { parent, key, old } => {
                    if let Some(obj) = object_mut(root, &parent) {
                        match old {
                            Some(v) => {
                                obj.insert(key, v);
                            }
                            None => {
                                obj.remove(&key);
                            }
                        }
                    }
                }
                Undo::Element { array, index, old } => {
                    if let Some(slot) = array_mut(root, &array).and_then(|a| a.get_mut(index)) {
                        *slot = old;
                    }
                }
                Undo::Truncate { array, len } => {
                    if let Some(a) = array_mut(root, &array) {
                        a.truncate(len);
                    }
                }
                Undo::Reinsert { array, removed } => {
                    if let Some(a) = array_mut(root, &array) {
                        reinsert(a, removed);
                    }
                }
            }
        }
    }
}

impl Drop for Tx {
    /// What the changes displaced came from the document, which may nest deeper than serde_json's recursive drop
    /// can go on a small stack (a client's 100,000-level attribute, removed): it is taken apart without recursion.
    fn drop(&mut self) {
        let mut stack: Vec<Value> = Vec::new();
        for undo in self.log.drain(..) {
            match undo {
                Undo::Key { old: Some(v), .. } | Undo::Element { old: v, .. } => stack.push(v),
                Undo::Reinsert { removed, .. } => stack.extend(removed.into_iter().map(|(_, v)| v)),
                Undo::Key { old: None, .. } | Undo::Truncate { .. } => {}
            }
        }
        discard(stack);
    }
}

/// Removes the elements at `indices` (ascending, distinct) from `items` in one pass, in place, handing each to
/// `removed` first.
fn remove_at<T>(items: &mut Vec<T>, indices: &[usize], mut removed: impl FnMut(usize, &mut T)) {
    let mut next = indices.iter().peekable();
    let mut i = 0;
    items.retain_mut(|v| {
        let remove = next.peek() == Some(&&i);
        if remove {
            next.next();
            removed(i, v);
        }
        i += 1;
        !remove
    });
}

/// Drops `values` and everything in them, one level at a time.
pub(crate) fn discard(mut values: Vec<Value>) {
    while let Some(mut v) = values.pop() {
        match &mut v {
            Value::Array(items) => values.append(items),
            Value::Object(map) => values.extend(std::mem::take(map).into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// Puts `removed` (ascending original indices) back: a few by insertion, many by one merge.
fn reinsert(a: &mut Vec<Value>, removed: Vec<(usize, Value)>) {
    if removed.len() <= 8 {
        for (index, v) in removed {
            a.insert(index.min(a.len()), v);
        }
        return;
    }
    let mut merged = Vec::with_capacity(a.len() + removed.len());
    let mut kept = std::mem::take(a).into_iter();
    for (index, v) in removed {
        while merged.len() < index {
            match kept.next() {
                Some(k) => merged.push(k),
                None => break,
            }
        }
        merged.push(v);
    }
    merged.extend(kept);
    *a = merged;
}

/// A document the engine applies a request to: reads through [`Host`] handles, writes through the five
/// primitives. [`InPlace`] changes a `Value` and keeps the undo log; [`Overlay`] builds a copy-on-write document
/// over a host tree, which a failed request simply drops.
pub(crate) trait Doc {
    /// The failure of reading the document.
    type Error;
    /// A read handle.
    type Node<'n>: Host<Error = Self::Error>
    where
        Self: 'n;

    /// The value at `loc`, if the document has one there.
    fn at(&self, loc: &[Step]) -> Result<Option<Self::Node<'_>>, Failure<Self::Error>>;
    /// How many changes were made; a mark to compare against later.
    fn changes(&self) -> usize;
    /// [`Tx::set_key`].
    fn set_key(&mut self, parent: &[Step], key: &str, value: Value) -> Result<bool, Failure<Self::Error>>;
    /// [`Tx::remove_key`].
    fn remove_key(&mut self, parent: &[Step], key: &str) -> Result<bool, Failure<Self::Error>>;
    /// [`Tx::set_element`].
    fn set_element(&mut self, array: &[Step], index: usize, value: Value) -> Result<bool, Failure<Self::Error>>;
    /// [`Tx::append`].
    fn append(&mut self, array: &[Step], values: Vec<Value>) -> Result<bool, Failure<Self::Error>>;
    /// [`Tx::remove_elements`].
    fn remove_elements(&mut self, array: &[Step], indices: &[usize]) -> Result<bool, Failure<Self::Error>>;
}

/// A document whose writes are watched for the member the resource type is read from: the engine works out each
/// operation's resource type (`Schemas::kind_of`, from `schemas`) again only after an operation wrote there.
pub(crate) struct Watched<'d, D> {
    pub doc: &'d mut D,
    /// Whether a write since the flag was last cleared may have changed `schemas` (any ASCII case).
    pub schemas_written: bool,
}

impl<D> Watched<'_, D> {
    fn note(&mut self, parent: &[Step], key: Option<&str>) {
        let schemas = match parent.first() {
            Some(Step::Key(k)) => k.eq_ignore_ascii_case("schemas"),
            Some(Step::Index(_)) => false,
            None => key.is_some_and(|k| k.eq_ignore_ascii_case("schemas")),
        };
        self.schemas_written |= schemas;
    }
}

impl<D: Doc> Doc for Watched<'_, D> {
    type Error = D::Error;
    type Node<'n>
        = D::Node<'n>
    where
        Self: 'n;

    fn at(&self, loc: &[Step]) -> Result<Option<Self::Node<'_>>, Failure<Self::Error>> {
        self.doc.at(loc)
    }

    fn changes(&self) -> usize {
        self.doc.changes()
    }

    fn set_key(&mut self, parent: &[Step], key: &str, value: Value) -> Result<bool, Failure<Self::Error>> {
        self.note(parent, Some(key));
        self.doc.set_key(parent, key, value)
    }

    fn remove_key(&mut self, parent: &[Step], key: &str) -> Result<bool, Failure<Self::Error>> {
        self.note(parent, Some(key));
        self.doc.remove_key(parent, key)
    }

    fn set_element(&mut self, array: &[Step], index: usize, value: Value) -> Result<bool, Failure<Self::Error>> {
        self.note(array, None);
        self.doc.set_element(array, index, value)
    }

    fn append(&mut self, array: &[Step], values: Vec<Value>) -> Result<bool, Failure<Self::Error>> {
        self.note(array, None);
        self.doc.append(array, values)
    }

    fn remove_elements(&mut self, array: &[Step], indices: &[usize]) -> Result<bool, Failure<Self::Error>> {
        self.note(array, None);
        self.doc.remove_elements(array, indices)
    }
}

/// A `Value` changed in place, with the record that takes the changes back.
#[derive(Debug)]
pub(crate) struct InPlace<'v> {
    pub root: &'v mut Value,
    pub tx: Tx,
}

impl Doc for InPlace<'_> {
    type Error = Infallible;
    type Node<'n>
        = &'n Value
    where
        Self: 'n;

    fn at(&self, loc: &[Step]) -> Result<Option<&Value>, Failure<Infallible>> {
        Ok(at(self.root, loc))
    }

    fn changes(&self) -> usize {
        self.tx.len()
    }

    fn set_key(&mut self, parent: &[Step], key: &str, value: Value) -> Result<bool, Failure<Infallible>> {
        Ok(self.tx.set_key(self.root, parent, key, value))
    }

    fn remove_key(&mut self, parent: &[Step], key: &str) -> Result<bool, Failure<Infallible>> {
        Ok(self.tx.remove_key(self.root, parent, key))
    }

    fn set_element(&mut self, array: &[Step], index: usize, value: Value) -> Result<bool, Failure<Infallible>> {
        Ok(self.tx.set_element(self.root, array, index, value))
    }

    fn append(&mut self, array: &[Step], values: Vec<Value>) -> Result<bool, Failure<Infallible>> {
        Ok(self.tx.append(self.root, array, values))
    }

    fn remove_elements(&mut self, array: &[Step], indices: &[usize]) -> Result<bool, Failure<Infallible>> {
        Ok(self.tx.remove_elements(self.root, array, indices))
    }
}

/// A copy-on-write document over a host tree. Nothing of the host is ever written or converted: a write
/// materializes the host objects and arrays on its way (their children stay host values) and puts the request's
/// value there. No undo log: on error the caller drops the overlay, and the host never changed.
#[derive(Debug)]
pub(crate) struct Overlay<H> {
    pub root: Lazy<H>,
    pub changes: usize,
}

/// A place the overlay writes into.
enum Slot<'a, H> {
    Lazy(&'a mut Lazy<H>),
    Value(&'a mut Value),
}

fn step_value<'a>(v: &'a mut Value, step: &Step) -> Option<&'a mut Value> {
    match step {
        Step::Key(k) => v.as_object_mut()?.get_mut(k),
        Step::Index(i) => v.as_array_mut()?.get_mut(*i),
    }
}

impl<H: Host> Overlay<H> {
    /// The place at `loc`, materialized down to it (and including it, when it is a host object or array).
    fn slot(&mut self, loc: &[Step]) -> Result<Option<Slot<'_, H>>, Failure<H::Error>> {
        let mut slot = self.reach(loc)?;
        if let Some(Slot::Lazy(l)) = &mut slot {
            l.materialize().map_err(Failure::Host)?;
        }
        Ok(slot)
    }

    /// The place at `loc`, materialized down to it but not itself: a host array stays one, so that appending to
    /// it or removing from it gives a [`Lazy::Spliced`] form instead of a handle per element.
    fn reach(&mut self, loc: &[Step]) -> Result<Option<Slot<'_, H>>, Failure<H::Error>> {
        let mut cur = Slot::Lazy(&mut self.root);
        for step in loc {
            let next = match cur {
                Slot::Value(v) => step_value(v, step).map(Slot::Value),
                Slot::Lazy(l) => {
                    l.materialize().map_err(Failure::Host)?;
                    match (l, step) {
                        (Lazy::Owned(v), step) => step_value(v, step).map(Slot::Value),
                        (Lazy::Object(members), Step::Key(k)) => {
                            members.iter_mut().find(|(key, _)| key == k).map(|(_, v)| Slot::Lazy(v))
                        }
                        (Lazy::Array(items), Step::Index(i)) => items.get_mut(*i).map(Slot::Lazy),
                        _ => None,
                    }
                }
            };
            match next {
                Some(n) => cur = n,
                None => return Ok(None),
            }
        }
        Ok(Some(cur))
    }

    fn count(&mut self, changed: bool) -> bool {
        self.changes += usize::from(changed);
        changed
    }
}

impl<H: Host> Doc for Overlay<H> {
    type Error = H::Error;
    type Node<'n>
        = LazyRef<'n, H>
    where
        Self: 'n;

    fn at(&self, loc: &[Step]) -> Result<Option<LazyRef<'_, H>>, Failure<H::Error>> {
        let mut cur = self.root.read();
        for step in loc {
            let next = match step {
                Step::Key(k) => cur.member(k),
                Step::Index(i) => cur.index(*i),
            };
            match next.map_err(Failure::Host)? {
                Some(n) => cur = n,
                None => return Ok(None),
            }
        }
        Ok(Some(cur))
    }

    fn changes(&self) -> usize {
        self.changes
    }

    fn set_key(&mut self, parent: &[Step], key: &str, value: Value) -> Result<bool, Failure<H::Error>> {
        let changed = match self.slot(parent)? {
            Some(Slot::Lazy(Lazy::Object(members))) => match members.iter_mut().find(|(k, _)| k == key) {
                Some((_, old)) => {
                    if old.read().eq_value(&value).map_err(Failure::Host)? {
                        false
                    } else {
                        *old = Lazy::Owned(value);
                        true
                    }
                }
                None => {
                    members.push((key.to_string(), Lazy::Owned(value)));
                    true
                }
            },
            Some(Slot::Lazy(Lazy::Owned(Value::Object(obj))) | Slot::Value(Value::Object(obj))) => {
                match obj.get_mut(key) {
                    Some(slot) if *slot == value => false,
                    Some(slot) => {
                        *slot = value;
                        true
                    }
                    None => {
                        obj.insert(key.to_string(), value);
                        true
                    }
                }
            }
            _ => false,
        };
        Ok(self.count(changed))
    }

    fn remove_key(&mut self, parent: &[Step], key: &str) -> Result<bool, Failure<H::Error>> {
        let changed = match self.slot(parent)? {
            Some(Slot::Lazy(Lazy::Object(members))) => match members.iter().position(|(k, _)| k == key) {
                Some(i) => {
                    members.remove(i);
                    true
                }
                None => false,
            },
            Some(Slot::Lazy(Lazy::Owned(Value::Object(obj))) | Slot::Value(Value::Object(obj))) => {
                obj.remove(key).is_some()
            }
            _ => false,
        };
        Ok(self.count(changed))
    }

    fn set_element(&mut self, array: &[Step], index: usize, value: Value) -> Result<bool, Failure<H::Error>> {
        let changed = match self.slot(array)? {
            Some(Slot::Lazy(Lazy::Array(items))) => match items.get_mut(index) {
                Some(old) => {
                    if old.read().eq_value(&value).map_err(Failure::Host)? {
                        false
                    } else {
                        *old = Lazy::Owned(value);
                        true
                    }
                }
                None => false,
            },
            Some(Slot::Lazy(Lazy::Owned(Value::Array(items))) | Slot::Value(Value::Array(items))) => {
                match items.get_mut(index) {
                    Some(old) if *old != value => {
                        *old = value;
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        Ok(self.count(changed))
    }

    fn append(&mut self, array: &[Step], values: Vec<Value>) -> Result<bool, Failure<H::Error>> {
        let changed = match self.reach(array)? {
            Some(Slot::Lazy(l)) => l.append(values).map_err(Failure::Host)?,
            Some(Slot::Value(Value::Array(items))) => {
                let changed = !values.is_empty();
                items.extend(values);
                changed
            }
            _ => false,
        };
        Ok(self.count(changed))
    }

    fn remove_elements(&mut self, array: &[Step], indices: &[usize]) -> Result<bool, Failure<H::Error>> {
        if indices.is_empty() {
            return Ok(false);
        }
        let changed = match self.reach(array)? {
            Some(Slot::Lazy(l)) => l.remove_elements(indices).map_err(Failure::Host)?,
            Some(Slot::Value(Value::Array(items))) => {
                remove_at(items, indices, |_, _| {});
                true
            }
            _ => false,
        };
        Ok(self.count(changed))
    }
}

impl<H: Host> Lazy<H> {
    /// [`Doc::append`] to this place: a host array becomes [`Lazy::Spliced`], its elements left where they are.
    fn append(&mut self, values: Vec<Value>) -> Result<bool, H::Error> {
        if values.is_empty() {
            return Ok(false);
        }
        match self {
            Lazy::Host(h) => {
                if !matches!(h.view()?, View::Array(_)) {
                    return Ok(false);
                }
                *self = Lazy::Spliced { host: h.clone(), removed: Vec::new(), appended: values };
            }
            Lazy::Spliced { appended, .. } => appended.extend(values),
            Lazy::Array(items) => items.extend(values.into_iter().map(Lazy::Owned)),
            Lazy::Owned(Value::Array(items)) => items.extend(values),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// [`Doc::remove_elements`] at this place (`indices` ascending; those past the end ignored): a host array
    /// becomes [`Lazy::Spliced`]; a spliced one records the host positions of the removed kept elements.
    fn remove_elements(&mut self, indices: &[usize]) -> Result<bool, H::Error> {
        match self {
            Lazy::Host(h) => {
                let View::Array(len) = h.view()? else { return Ok(false) };
                let removed = indices.iter().copied().take_while(|i| *i < len).collect();
                *self = Lazy::Spliced { host: h.clone(), removed, appended: Vec::new() };
            }
            Lazy::Spliced { host, removed, appended } => {
                let kept = spliced_kept(host, removed)?;
                let split = indices.partition_point(|i| *i < kept);
                let (of_host, of_appended) = indices.split_at(split);
                let shifted: Vec<usize> = of_appended.iter().map(|i| i - kept).collect();
                remove_at(appended, &shifted, |_, _| {});
                // Positions among the kept elements to host positions, merged into `removed`, in one pass.
                let mut merged = Vec::with_capacity(removed.len() + of_host.len());
                let mut r = 0;
                for &p in of_host {
                    while let Some(&gone) = removed.get(r).filter(|gone| **gone <= p + r) {
                        merged.push(gone);
                        r += 1;
                    }
                    merged.push(p + r);
                }
                merged.extend(removed.get(r..).unwrap_or_default());
                *removed = merged;
            }
            Lazy::Array(items) => remove_at(items, indices, |_, _| {}),
            Lazy::Owned(Value::Array(items)) => remove_at(items, indices, |_, _| {}),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rollback_restores_every_kind_of_change() {
        let original = json!({"a": 1, "list": [0, 1, 2, 3, 4, 5], "o": {"x": true}});
        let mut doc = original.clone();
        let mut tx = Tx::default();
        let list = vec![Step::Key("list".into())];
        assert!(tx.set_key(&mut doc, &[], "a", json!(2)));
        assert!(!tx.set_key(&mut doc, &[], "a", json!(2)), "setting the same value is no change");
        assert!(tx.set_key(&mut doc, &[], "b", json!("new")));
        assert!(tx.remove_key(&mut doc, &[Step::Key("o".into())], "x"));
        assert!(tx.remove_elements(&mut doc, &list, &[0, 2, 5]));
        assert_eq!(doc["list"], json!([1, 3, 4]));
        assert!(tx.append(&mut doc, &list, vec![json!(9), json!(8)]));
        assert!(tx.set_element(&mut doc, &list, 1, json!("three")));
        assert!(tx.remove_elements(&mut doc, &list, &[0, 4]));
        assert_eq!(doc["list"], json!(["three", 4, 9]));
        let many: Vec<usize> = (0..3).collect();
        assert!(tx.remove_elements(&mut doc, &list, &many));
        let long: Vec<Value> = (0..20).map(|i| json!(i)).collect();
        assert!(tx.append(&mut doc, &list, long));
        let evens: Vec<usize> = (0..20).step_by(2).collect();
        assert!(tx.remove_elements(&mut doc, &list, &evens));
        assert_eq!(tx.len(), 10);
        tx.rollback(&mut doc);
        assert_eq!(doc, original);
        assert_eq!(doc.to_string(), original.to_string());
    }
}
