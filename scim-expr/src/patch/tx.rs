//! Atomicity without copying: every change to the document goes through [`Tx`], which performs it and records
//! how to undo it, holding only what the change displaced (a replaced value, removed elements, an array's former
//! length). A failed request replays the record backwards. Protecting a 10,000-member group against a failing
//! operation therefore costs the size of the change, never a clone of the group.

use serde_json::{Map, Value};

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
        if obj.get(key) == Some(&value) {
            return false;
        }
        let old = obj.insert(key.to_string(), value);
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
        let mut next = indices.iter().peekable();
        let mut i = 0;
        a.retain_mut(|v| {
            let remove = next.peek() == Some(&&i);
            if remove {
                next.next();
                removed.push((i, std::mem::take(v)));
            }
            i += 1;
            !remove
        });
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
