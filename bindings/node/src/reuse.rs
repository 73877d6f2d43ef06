//! Reusing the caller's element objects of a large array the request left (partly) unchanged. `Patch#apply` sends
//! the touched part of a resource as JSON text; after the core has patched it, each element of a large top-level
//! array is compared with the JSON text of the input's elements, in order. An element found equal is not sent back:
//! the plan tells `index.js` to take the input's element object instead, so that adding one member to 10,000 builds
//! one new object, not 10,001. Equality is checked on every element (as JSON values: member order within an
//! object does not matter), never assumed.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

/// Arrays shorter than this are sent back whole: comparing would cost more than it saves.
pub const MIN_LEN: usize = 64;

/// How far ahead an output element is looked for among the input's elements (an element removed or replaced
/// shifts the rest by one).
const LOOKAHEAD: usize = 4;

/// The input elements of each large top-level array of `doc` (parsed from `text`), as JSON text, by key: one
/// scan of the text that delimits the elements without building them.
pub fn inputs<'t>(text: &'t str, doc: &Value) -> Vec<(String, Vec<&'t RawValue>)> {
    let Some(map) = doc.as_object() else { return Vec::new() };
    if !map.values().any(|v| v.as_array().is_some_and(|a| a.len() >= MIN_LEN)) {
        return Vec::new();
    }
    let mut de = serde_json::Deserializer::from_str(text);
    match de.deserialize_map(Top) {
        Ok(arrays) => arrays.into_iter().filter(|(k, _)| map.get(k).and_then(Value::as_array).is_some()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The top-level object: its large arrays' elements, by key (a key given twice counts once, as the last).
struct Top;

impl<'de> Visitor<'de> for Top {
    type Value = Vec<(String, Vec<&'de RawValue>)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut out: Self::Value = Vec::new();
        while let Some(key) = access.next_key::<String>()? {
            let items = access.next_value::<Elements<'de>>()?.0;
            out.retain(|(k, _)| *k != key);
            if let Some(items) = items.filter(|items| items.len() >= MIN_LEN) {
                out.push((key, items));
            }
        }
        Ok(out)
    }
}

/// A member's value: the elements' text when it is an array, nothing otherwise.
struct Elements<'de>(Option<Vec<&'de RawValue>>);

impl<'de> serde::Deserialize<'de> for Elements<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ElementsVisitor)
    }
}

struct ElementsVisitor;

impl<'de> Visitor<'de> for ElementsVisitor {
    type Value = Elements<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Elements<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            items.push(item);
        }
        Ok(Elements(Some(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Elements<'de>, A::Error> {
        while access.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Elements(None))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Elements<'de>, E> {
        Ok(Elements(None))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Elements<'de>, E> {
        Ok(Elements(None))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Elements<'de>, E> {
        Ok(Elements(None))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Elements<'de>, E> {
        Ok(Elements(None))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Elements<'de>, E> {
        Ok(Elements(None))
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Elements<'de>, E> {
        Ok(Elements(None))
    }
}

/// Which output elements are input elements: runs `start, end` (input indexes, end exclusive) and `-n` for the
/// next `n` elements of the array left in `doc`.
pub type Plan = Vec<i64>;

/// Replaces each array of `doc` named in `inputs` by its elements that are not equal to an input element (in
/// order), and returns the plan that rebuilds the whole array from those and the input's elements.
pub fn reuse(doc: &mut Value, inputs: &[(String, Vec<&RawValue>)]) -> Vec<(String, Plan)> {
    let mut plans = Vec::new();
    let Some(map) = doc.as_object_mut() else { return plans };
    for (key, input) in inputs {
        let Some(Value::Array(items)) = map.get_mut(key) else { continue };
        let mut plan = Plan::new();
        let mut fresh = Vec::new();
        let mut next = 0; // the first input element not yet passed
        for item in std::mem::take(items) {
            let found = input.iter().enumerate().skip(next).take(LOOKAHEAD).find(|(_, raw)| same(&item, raw));
            match found {
                Some((i, _)) => {
                    push_reused(&mut plan, i as i64);
                    next = i + 1;
                }
                None => {
                    match plan.last_mut() {
                        Some(n) if *n < 0 => *n -= 1,
                        _ => plan.push(-1),
                    }
                    fresh.push(item);
                }
            }
        }
        *items = fresh;
        plans.push((key.clone(), plan));
    }
    plans
}

/// Appends input element `i` to the plan, extending the last run when `i` follows it.
fn push_reused(plan: &mut Plan, i: i64) {
    if let [.., start, end] = plan.as_mut_slice() {
        if *start >= 0 && *end == i {
            *end = i + 1;
            return;
        }
    }
    plan.push(i);
    plan.push(i + 1);
}

/// Whether the JSON text `raw` is the value `v` (objects compare as maps; numbers as the doubles JavaScript gets).
pub fn same(v: &Value, raw: &RawValue) -> bool {
    let mut de = serde_json::Deserializer::from_str(raw.get());
    Same(v).deserialize(&mut de).is_ok() && de.end().is_ok()
}

/// Deserializes a value and fails (early) unless it equals the one held.
struct Same<'v>(&'v Value);

const DIFFERS: &str = "differs";

impl<'de> DeserializeSeed<'de> for Same<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

fn check<E: serde::de::Error>(equal: bool) -> Result<(), E> {
    if equal {
        Ok(())
    } else {
        Err(E::custom(DIFFERS))
    }
}

fn number<E: serde::de::Error>(v: &Value, n: f64) -> Result<(), E> {
    check(v.as_f64().is_some_and(|m| m == n))
}

impl<'de> Visitor<'de> for Same<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        check(self.0.is_null())
    }

    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<(), E> {
        check(self.0.as_bool() == Some(b))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<(), E> {
        number(self.0, n as f64)
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<(), E> {
        number(self.0, n as f64)
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<(), E> {
        number(self.0, n)
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        check(self.0.as_str() == Some(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Value::Array(items) = self.0 else { return Err(A::Error::custom(DIFFERS)) };
        for item in items {
            if seq.next_element_seed(Same(item))?.is_none() {
                return Err(A::Error::custom(DIFFERS));
            }
        }
        check(seq.next_element::<IgnoredAny>()?.is_none())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<(), A::Error> {
        let Value::Object(map) = self.0 else { return Err(A::Error::custom(DIFFERS)) };
        let mut seen = 0usize;
        while let Some(v) = access.next_key_seed(Key(map))? {
            access.next_value_seed(Same(v))?;
            seen += 1;
        }
        // JSON.stringify writes each key once, so as many keys as the map has means the same keys.
        check(seen == map.len())
    }
}

/// A key of the input object, looked up in the output object; a key the output lacks is a difference.
struct Key<'v>(&'v serde_json::Map<String, Value>);

impl<'de, 'v> DeserializeSeed<'de> for Key<'v> {
    type Value = &'v Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<&'v Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'v> Visitor<'de> for Key<'v> {
    type Value = &'v Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<&'v Value, E> {
        self.0.get(s).ok_or_else(|| E::custom(DIFFERS))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_string()).unwrap()
    }

    #[test]
    fn same_compares_as_json_values() {
        let v = json!({"value": "a", "display": "A", "n": [1, 2.5, true, null, {"x": "\u{e9}"}]});
        assert!(same(&v, &raw(r#"{"n":[1,2.5,true,null,{"x":"\u00e9"}],"display":"A","value":"a"}"#)));
        for other in [
            r#"{"value":"a","display":"A"}"#,
            r#"{"value":"a","display":"A","n":[1,2.5,true,null,{"x":"e"}]}"#,
            r#"{"value":"a","display":"A","n":[1,2.5,true,null]}"#,
            r#"{"value":"a","display":"A","n":[1,2.5,true,null,{"x":"é"},1]}"#,
            r#"{"value":"a","display":"A","m":[1,2.5,true,null,{"x":"é"}]}"#,
            r#"{"value":"a","display":"A","n":[1,2.5,true,null,{"x":"é"}],"extra":1}"#,
            r#"["a"]"#,
            r#""a""#,
        ] {
            assert!(!same(&v, &raw(other)), "{other}");
        }
        assert!(same(&json!(1.0), &raw("1")));
        assert!(!same(&json!(1), &raw("\"1\"")));
        assert!(!same(&json!(null), &raw("false")));
    }

    #[test]
    fn reuse_keeps_equal_elements_in_order() {
        let input: Vec<String> = (0..100).map(|i| format!(r#"{{"value":"m{i}"}}"#)).collect();
        let text = format!(r#"{{"members":[{}],"schemas":["s"]}}"#, input.join(","));
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        let spans = inputs(&text, &doc);
        assert_eq!(spans.len(), 1);
        if let Some(members) = doc.get_mut("members").and_then(Value::as_array_mut) {
            members.remove(10); // removed
            members.insert(50, json!({"value": "new"})); // inserted
            if let Some(m) = members.get_mut(70) {
                *m = json!({"value": "changed"}); // replaced
            }
            members.push(json!({"value": "last"}));
        }
        let plans = reuse(&mut doc, &spans);
        assert_eq!(plans, vec![("members".to_string(), vec![0, 10, 11, 51, -1, 51, 70, -1, 71, 100, -1])]);
        assert_eq!(doc["members"], json!([{"value": "new"}, {"value": "changed"}, {"value": "last"}]));
    }

    #[test]
    fn inputs_are_the_large_top_level_arrays() {
        let items = vec!["{\"v\":1}"; MIN_LEN].join(",");
        let text = format!(
            r#"{{"a":{{"b":[{items}]}},"members":[{items}],"n":1.5,"s":"x","t":true,"z":null,"d":[{items}],"d":[1]}}"#
        );
        let doc: Value = serde_json::from_str(&text).unwrap();
        let found = inputs(&text, &doc);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "members");
        assert_eq!(found[0].1.len(), MIN_LEN);
        assert_eq!(found[0].1[3].get(), r#"{"v":1}"#);
    }

    #[test]
    fn small_arrays_are_not_compared() {
        let text = r#"{"emails":[{"value":"a"}]}"#;
        let doc: Value = serde_json::from_str(text).unwrap();
        assert!(inputs(text, &doc).is_empty());
    }
}
