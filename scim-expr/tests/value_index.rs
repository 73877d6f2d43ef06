//! The hash index that adding and removing by value list use above 8 values (patch/apply.rs `new_values`,
//! `listed_indices`, `hash`): it agrees with the values' equality, reads a document value at most as far as the
//! request's largest value reaches, and keeps adding k values to n at O(n + k) reads. Found by a second reading
//! of the overlay change; each test failed before the fix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::cell::Cell;
use std::convert::Infallible;

use scim_expr::overlay::{Host, Lazy};
use scim_expr::{Node, Options, Patch, Quirks, View};
use serde_json::{json, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn add(path: &str, values: Vec<Value>) -> Patch {
    Patch::parse(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": path, "value": values}]})).unwrap()
}

/// `0.0 == -0.0` as `serde_json::Value`s compare them, so the index must hash them alike (it used to hash their
/// text, `"0.0"` and `"-0.0"`): with more than 8 values it missed the equal value and added a second copy; with 8
/// or fewer the scan found it.
#[test]
fn adding_negative_zero_to_zero_does_not_depend_on_how_many_values_are_added() {
    let doc = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u", "tags": [0.0]});
    let few: Vec<Value> = vec![json!(-0.0)];
    let many: Vec<Value> = std::iter::once(json!(-0.0)).chain((1..9).map(|i| json!(format!("t{i}")))).collect();
    for values in [few, many] {
        let n = values.len();
        let mut in_place = doc.clone();
        add("tags", values.clone()).apply(&mut in_place).unwrap();
        let zeros = in_place["tags"].as_array().unwrap().iter().filter(|v| v.as_f64() == Some(0.0)).count();
        assert_eq!(zeros, 1, "adding {n} values: -0.0 equals the 0.0 already there: {}", in_place["tags"]);
        let overlay = add("tags", values).apply_to(&doc).map_err(|_| "failed").unwrap().0.to_value();
        assert_eq!(overlay, in_place, "adding {n} values, overlay and in place");
    }
}

/// The same in `remove` with a value list: `listed_indices` through the hash index (more than 8 listed values)
/// does not find the element `-0.0` equals.
#[test]
fn removing_listed_negative_zero_does_not_depend_on_how_many_values_are_listed() {
    let doc = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u", "tags": [0.0, "k"]});
    for n in [1, 9] {
        let listed: Vec<Value> = std::iter::once(json!(-0.0)).chain((1..n).map(|i| json!(format!("t{i}")))).collect();
        let request = json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "tags", "value": listed}]});
        let p = Patch::parse_with(&request, &Options::new().with_quirks(Quirks::lenient())).unwrap();
        let mut in_place = doc.clone();
        p.apply(&mut in_place).unwrap();
        assert_eq!(in_place["tags"], json!(["k"]), "listing {n} values removes the 0.0 that -0.0 equals");
    }
}

/// A host over a `Value` that counts its reads.
#[derive(Clone, Copy)]
struct Counting<'v> {
    v: &'v Value,
    reads: &'v Cell<usize>,
}

impl<'v> Counting<'v> {
    fn wrap(&self, v: &'v Value) -> Self {
        Counting { v, reads: self.reads }
    }
}

impl Node for Counting<'_> {
    type Error = Infallible;

    fn view(&self) -> Result<View<'_>, Infallible> {
        self.reads.set(self.reads.get() + 1);
        self.v.view()
    }

    fn get(&self, name: &str) -> Result<Option<Self>, Infallible> {
        Ok(Node::get(&self.v, name)?.map(|v| self.wrap(v)))
    }

    fn index(&self, i: usize) -> Result<Option<Self>, Infallible> {
        Ok(Node::index(&self.v, i)?.map(|v| self.wrap(v)))
    }

    fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, Infallible>) -> Result<bool, Infallible> {
        self.v.any_member(&mut |v| f(&self.wrap(v)))
    }
}

impl Host for Counting<'_> {
    fn member(&self, key: &str) -> Result<Option<Self>, Infallible> {
        Ok(self.v.member(key)?.map(|v| self.wrap(v)))
    }

    fn members(&self, f: &mut dyn FnMut(&str, Self) -> Result<bool, Infallible>) -> Result<(), Infallible> {
        self.v.members(&mut |k, v| f(k, self.wrap(v)))
    }
}

/// Adding k values to n costs O(n + k) reads of the document. A hash that read an object of more than 8 members by
/// its keys alone put values without a `value` sub-attribute that share their 9 keys in one bucket: every element
/// already there was compared with every value added, n × k reads (and k² comparisons among the added values).
#[test]
fn adding_k_objects_of_nine_members_to_n_reads_the_document_o_n_plus_k_times() {
    let n = 1_000;
    for width in [8, 9] {
        let thing = |i: usize| {
            let mut o: serde_json::Map<String, Value> = (1..width).map(|j| (format!("k{j}"), json!("same"))).collect();
            o.insert("n".into(), json!(i));
            Value::Object(o)
        };
        let doc = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u",
                         "things": (0..n).map(thing).collect::<Vec<_>>()});
        let p = add("things", (n..2 * n).map(thing).collect());
        let reads = Cell::new(0);
        let (lazy, _) = p.apply_to(Counting { v: &doc, reads: &reads }).map_err(|_| "failed").unwrap();
        let Lazy::Object(members) = &lazy else { panic!("the root was written into") };
        assert!(members.iter().any(|(k, v)| k == "things"
            && matches!(v, Lazy::Spliced { removed, appended, .. } if removed.is_empty() && appended.len() == n)));
        assert!(reads.get() < 50 * 2 * n, "values of {width} members: {} reads for n = k = {n}", reads.get());
    }
}

/// Values that differ only deep inside (beyond what a width- or depth-capped hash would read) still index apart, and
/// values deeper than the hash reads at all (64 levels) are still found equal, by comparison.
#[test]
fn values_differing_deep_inside_or_nested_past_the_hash_depth_are_told_apart_and_found() {
    let nest = |levels: usize, leaf: Value| (0..levels).fold(leaf, |v, _| json!({"a": v, "b": 1, "c": [1, 2, 3]}));
    for levels in [3, 10, 70] {
        let things: Vec<Value> = (0..20).map(|i| nest(levels, json!(i))).collect();
        let doc = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u",
                         "things": things[..10]});
        // Half already there, half new, the new ones twice.
        let adding: Vec<Value> = things[5..].iter().chain(&things[10..]).cloned().collect();
        let mut in_place = doc.clone();
        add("things", adding).apply(&mut in_place).unwrap();
        assert_eq!(in_place["things"], json!(things), "{levels} levels");
        let listed: Vec<Value> = things.iter().step_by(2).cloned().collect();
        let request =
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "things", "value": listed}]});
        let p = Patch::parse_with(&request, &Options::new().with_quirks(Quirks::lenient())).unwrap();
        let mut removed = in_place.clone();
        p.apply(&mut removed).unwrap();
        let odd: Vec<Value> = things.iter().skip(1).step_by(2).cloned().collect();
        assert_eq!(removed["things"], json!(odd), "{levels} levels");
    }
}
