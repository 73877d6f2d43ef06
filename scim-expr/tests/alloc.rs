//! Memory behaviour, measured with a counting allocator: evaluating a filter allocates nothing, and protecting a
//! large group against a failing PATCH costs far less than one copy of the group.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
// A global allocator is unsafe to implement; this one only forwards to the system allocator and counts.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use scim_expr::{Filter, Patch};
use serde_json::{json, Value};

struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
// Tests in this binary run one at a time so that their counts do not mix.
static SERIAL: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size.saturating_sub(layout.size()), Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocated_by(f: impl FnOnce()) -> usize {
    let before = ALLOCATED.load(Ordering::Relaxed);
    f();
    ALLOCATED.load(Ordering::Relaxed) - before
}

fn group(n: usize) -> Value {
    let members: Vec<Value> = (0..n)
        .map(|i| json!({"value": format!("user-{i:06}"), "display": format!("User {i}"), "type": "User"}))
        .collect();
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "All", "members": members})
}

#[test]
fn evaluating_a_filter_allocates_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let doc = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "Kim.Berg@example.com", "title": "Tour Guide",
        "emails": [{"type": "work", "value": "kim@example.com"}, {"type": "home", "value": "kim@home.example.org"}],
        "meta": {"lastModified": "2011-05-13T04:42:34Z"},
        "name": {"familyName": "Straße"}
    });
    for text in [
        r#"userName eq "kim.berg@example.com""#,
        r#"emails[type eq "work" and value co "@EXAMPLE.com"]"#,
        r#"meta.lastModified gt "2011-05-13T06:42:34+03:00""#,
        r#"name.familyName eq "STRASSE" and not (title pr)"#,
        r#"emails.value ew ".org" or userName sw "x""#,
    ] {
        let f = Filter::parse(text).unwrap();
        assert_eq!(allocated_by(|| assert!(f.matches(&doc) || !f.matches(&doc))), 0, "{text}");
    }
}

#[test]
fn a_failing_patch_on_a_large_group_does_not_copy_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let n = 100_000;
    let mut doc = group(n);
    let one_copy = allocated_by(|| drop(doc.clone()));
    let patch = Patch::parse(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "remove", "path": "members[value eq \"user-004242\"]"},
            {"op": "add", "path": "members", "value": [{"value": "new-1"}, {"value": "new-2"}]},
            {"op": "replace", "path": "members[value eq \"user-000001\"].value", "value": "changed"}
        ]
    }))
    .unwrap();
    let before = doc.to_string();
    let mut result = None;
    let cost = allocated_by(|| result = Some(patch.apply(&mut doc)));
    assert_eq!(result.unwrap().unwrap_err().code(), "patch.immutable");
    assert_eq!(doc.to_string(), before);
    eprintln!("100,000 members: apply + rollback allocated {cost} bytes; one copy of the group is {one_copy} bytes");
    // The undo log holds what the request displaced; shuffling the array moves values without copying them.
    assert!(cost * 10 < one_copy, "applying and rolling back allocated {cost} bytes; one copy is {one_copy}");
}
