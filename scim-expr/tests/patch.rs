//! PATCH as a server uses it: properties over generated requests, atomicity, and groups of 100,000 members.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use scim_expr::{Error, Patch, Path, ScimType};
use serde_json::{json, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn request(ops: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223", "userName": "bjensen", "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"type": "work", "value": "bjensen@example.com", "primary": true},
            {"type": "home", "value": "babs@jensen.org"}
        ],
        "meta": {"resourceType": "User", "created": "2011-08-01T18:29:49.793Z"}
    })
}

mod common;
use common::Rng;

const PATHS: &[Option<&str>] = &[
    None,
    Some("userName"),
    Some("nickName"),
    Some("active"),
    Some("name"),
    Some("name.givenName"),
    Some("name.middleName"),
    Some("emails"),
    Some("emails.display"),
    Some(r#"emails[type eq "work"]"#),
    Some(r#"emails[type eq "work"].value"#),
    Some(r#"emails[type eq "other"].value"#),
    Some(r#"emails[value co "@"].primary"#),
    Some("phoneNumbers"),
    Some("id"),
    Some("meta.created"),
    Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
    Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
    Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
    Some("x-custom"),
    Some("emails[type eq"),
];

fn values() -> Vec<Value> {
    vec![
        json!("text"),
        json!(true),
        json!(7),
        json!(null),
        json!([]),
        json!({"givenName": "Babs"}),
        json!({"type": "other", "value": "x@example.org", "primary": true}),
        json!([{"type": "work", "value": "w@example.com"}, {"type": "home", "value": "h@example.com"}]),
        json!({"department": "Tours", "manager": {"value": "26118915"}}),
        json!({"nickName": "Babs", "active": false}),
        json!({"display": "Work"}),
    ]
}

/// Paths that write into values a multi-valued attribute already holds.
fn writes_in_place(path: Option<&str>) -> bool {
    path.is_some_and(|p| p.contains('[') || p == "emails.display")
}

fn random_operation(rng: &mut Rng, ops: &[&str], in_place: bool) -> Value {
    let mut op = json!({"op": rng.pick(ops)});
    let mut path = rng.pick(PATHS);
    // Writing into existing values is not idempotent next to an add that appends a value it then rewrites
    // (`add emails X` then `add emails.display "d"` appends X again the second time), nor when the write changes
    // what a filter selects (`emails[type eq "work"]` given a new `type`). The add-only property therefore writes
    // in place only in one-operation requests, and never through that filter.
    while ops == ["add"] && (path == Some(r#"emails[type eq "work"]"#) || (!in_place && writes_in_place(path))) {
        path = rng.pick(PATHS);
    }
    if let Some(path) = path {
        op["path"] = json!(path);
    }
    if op["op"] != "remove" {
        let values = values();
        op["value"] = values[rng.below(values.len())].clone();
    }
    op
}

#[test]
fn a_failed_request_leaves_the_document_byte_identical() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let (mut failed, mut succeeded) = (0, 0);
    for _ in 0..3000 {
        let n = 1 + (rng.next() % 5) as usize;
        let ops = (0..n).map(|_| random_operation(&mut rng, &["add", "remove", "replace"], true)).collect();
        let original = user();
        let before = original.to_string();
        let mut doc = original;
        match Patch::parse(&request(ops)).and_then(|p| p.apply(&mut doc)) {
            Ok(_) => succeeded += 1,
            Err(e) => {
                failed += 1;
                assert_eq!(doc.to_string(), before, "failed with {e:?} and changed the document");
            }
        }
    }
    // Both outcomes must be common, or the property says little.
    assert!(failed > 300 && succeeded > 300, "failed {failed}, succeeded {succeeded}");
}

#[test]
fn reapplying_a_request_of_adds_changes_nothing() {
    let mut rng = Rng(0x5EED_1234_ABCD_0002);
    let mut checked = 0;
    for _ in 0..12_000 {
        let n = 1 + (rng.next() % 4) as usize;
        let ops = (0..n).map(|_| random_operation(&mut rng, &["add"], n == 1)).collect();
        let patch = match Patch::parse(&request(ops)) {
            Ok(p) => p,
            Err(_) => continue,
        };
        let mut doc = user();
        if patch.apply(&mut doc).is_err() {
            continue;
        }
        let once = doc.clone();
        let again = patch.apply(&mut doc).unwrap_or_else(|e| panic!("second application failed: {e:?}\n{once}"));
        assert_eq!(doc, once, "second application changed the document");
        // `changed` is conservative: a later operation may restore what an earlier one changed. With one
        // operation there is no such case.
        if n == 1 {
            assert!(!again.changed(), "a one-operation add reported a change on re-application: {once}");
        }
        checked += 1;
    }
    // About 750 of the 12,000 random requests apply (most pick a value of the wrong shape for their path).
    assert!(checked > 600, "only {checked} requests applied");
}

#[test]
fn rfc_7644_add_member_example() {
    let mut group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "acbf3ae7-8463-4692-b4fd-9b4da3f908ce",
        "displayName": "Tour Guides",
        "members": [{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"}]
    });
    let patch = Patch::parse(&request(vec![json!({
        "op": "add", "path": "members",
        "value": [{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"},
                  {"display": "James Smith", "$ref": "https://example.com/v2/Users/08e1d05d", "value": "08e1d05d"}]
    })]))
    .unwrap();
    assert!(patch.apply(&mut group).unwrap().changed());
    assert_eq!(group["members"].as_array().unwrap().len(), 2, "the existing member is not duplicated");
    assert!(!patch.apply(&mut group).unwrap().changed());
}

#[test]
fn errors_name_the_failing_operation() {
    let mut doc = user();
    let before = doc.to_string();
    let err: Error = Patch::parse(&request(vec![
        json!({"op": "replace", "path": "nickName", "value": "Babs"}),
        json!({"op": "add", "path": "emails", "value": {"type": "other", "value": "o@example.com"}}),
        json!({"op": "replace", "path": "emails[type eq \"fax\"].value", "value": "x"}),
    ]))
    .unwrap()
    .apply(&mut doc)
    .unwrap_err();
    assert_eq!((err.scim_type(), err.code(), err.operation()), (ScimType::NoTarget, "patch.no_target", Some(2)));
    assert_eq!(doc.to_string(), before);
}

#[test]
fn path_errors_carry_the_operation_and_the_position() {
    let err = Patch::parse(&request(vec![
        json!({"op": "add", "path": "nickName", "value": "x"}),
        json!({"op": "remove", "path": "emails[type eq \"work\""}),
    ]))
    .unwrap_err();
    assert_eq!((err.code(), err.operation(), err.position()), ("path.unclosed_bracket", Some(1), Some(6)));
    assert_eq!(err.scim_type(), ScimType::InvalidPath);
    assert_eq!(Path::parse("emails[type eq \"work\"].value").unwrap().to_string(), "emails[type eq \"work\"].value");
}

fn big_group(n: usize) -> Value {
    let members: Vec<Value> =
        (0..n).map(|i| json!({"value": format!("user-{i:06}"), "display": format!("User {i}")})).collect();
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "Everyone", "members": members})
}

#[test]
fn groups_of_100000_members() {
    let n = 100_000;
    let mut group = big_group(n);
    let add_100: Vec<Value> = (0..100)
        .map(|i| json!({"value": format!("new-{i}")}))
        .chain([json!({"value": "user-000007", "display": "User 7"})])
        .collect();
    let patch = Patch::parse(&request(vec![
        json!({"op": "add", "path": "members", "value": add_100}),
        json!({"op": "remove", "path": "members[value eq \"user-050000\"]"}),
        json!({"op": "remove", "path": "members[value sw \"new-9\"]"}),
    ]))
    .unwrap();
    assert!(patch.apply(&mut group).unwrap().changed());
    let members = group["members"].as_array().unwrap();
    // +100 new (the existing user-000007 is not repeated), -1, -11 (new-9, new-90..new-99).
    assert_eq!(members.len(), n + 100 - 1 - 11);
    assert!(!members.iter().any(|m| m["value"] == "user-050000"));

    // A request whose last operation fails leaves all 100,000 members exactly as they were.
    let before = group.to_string();
    let failing = Patch::parse(&request(vec![
        json!({"op": "remove", "path": "members[value sw \"user-09\"]"}),
        json!({"op": "add", "path": "members", "value": [{"value": "late"}]}),
        json!({"op": "replace", "path": "members[value eq \"user-000001\"].value", "value": "other"}),
    ]))
    .unwrap();
    let err = failing.apply(&mut group).unwrap_err();
    assert_eq!((err.code(), err.operation()), ("patch.immutable", Some(2)));
    assert_eq!(group.to_string(), before);
}

#[test]
fn re_adding_a_member_with_other_sub_attributes_changes_nothing() {
    for extra in [0usize, 20] {
        // 0: the scanning path; 20: the hash-index path for many values.
        let mut group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G",
                               "members": [{"value": "u1"}, {"value": "u2", "type": "User"}]});
        let mut values = vec![json!({"value": "u1", "display": "User One"}), json!({"value": "u2"})];
        values.extend((0..extra).map(|i| json!({"value": format!("n{i}")})));
        values.push(json!({"value": "n0", "display": "repeated in the request"}));
        let patch = Patch::parse(&request(vec![json!({"op": "add", "path": "members", "value": values})])).unwrap();
        let outcome = patch.apply(&mut group).unwrap();
        let members = group["members"].as_array().unwrap();
        assert_eq!(members.len(), 2 + extra.max(1), "extra = {extra}: {members:?}");
        assert_eq!(members[0], json!({"value": "u1"}), "an existing member is left as it was");
        assert!(outcome.changed());
    }
    // A different `type` is a different value; an email with the same address but another type is added.
    let mut user = json!({"emails": [{"type": "work", "value": "a@example.com"}]});
    let patch = Patch::parse(&request(vec![json!({"op": "add", "path": "emails",
        "value": [{"type": "home", "value": "a@example.com"}, {"value": "a@example.com"}]})]))
    .unwrap();
    patch.apply(&mut user).unwrap();
    assert_eq!(user["emails"].as_array().unwrap().len(), 2);
}

/// Entra removes members by listing them (`remove_value_list`, idp-quirks E11): taking 50,000 listed members out
/// of 100,000 in one operation removes exactly those, ignores a listed non-member, and is refused in strict mode.
#[test]
fn entra_removes_a_long_member_list_from_100000_members() {
    use scim_expr::{Options, Quirks};
    let n = 100_000;
    let mut group = big_group(n);
    let listed: Vec<Value> = (0..n)
        .step_by(2)
        .map(|i| json!({"value": format!("user-{i:06}"), "$ref": null}))
        .chain([json!({"value": "not-a-member"})])
        .collect();
    let body = request(vec![json!({"op": "Remove", "path": "members", "value": listed})]);
    let entra = Options::new().with_quirks(Quirks::entra());
    let outcome = Patch::parse_with(&body, &entra).unwrap().apply(&mut group).unwrap();
    assert!(outcome.changed());
    assert_eq!(outcome.quirks_fired(), vec!["remove_value_list"]);
    let members = group["members"].as_array().unwrap();
    assert_eq!(members.len(), n / 2);
    assert!(members.iter().enumerate().all(|(k, m)| m["value"] == format!("user-{:06}", 2 * k + 1)));

    let before = group.to_string();
    let err = Patch::parse(&body).and_then(|p| p.apply(&mut group)).unwrap_err();
    assert_eq!((err.code(), err.operation()), ("patch.remove_with_value", Some(0)));
    assert_eq!(group.to_string(), before);
}

/// A `Patch` is parsed once and applied to many documents, from several threads at once.
#[test]
fn one_patch_applies_to_many_documents_from_many_threads() {
    let patch = std::sync::Arc::new(
        Patch::parse(&request(vec![
            json!({"op": "replace", "path": "active", "value": false}),
            json!({"op": "add", "path": "emails", "value": {"type": "other", "value": "x@example.com"}}),
        ]))
        .unwrap(),
    );
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let patch = std::sync::Arc::clone(&patch);
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| {
                        let mut doc = user();
                        doc["userName"] = json!(format!("user-{t}-{i}"));
                        assert!(patch.apply(&mut doc).unwrap().changed());
                        doc
                    })
                    .collect::<Vec<Value>>()
            })
        })
        .collect();
    for (t, handle) in handles.into_iter().enumerate() {
        let docs = handle.join().unwrap();
        assert_eq!(docs.len(), 50);
        for (i, doc) in docs.iter().enumerate() {
            assert_eq!(doc["userName"], format!("user-{t}-{i}"));
            assert_eq!(doc["active"], false);
            assert_eq!(doc["emails"].as_array().unwrap().len(), 3);
        }
    }
}

#[test]
fn entra_removal_by_value_list_removes_exactly_the_listed_members() {
    let entra = scim_expr::Options::new().with_quirks(scim_expr::Quirks::entra());
    for listed_count in [3usize, 40] {
        // 3: the scanning path; 40: the hash-index path for many values.
        let mut group = big_group(1_000);
        // Odd members from 101 on, one absent value, one repeated, one spelled `Value`, one element matched whole.
        let mut listed: Vec<Value> =
            (0..listed_count).map(|i| json!({"value": format!("user-{:06}", 101 + 2 * i)})).collect();
        listed.push(json!({"value": "absent"}));
        listed.push(json!({"value": "user-000101", "display": "repeated, other display"}));
        listed.push(json!({"Value": "user-000002"}));
        group["members"].as_array_mut().unwrap().push(json!("bare"));
        listed.push(json!("bare"));
        let patch =
            Patch::parse_with(&request(vec![json!({"op": "Remove", "path": "members", "value": listed})]), &entra)
                .unwrap();
        assert!(patch.apply(&mut group).unwrap().changed());
        let left: Vec<&str> = group["members"].as_array().unwrap().iter().filter_map(|m| m["value"].as_str()).collect();
        let expected: Vec<String> = (0..1_000)
            .filter(|&i| i != 2 && !(i >= 101 && i < 101 + 2 * listed_count && i % 2 == 1))
            .map(|i| format!("user-{i:06}"))
            .collect();
        assert_eq!(left, expected, "listed_count = {listed_count}");
        assert_eq!(group["members"].as_array().unwrap().len(), expected.len(), "the bare element is removed");
    }
}
