//! How many reads the engine's group scans make on a host with only the trait's default reads: a second reading
//! of `Host::element_strings` / `Host::find_element_string` found that adding a few values to a group in which
//! many elements share one of them read the group once per such element (O(n²)); the searches now resume where
//! the last one stopped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::cell::Cell;
use std::convert::Infallible;

use scim_expr::overlay::Host;
use scim_expr::{Node, Patch, View};
use serde_json::{json, Value};

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A host over a `Value` that counts its reads (`view`, `get`, `index`) and has only the trait's default scans.
#[derive(Clone, Copy)]
struct Counting<'v> {
    v: &'v Value,
    reads: &'v Cell<usize>,
}

impl<'v> Counting<'v> {
    fn wrap(&self, v: &'v Value) -> Self {
        Counting { v, reads: self.reads }
    }

    fn count(&self) {
        self.reads.set(self.reads.get() + 1);
    }
}

impl Node for Counting<'_> {
    type Error = Infallible;

    fn view(&self) -> Result<View<'_>, Infallible> {
        self.count();
        self.v.view()
    }

    fn get(&self, name: &str) -> Result<Option<Self>, Infallible> {
        self.count();
        Ok(Node::get(&self.v, name)?.map(|v| self.wrap(v)))
    }

    fn index(&self, i: usize) -> Result<Option<Self>, Infallible> {
        self.count();
        Ok(Node::index(&self.v, i)?.map(|v| self.wrap(v)))
    }

    fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, Infallible>) -> Result<bool, Infallible> {
        self.v.any_member(&mut |v| f(&self.wrap(v)))
    }
}

impl Host for Counting<'_> {
    fn member(&self, key: &str) -> Result<Option<Self>, Infallible> {
        self.count();
        Ok(self.v.member(key)?.map(|v| self.wrap(v)))
    }

    fn members(&self, f: &mut dyn FnMut(&str, Self) -> Result<bool, Infallible>) -> Result<(), Infallible> {
        self.v.members(&mut |k, v| f(k, self.wrap(v)))
    }
}

/// A defect, fixed: adding a few values (at most 8: `StrIndex::Scan`) cost O(n²) reads, not the O(n + k) that
/// `new_values` documents, when many elements have the `value` being added but are not "the same value" (another
/// `type`).
///
/// `present_by_strings` calls `find_element_string("value", wants, from)` once per element whose `value` equals a
/// wanted string, with `from` = the previous hit + 1. Only `DocRef` starts its loop at `from`; the trait's default
/// (`element_strings` with `i >= from` checked in the callback), `&Value`'s (its `element_strings` override walks
/// from 0) and `LazyRef`'s (`Array`, `Spliced`) all read every element before `from` again, so m such elements
/// cost m × n reads.
///
/// Minimal input: a group of n members `{"value": "a", "type": "Group"}`, and
/// `{"op": "add", "path": "members", "value": {"value": "a", "type": "User"}}` (a new member: the type differs).
/// Expected: about n element reads (one pass), as with 9 values (the hash path) or with a `Document`. Actual: about
/// n²/2 reads through a host with the default reads (2,000 members: 6,023,016 reads), and the same quadratic walk
/// on a `serde_json::Value` (release build, 10,000 such members: `apply` in place 1.29 s and `apply_to(&Value)`
/// 1.11 s, against 0.28 ms and 0.17 ms when the values are distinct; a `Document` 0.55 ms). The same happens
/// without any `type`: n members `{"value": "a"}` and the request adding `[{"value": "a"}, {"value": "b"}]` (the
/// loop goes on looking for "b" and stops at every "a").
#[test]
fn adding_a_member_whose_value_many_elements_share_reads_the_group_once() {
    let n = 2_000;
    let members: Vec<Value> = (0..n).map(|_| json!({"value": "a", "type": "Group"})).collect();
    let doc = json!({"schemas": [GROUP], "id": "g", "displayName": "G", "members": members});
    let request = json!({"schemas": [PATCH_OP],
        "Operations": [{"op": "add", "path": "members", "value": {"value": "a", "type": "User"}}]});
    // Nine values take the hash path: one pass, a few reads per element.
    let nine: Vec<Value> = (0..9)
        .map(|i| {
            json!({"value": if i == 0 { "a".to_string() } else { format!("b{i}") },
        "type": "User"})
        })
        .collect();
    let hashed = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": nine}]});
    let reads = Cell::new(0);
    let (_, outcome) =
        Patch::parse(&hashed).unwrap().apply_to(Counting { v: &doc, reads: &reads }).map_err(|_| "failed").unwrap();
    assert!(outcome.changed());
    assert!(reads.get() < 20 * n, "hash path: {} reads of a group of {n} members", reads.get());

    let patch = Patch::parse(&request).unwrap();
    let reads = Cell::new(0);
    let (lazy, outcome) = patch.apply_to(Counting { v: &doc, reads: &reads }).map_err(|_| "failed").unwrap();
    assert!(outcome.changed());
    drop(lazy);
    assert!(reads.get() < 20 * n, "{} reads of a group of {n} members", reads.get());
}

/// The same defect without `type`: n members `{"value": "a"}`, adding `[{"value": "a"}, {"value": "b"}]`.
#[test]
fn adding_two_members_to_a_group_with_one_value_repeated_reads_the_group_once() {
    let n = 2_000;
    let members: Vec<Value> = (0..n).map(|_| json!({"value": "a"})).collect();
    let doc = json!({"schemas": [GROUP], "id": "g", "displayName": "G", "members": members});
    let request = json!({"schemas": [PATCH_OP],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]}]});
    let reads = Cell::new(0);
    let (_, outcome) =
        Patch::parse(&request).unwrap().apply_to(Counting { v: &doc, reads: &reads }).map_err(|_| "failed").unwrap();
    assert!(outcome.changed(), "b is new");
    assert!(reads.get() < 20 * n, "{} reads of a group of {n} members", reads.get());
}
