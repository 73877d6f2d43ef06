//! A second reading, by tests, of `Host::element_strings` / `Host::find_element_string` (the PATCH engine's scans of
//! a multi-valued attribute's `value` strings) and of `Lazy::Spliced` (a host array the request only removed
//! elements from and appended to). The reference is always the same request applied in place to a
//! `serde_json::Value` (which never builds a spliced array): the overlay on a `&Value`, on a plain host that only
//! has the trait's default reads, and on a `Document` must give the same result, the same `changed()`, the same
//! error, and the same JSON text when serialized.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::cell::Cell;
use std::convert::Infallible;

use common::{plain_value, Plain, Rng};
use scim_expr::overlay::{kept_elements, Failure, Host, Lazy};
use scim_expr::{Document, Node, Options, Patch, Quirks, Schemas, View};
use serde_json::{json, Value};

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn request(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

fn group(members: Value) -> Value {
    json!({"schemas": [GROUP], "id": "g1", "displayName": "G", "members": members})
}

fn options(quirks: &str) -> Options {
    Options::new().with_quirks(Quirks::preset(quirks).unwrap())
}

/// What the in-place reference gives: the new document and `changed()`, or the error's code.
fn in_place(patch: &Patch, doc: &Value) -> Result<(Value, bool), String> {
    let mut v = doc.clone();
    match patch.apply(&mut v) {
        Ok(outcome) => Ok((v, outcome.changed())),
        Err(e) => {
            assert_eq!(&v, doc, "a failed request leaves the document as it was");
            Err(e.code().to_string())
        }
    }
}

fn code<E: std::fmt::Debug>(f: Failure<E>) -> String {
    match f {
        Failure::Patch(e) => e.code().to_string(),
        Failure::Host(e) => panic!("the test hosts do not fail: {e:?}"),
    }
}

/// The request applied every way the engine runs; all must agree with the in-place reference. Returns it.
fn check_with(doc: &Value, ops: Value, opts: &Options, case: &str) -> Result<Value, String> {
    let body = request(ops);
    let patch = match Patch::parse_with(&body, opts) {
        Ok(p) => p,
        Err(e) => return Err(format!("parse: {}", e.code())),
    };
    let want = in_place(&patch, doc);
    let ctx = || format!("{case}\n{body}\non {doc}");

    let on_value = patch.apply_to(doc).map_err(code);
    let got = on_value.as_ref().map(|(lazy, outcome)| (lazy.to_value(), outcome.changed()));
    assert_eq!(got.map_err(|e| e.clone()), want.clone(), "overlay on a Value: {}", ctx());
    if let (Ok((lazy, _)), Ok((v, _))) = (&on_value, &want) {
        let text = serde_json::to_string(lazy).unwrap();
        assert_eq!(text, serde_json::to_string(v).unwrap(), "serialized overlay on a Value: {}", ctx());
    }

    let plain = patch.apply_to(Plain(doc)).map(|(lazy, o)| (plain_value(&lazy), o.changed())).map_err(code);
    assert_eq!(plain, want, "overlay through the trait's defaults: {}", ctx());

    let document = Document::from_value(doc).unwrap();
    let on_document = patch.apply_to(document.root()).map_err(code);
    let got = on_document.as_ref().map(|(lazy, outcome)| (lazy.to_value(), outcome.changed()));
    assert_eq!(got.map_err(|e| e.clone()), want.clone(), "overlay on a Document: {}", ctx());
    if let (Ok((lazy, _)), Ok((v, _))) = (&on_document, &want) {
        let text = serde_json::to_string(lazy).unwrap();
        assert_eq!(text, serde_json::to_string(v).unwrap(), "serialized overlay on a Document: {}", ctx());
    }
    want.map(|(v, _)| v)
}

fn check(doc: &Value, ops: Value, quirks: &str, case: &str) -> Result<Value, String> {
    check_with(doc, ops, &options(quirks), case)
}

fn values(ids: &[&str]) -> Value {
    Value::Array(ids.iter().map(|v| json!({"value": v})).collect())
}

// ---------------------------------------------------------------------------------------------------------------
// Key spellings and the Document's guessed key position.

/// Elements whose keys put `value` at different positions, and spell it differently, next to each other: the
/// Document loop guesses the position from the previous element.
fn mixed_spellings() -> Value {
    group(json!([
        {"value": "a"},
        {"display": "x", "value": "b"},
        {"Value": "c"},
        {"$ref": "r", "display": "d", "type": "User", "value": "d"},
        {"VALUE": "e", "value": "E"},
        {"VALUE": "f", "Value": "F"},
        {"vaLue": "g"},
        {"value": "h", "zzz": 1},
        {"display": "value", "valu": "i"},
        {"values": "j"},
        {"a": 1, "b": 2, "c": 3, "d": 4, "value": "k"},
        {"value": "l"}
    ]))
}

#[test]
fn key_spellings_and_positions_decide_as_in_place() {
    let doc = mixed_spellings();
    for want in ["a", "b", "c", "C", "d", "e", "E", "f", "F", "g", "h", "i", "j", "k", "l", "value", "x"] {
        for path in ["members[value eq {}]", "members[VALUE eq {}]", "members[Value eq {}]"] {
            let path = path.replace("{}", &json!(want).to_string());
            let _ = check(&doc, json!([{"op": "remove", "path": path}]), "strict", &format!("remove {path}"));
        }
        let _ = check(&doc, json!([{"op": "add", "path": "members", "value": [{"value": want}]}]), "strict", "add");
        let _ =
            check(&doc, json!([{"op": "add", "path": "members", "value": [{"VALUE": want}]}]), "strict", "add VALUE");
        let _ =
            check(&doc, json!([{"op": "remove", "path": "members", "value": [{"value": want}]}]), "entra", "listed");
    }
}

#[test]
fn the_exact_key_wins_over_a_folded_one_in_every_element() {
    // `{"VALUE": "e", "value": "E"}`: the member is "E" (exact), whatever the previous element taught the guess.
    let doc = mixed_spellings();
    let out =
        check(&doc, json!([{"op": "remove", "path": "members", "value": [{"value": "E"}]}]), "entra", "E").unwrap();
    assert!(!out["members"].as_array().unwrap().iter().any(|m| m.get("VALUE") == Some(&json!("e"))));
    // `{"VALUE": "f", "Value": "F"}`: no exact key; the smallest folded one, "VALUE" (byte order), is "f".
    let out = check(&doc, json!([{"op": "add", "path": "members", "value": [{"value": "f"}]}]), "strict", "f").unwrap();
    assert_eq!(out, doc, "f is already a member (through VALUE)");
    let out = check(&doc, json!([{"op": "add", "path": "members", "value": [{"value": "F"}]}]), "strict", "F").unwrap();
    assert_eq!(out["members"].as_array().unwrap().len(), 13, "F is not: the smallest spelling decides");
}

#[test]
fn duplicate_keys_in_a_document_keep_the_last_value() {
    // The Document is built from text with repeated keys; serde_json keeps the last one, and so must the scans.
    let text = r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g", "members": [
        {"value": "a", "value": "b"}, {"value": "c"}, {"value": "d", "display": "x", "value": "e"},
        {"Value": "f", "value": "g", "Value": "h"}]}"#;
    let doc: Value = serde_json::from_str(text).unwrap();
    let document = Document::from_json_str(text).unwrap();
    assert_eq!(document.root().to_value(), doc);
    for want in ["a", "b", "c", "d", "e", "f", "g", "h"] {
        for ops in [
            json!([{"op": "remove", "path": format!("members[value eq {}]", json!(want))}]),
            json!([{"op": "add", "path": "members", "value": {"value": want}}]),
            json!([{"op": "add", "path": "members", "value": values(&[want; 9])}]),
        ] {
            let patch = Patch::parse(&request(ops.clone())).unwrap();
            let want_doc = in_place(&patch, &doc);
            let (lazy, outcome) = patch.apply_to(document.root()).unwrap();
            assert_eq!(Ok((lazy.to_value(), outcome.changed())), want_doc, "{ops}");
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Elements and `value`s of every kind.

fn odd_members() -> Value {
    group(json!([
        "a",
        7,
        null,
        true,
        [{"value": "a"}],
        {"value": ["a", "b"]},
        {"value": 7},
        {"value": "7"},
        {"value": null},
        {"value": true},
        {"value": "True"},
        {"value": "true"},
        {"value": {"value": "a"}},
        {},
        {"value": "a"},
        {"value": ""}
    ]))
}

#[test]
fn elements_and_values_that_are_not_strings_are_evaluated_as_in_place() {
    let doc = odd_members();
    let filters = [
        r#"members[value eq "a"]"#,
        r#"members[value eq "A"]"#,
        r#"members[value eq "b"]"#,
        r#"members[value eq "7"]"#,
        r#"members[value eq 7]"#,
        r#"members[value eq "True"]"#,
        r#"members[value eq "TRUE"]"#,
        r#"members[value eq true]"#,
        r#"members[value eq ""]"#,
        r#"members[value eq null]"#,
        r#"members[value pr]"#,
        r#"members[value ne "a"]"#,
    ];
    // The built-in schema refuses some of these (a number for a string `value`, writes to `display`); without
    // one, every request applies.
    let schema_less = Options::new().with_schemas(Schemas::empty()).with_quirks(Quirks::preset("entra").unwrap());
    let sets = [
        ("strict", options("strict")),
        ("entra", options("entra")),
        ("lenient", options("lenient")),
        ("none", schema_less),
    ];
    let adds = [
        json!({"value": "a"}),
        json!({"value": 7}),
        json!({"value": true}),
        json!({"value": ["a", "b"]}),
        json!({"value": "True"}),
        json!("a"),
        json!(7),
        json!([{"value": "a"}, {"value": "7"}, {"value": 7}, {"value": ""}]),
    ];
    let lists = [
        json!([{"value": "a"}]),
        json!([{"value": "7"}, {"value": "True"}]),
        json!([{"value": 7}]),
        json!([{"value": true}]),
        json!(["a"]),
        json!([{"value": ["a", "b"]}]),
        json!({"value": "true"}),
    ];
    let (mut applied, mut schema_less_applied) = (0, 0);
    for (name, opts) in &sets {
        let mut requests: Vec<Value> = Vec::new();
        for f in filters {
            requests.push(json!([{"op": "remove", "path": f}]));
            requests.push(json!([{"op": "replace", "path": format!("{f}.display"), "value": "D"}]));
        }
        requests.extend(adds.iter().map(|v| json!([{"op": "add", "path": "members", "value": v}])));
        requests.extend(lists.iter().map(|v| json!([{"op": "remove", "path": "members", "value": v}])));
        for ops in requests {
            let ok = check_with(&doc, ops, opts, name).is_ok();
            applied += usize::from(ok);
            if *name == "none" {
                schema_less_applied += usize::from(ok);
            }
        }
    }
    assert!(applied > 60, "{applied}");
    assert!(schema_less_applied > 30, "{schema_less_applied}");
}

#[test]
fn boolean_strings_filters_on_members_match_booleans_and_strings_as_in_place() {
    // entra's boolean_strings: "True" compared with a boolean means true; with a string it is the string.
    let doc = group(json!([{"value": true}, {"value": "True"}, {"value": "true"}, {"value": "yes"}, {"value": false}]));
    // `members.value` is a string attribute: "True" is the string, compared ignoring case.
    let out = check(&doc, json!([{"op": "remove", "path": "members[value eq \"True\"]"}]), "entra", "True").unwrap();
    assert_eq!(out["members"], json!([{"value": true}, {"value": "yes"}, {"value": false}]));
    let out = check(&doc, json!([{"op": "remove", "path": "members[value eq \"False\"]"}]), "entra", "False").unwrap();
    assert_eq!(out["members"].as_array().unwrap().len(), 5);
    // Schema-less, the quirk's reading of "True" applies to boolean values; one `eq` on a member, as the scan sees it.
    let opts = Options::new().with_schemas(Schemas::empty()).with_quirks(Quirks::preset("entra").unwrap());
    for want in ["True", "true", "False", "TRUE", "yes"] {
        let path = format!("members[value eq \"{want}\"]");
        check_with(&doc, json!([{"op": "remove", "path": path}]), &opts, &path).unwrap();
    }
    // A boolean sub-attribute of a multi-valued attribute: `emails[primary eq "True"]`.
    let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u",
        "emails": [{"value": "a@x", "primary": true}, {"value": "b@x", "primary": "True"}, {"value": "c@x"}]});
    for want in ["True", "False", "true"] {
        let path = format!("emails[primary eq \"{want}\"]");
        let _ = check(&user, json!([{"op": "remove", "path": path}]), "entra", &path);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Strings: case folding, shared prefixes, lengths around the word comparisons.

const TRICKY: [&str; 22] = [
    "ß",
    "SS",
    "ss",
    "ẞ",
    "K",
    "k",
    "\u{212A}",
    "İ",
    "i̇",
    "i",
    "Σ",
    "σ",
    "ς",
    "abcdefgh",
    "abcdefgi",
    "abcdefgh1",
    "abcdefgh2",
    "Abcdefgh1",
    "0123456789abcdef",
    "0123456789abcdeF",
    "0123456789abcdef0",
    "0123456789abcdeg0",
];

#[test]
fn case_folding_and_strings_alike_in_their_first_bytes() {
    let doc = group(Value::Array(TRICKY.iter().map(|s| json!({"value": s, "display": s})).collect()));
    for want in TRICKY {
        let quoted = json!(want).to_string();
        for path in [format!("members[value eq {quoted}]"), format!("members[display eq {quoted}]")] {
            let _ = check(&doc, json!([{"op": "remove", "path": path}]), "strict", &format!("remove {path}"));
        }
        let _ = check(&doc, json!([{"op": "add", "path": "members", "value": {"value": want}}]), "strict", "add");
        let _ =
            check(&doc, json!([{"op": "add", "path": "members", "value": values(&[want; 10])}]), "strict", "add 10");
        let _ =
            check(&doc, json!([{"op": "remove", "path": "members", "value": [{"value": want}]}]), "entra", "listed");
    }
    // All of them at once, hashed, and each with a twin that is equal only ignoring case.
    let upper: Vec<String> = TRICKY.iter().map(|s| s.to_uppercase()).collect();
    let all: Vec<&str> = TRICKY.iter().copied().chain(upper.iter().map(String::as_str)).collect();
    let _ = check(&doc, json!([{"op": "add", "path": "members", "value": values(&all)}]), "strict", "add all");
    let _ =
        check(&doc, json!([{"op": "remove", "path": "members", "value": values(&all)}]), "entra", "remove all listed");
}

#[test]
fn attribute_names_of_every_length_around_the_word_comparisons() {
    // Schema-less sub-attributes whose names differ in one byte at the start, the middle or the end, for the
    // lengths where `short_eq` switches between its byte loop, two 4-byte words, two 8-byte words and memcmp.
    let opts = Options::new().with_schemas(Schemas::empty());
    let mut names: Vec<String> = Vec::new();
    for len in 1..=20 {
        let base: String = (0..len).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        names.push(base.clone());
        for at in [0, len / 2, len - 1] {
            let mut b = base.clone().into_bytes();
            b[at] = b'z';
            names.push(String::from_utf8(b).unwrap());
        }
    }
    let elements: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut m = serde_json::Map::new();
            m.insert(n.clone(), json!(format!("v{}", i % 3)));
            m.insert("value".into(), json!(format!("id{i}")));
            Value::Object(m)
        })
        .collect();
    let doc = json!({"id": "x", "things": elements});
    for n in &names {
        for want in ["v0", "v1", "V2"] {
            let path = format!("things[{n} eq \"{want}\"]");
            check_with(&doc, json!([{"op": "remove", "path": path}]), &opts, &path).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Requests: repeated values, `type`, scan (≤ 8) and hash (> 8) paths.

#[test]
fn repeated_values_and_types_on_both_sides_of_the_scan_limit() {
    let doc = group(json!([
        {"value": "a", "type": "User"},
        {"value": "b"},
        {"value": "c", "type": "Group"},
        {"value": "c", "type": "User"},
        {"value": "d", "TYPE": "User"},
        {"value": "e", "type": null},
        {"value": "f", "type": 1}
    ]));
    let kinds = [None, Some(json!("User")), Some(json!("Group")), Some(json!("user"))];
    let ids = ["a", "b", "c", "d", "e", "f", "g"];
    let mut rng = Rng(0x5ee0_0001);
    for case in 0..400 {
        let n = 1 + rng.below(16);
        let adding: Vec<Value> = (0..n)
            .map(|_| {
                let mut v = json!({"value": rng.pick(&ids)});
                if let Some(t) = &kinds[rng.below(kinds.len())] {
                    v["type"] = t.clone();
                }
                if rng.below(4) == 0 {
                    v["display"] = json!("D");
                }
                v
            })
            .collect();
        let _ =
            check(&doc, json!([{"op": "add", "path": "members", "value": adding}]), "strict", &format!("add #{case}"));
        let _ = check(
            &doc,
            json!([{"op": "remove", "path": "members", "value": adding}]),
            "entra",
            &format!("listed #{case}"),
        );
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Spliced arrays across several operations.

fn big_group(n: usize) -> Value {
    group(Value::Array(
        (0..n)
            .map(|i| match i % 5 {
                0 => json!({"value": format!("m{i}"), "display": format!("D{}", i % 3), "type": "User"}),
                1 => json!({"value": format!("m{i}"), "primary": i == 6}),
                2 => json!({"Value": format!("m{i}")}),
                3 => json!({"value": format!("m{i}"), "type": "Group", "display": "x"}),
                _ => json!({"value": format!("m{i}")}),
            })
            .collect(),
    ))
}

#[test]
fn removals_then_reads_by_position_see_the_kept_elements() {
    // Several removals leave removed positions scattered over the host array; each later operation reads the
    // spliced array by position (`index`, through filters that are not one `value eq`) or by its strings.
    let doc = big_group(30);
    let ops = json!([
        {"op": "remove", "path": "members[value eq \"m3\"]"},
        {"op": "remove", "path": "members", "value": [{"value": "m0"}, {"value": "m7"}, {"value": "m29"}]},
        {"op": "add", "path": "members", "value": [{"value": "n1"}, {"value": "n2", "display": "D1"}]},
        {"op": "remove", "path": "members[value eq \"m1\" or value eq \"m8\"]"},
        {"op": "remove", "path": "members[display eq \"D1\"]"},
        {"op": "remove", "path": "members[value sw \"m2\" and not (value eq \"m2\")]"},
        {"op": "remove", "path": "members", "value": [{"value": "n1"}, {"value": "m4"}]},
        {"op": "add", "path": "members", "value": [{"value": "m3"}, {"value": "m4"}, {"value": "m5"}]}
    ]);
    let out = check(&doc, ops.clone(), "entra", "removals").unwrap();
    assert!(out["members"].as_array().unwrap().len() < 30);
    // Every prefix of the sequence, so that each intermediate spliced state is the result once.
    for k in 1..=ops.as_array().unwrap().len() {
        let prefix = Value::Array(ops.as_array().unwrap()[..k].to_vec());
        let _ = check(&doc, prefix, "entra", &format!("prefix {k}"));
    }
}

#[test]
fn writes_into_elements_after_a_splice_write_the_right_element() {
    let doc = big_group(25);
    for (i, write) in [
        json!({"op": "replace", "path": "members[value eq \"m9\"].display", "value": "nine"}),
        json!({"op": "add", "path": "members[value eq \"m11\"].display", "value": "eleven"}),
        json!({"op": "remove", "path": "members[value eq \"m10\"].display"}),
        json!({"op": "replace", "path": "members[value eq \"n1\"]", "value": {"display": "new"}}),
        json!({"op": "replace", "path": "members[value eq \"m12\"].value", "value": "m12b"}),
        json!({"op": "replace", "path": "members[value eq \"m13\"]", "value": {"primary": true}}),
        json!({"op": "replace", "path": "members[display eq \"D2\"].type", "value": "Group"}),
    ]
    .into_iter()
    .enumerate()
    {
        let ops = json!([
            {"op": "remove", "path": "members", "value": [{"value": "m1"}, {"value": "m4"}]},
            {"op": "add", "path": "members", "value": [{"value": "n1"}]},
            {"op": "remove", "path": "members[value eq \"m5\"]"},
            write,
            {"op": "add", "path": "members", "value": [{"value": "n2"}, {"value": "m9"}]},
            {"op": "remove", "path": "members[value eq \"m2\"]"}
        ]);
        // `members` sub-attributes are immutable or read-only in the Group schema: refused, the same everywhere.
        let _ = check(&doc, ops.clone(), "entra", &format!("write #{i}"));
        // Schema-less, every write goes through.
        let opts = Options::new().with_schemas(Schemas::empty()).with_quirks(Quirks::preset("entra").unwrap());
        check_with(&doc, ops, &opts, &format!("schema-less write #{i}")).unwrap();
    }
}

#[test]
fn an_added_primary_clears_the_others_through_a_splice() {
    // big_group's m6 has primary true; remove some members first so that positions shift, then add a primary one.
    let doc = big_group(20);
    for ops in [
        json!([{"op": "add", "path": "members", "value": {"value": "p", "primary": true}}]),
        json!([
            {"op": "remove", "path": "members", "value": [{"value": "m0"}, {"value": "m2"}, {"value": "m5"}]},
            {"op": "add", "path": "members", "value": {"value": "p", "primary": true}}
        ]),
        json!([
            {"op": "add", "path": "members", "value": [{"value": "q", "primary": true}]},
            {"op": "remove", "path": "members[value eq \"m1\"]"},
            {"op": "add", "path": "members", "value": {"value": "p", "primary": true}}
        ]),
        json!([
            {"op": "remove", "path": "members[value eq \"m6\"]"},
            {"op": "add", "path": "members", "value": [{"value": "p", "primary": true}, {"value": "q"}]}
        ]),
        json!([
            {"op": "remove", "path": "members[value eq \"m3\"]"},
            {"op": "replace", "path": "members[value eq \"m11\"].primary", "value": true}
        ]),
        json!([
            {"op": "add", "path": "members", "value": [{"value": "p", "primary": true}, {"value": "q", "primary": true}]}
        ]),
    ] {
        let out = check(&doc, ops.clone(), "entra", "primary");
        if let Ok(out) = out {
            let primaries = out["members"].as_array().unwrap().iter().filter(|m| m["primary"] == json!(true)).count();
            assert!(primaries <= 1, "{ops}: at most one primary (RFC 7643 §2.4)");
        }
    }
}

#[test]
fn removing_every_member_unassigns_the_attribute_and_adding_again_creates_it() {
    let doc = big_group(12);
    let all: Vec<String> = (0..12).map(|i| format!("m{i}")).collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let sequences = [
        json!([{"op": "remove", "path": "members", "value": values(&all)}]),
        json!([{"op": "remove", "path": "members[value sw \"m\"]"}]),
        json!([{"op": "remove", "path": "members", "value": values(&all[..6])},
               {"op": "remove", "path": "members", "value": values(&all[6..])}]),
        json!([{"op": "add", "path": "members", "value": values(&["x", "y"])},
               {"op": "remove", "path": "members", "value": values(&all)},
               {"op": "remove", "path": "members", "value": values(&["x", "y"])}]),
        json!([{"op": "remove", "path": "members", "value": values(&all)},
               {"op": "add", "path": "members", "value": values(&["m1", "z"])}]),
        json!([{"op": "remove", "path": "members"},
               {"op": "add", "path": "members", "value": values(&["m1"])},
               {"op": "add", "path": "members", "value": values(&["m1", "m2"])}]),
        json!([{"op": "add", "path": "members", "value": values(&["x"])},
               {"op": "replace", "path": "members", "value": values(&["m0", "x"])},
               {"op": "remove", "path": "members[value eq \"x\"]"}]),
        json!([{"op": "remove", "path": "members[value eq \"m0\"]"},
               {"op": "replace", "path": "members", "value": []},
               {"op": "add", "path": "members", "value": values(&["m0"])}]),
    ];
    for (i, ops) in sequences.into_iter().enumerate() {
        let out = check(&doc, ops, "entra", &format!("sequence #{i}")).unwrap();
        if i < 4 {
            assert!(out.get("members").is_none(), "#{i}: no member left: the attribute is unassigned");
        }
    }
}

#[test]
fn a_remove_then_add_that_restores_the_group_is_still_a_change_everywhere() {
    let doc = big_group(10);
    let ops = json!([{"op": "remove", "path": "members[value eq \"m9\"]"},
                     {"op": "add", "path": "members", "value": {"value": "m9"}}]);
    let out = check(&doc, ops, "strict", "restore").unwrap();
    assert_eq!(out, doc);
    // Nothing to do at all: the result is the host itself.
    let ops = json!([{"op": "add", "path": "members", "value": {"value": "m9"}},
                     {"op": "remove", "path": "members[value eq \"absent\"]"},
                     {"op": "remove", "path": "members", "value": [{"value": "absent"}]}]);
    let patch = Patch::parse_with(&request(ops.clone()), &options("entra")).unwrap();
    let (lazy, outcome) = patch.apply_to(&doc).unwrap();
    assert!(!outcome.changed());
    assert!(matches!(lazy, Lazy::Host(v) if std::ptr::eq(v, &doc)));
    let _ = check(&doc, ops, "entra", "nothing");
}

#[test]
fn spliced_forms_and_their_conversions_agree() {
    // The result's `members` is one spliced array: kept host elements, then the appended values.
    let doc = big_group(15);
    let ops = json!([
        {"op": "remove", "path": "members", "value": [{"value": "m0"}, {"value": "m14"}, {"value": "m7"}]},
        {"op": "add", "path": "members", "value": [{"value": "n1"}, {"value": "n2"}, {"value": "n3"}]},
        {"op": "remove", "path": "members[value eq \"n2\"]"},
        {"op": "remove", "path": "members[value eq \"m8\"]"}
    ]);
    let patch = Patch::parse_with(&request(ops.clone()), &options("entra")).unwrap();
    let want = in_place(&patch, &doc).unwrap().0;
    let (lazy, _) = patch.apply_to(&doc).unwrap();
    let Lazy::Object(members) = &lazy else { panic!("the group was written into") };
    let Some((_, Lazy::Spliced { host, removed, appended })) = members.iter().find(|(k, _)| k == "members") else {
        panic!("members stays spliced: {members:?}")
    };
    assert!(std::ptr::eq(*host, &doc["members"]));
    assert_eq!(removed, &[0, 7, 8, 14]);
    assert_eq!(appended, &[json!({"value": "n1"}), json!({"value": "n3"})]);
    let kept: Vec<&Value> = kept_elements(doc["members"].as_array().unwrap(), removed).collect();
    assert_eq!(kept.len(), 11);
    assert_eq!(lazy.to_value(), want);

    let document = Document::from_value(&doc).unwrap();
    let (lazy, _) = patch.apply_to(document.root()).unwrap();
    let Lazy::Object(members) = &lazy else { panic!("the group was written into") };
    assert!(members.iter().any(|(k, v)| k == "members" && matches!(v, Lazy::Spliced { .. })));
    assert_eq!(lazy.to_value(), want);
    assert_eq!(serde_json::to_string(&lazy).unwrap(), serde_json::to_string(&want).unwrap());
    assert_eq!(serde_json::to_value(&lazy).unwrap(), want);
}

// ---------------------------------------------------------------------------------------------------------------
// Multi-valued attributes other than a group's members.

#[test]
fn multi_valued_extension_and_user_attributes_splice_as_in_place() {
    let mut schemas = Schemas::builtin();
    schemas
        .add_json(&json!({
            "id": "urn:example:scim:schemas:extension:tags:2.0:User",
            "name": "Tags",
            "attributes": [{"name": "tags", "type": "complex", "multiValued": true, "subAttributes": [
                {"name": "value", "type": "string"}, {"name": "type", "type": "string"},
                {"name": "primary", "type": "boolean"}]},
                {"name": "codes", "type": "string", "multiValued": true}]
        }))
        .unwrap();
    let ext = "urn:example:scim:schemas:extension:tags:2.0:User";
    let opts = Options::new().with_schemas(schemas).with_quirks(Quirks::preset("entra").unwrap());
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ext],
        "userName": "u",
        "emails": [{"value": "a@x", "type": "work", "primary": true}, {"value": "b@x", "type": "home"},
                   {"value": "A@X", "type": "other"}],
        ext: {"tags": [{"value": "t1"}, {"value": "t2", "primary": true}, {"value": "t3"}],
              "codes": ["c1", "c2", "c3"]}
    });
    let t = |s: &str| format!("{ext}:{s}");
    let sequences = [
        json!([{"op": "add", "path": t("tags"), "value": [{"value": "t4", "primary": true}]}]),
        json!([{"op": "remove", "path": t("tags[value eq \"t2\"]")},
               {"op": "add", "path": t("tags"), "value": [{"value": "t1"}, {"value": "t5"}]}]),
        json!([{"op": "remove", "path": t("tags"), "value": [{"value": "t1"}, {"value": "t2"}, {"value": "t3"}]}]),
        json!([{"op": "remove", "path": t("tags[value eq \"t1\"]")}, {"op": "remove", "path": t("tags[value eq \"t2\"]")},
               {"op": "remove", "path": t("tags[value eq \"t3\"]")}, {"op": "remove", "path": t("codes")}]),
        json!([{"op": "add", "path": t("codes"), "value": ["c4", "c1"]},
               {"op": "remove", "path": t("codes[value eq \"c2\"]")}]),
        json!([{"op": "remove", "path": "emails[value eq \"a@x\"]"},
               {"op": "add", "path": "emails", "value": [{"value": "c@x", "primary": true}]}]),
        json!([{"op": "remove", "path": "emails", "value": [{"value": "b@x"}]},
               {"op": "add", "path": "emails", "value": [{"value": "b@x", "type": "work"}]}]),
        json!([{"op": "add", "path": "emails", "value": [{"value": "a@x"}]},
               {"op": "remove", "path": "emails[value eq \"A@x\"]"}]),
        json!([{"op": "add", "path": "schemas", "value": ["urn:x:y"]},
               {"op": "remove", "path": "schemas[value eq \"urn:x:y\"]"}]),
        json!([{"op": "add", "path": "schemas", "value": ["urn:x:y"]},
               {"op": "remove", "path": "schemas", "value": ["urn:x:y"]}]),
    ];
    for (i, ops) in sequences.into_iter().enumerate() {
        check_with(&user, ops, &opts, &format!("user sequence #{i}")).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Hosts that fail.

/// A host over a `Value` whose reads all fail once `broken` is set, and whose reads of the string "boom" always
/// fail (`Serialize` too, so that a spliced result's serialization reads through it).
#[derive(Debug, Clone, Copy)]
struct Flaky<'v> {
    v: &'v Value,
    broken: &'v Cell<bool>,
}

impl<'v> Flaky<'v> {
    fn at(&self, v: &'v Value) -> Flaky<'v> {
        Flaky { v, broken: self.broken }
    }

    fn ok(&self) -> Result<(), String> {
        if self.broken.get() || self.v == "boom" {
            return Err("cannot read".into());
        }
        Ok(())
    }
}

fn sure<T>(r: Result<T, Infallible>) -> T {
    match r {
        Ok(t) => t,
        Err(never) => match never {},
    }
}

impl Node for Flaky<'_> {
    type Error = String;

    fn view(&self) -> Result<View<'_>, String> {
        self.ok()?;
        Ok(sure(self.v.view()))
    }

    fn get(&self, name: &str) -> Result<Option<Self>, String> {
        if self.broken.get() {
            return Err("cannot read".into());
        }
        Ok(sure(Node::get(&self.v, name)).map(|v| self.at(v)))
    }

    fn index(&self, i: usize) -> Result<Option<Self>, String> {
        if self.broken.get() {
            return Err("cannot read".into());
        }
        Ok(sure(Node::index(&self.v, i)).map(|v| self.at(v)))
    }

    fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, String>) -> Result<bool, String> {
        self.ok()?;
        for v in self.v.as_object().into_iter().flat_map(serde_json::Map::values) {
            if f(&self.at(v))? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

impl Host for Flaky<'_> {
    fn member(&self, key: &str) -> Result<Option<Self>, String> {
        if self.broken.get() {
            return Err("cannot read".into());
        }
        Ok(sure(self.v.member(key)).map(|v| self.at(v)))
    }

    fn members(&self, f: &mut dyn FnMut(&str, Self) -> Result<bool, String>) -> Result<(), String> {
        self.ok()?;
        for (k, v) in self.v.as_object().into_iter().flatten() {
            if !f(k, self.at(v))? {
                break;
            }
        }
        Ok(())
    }
}

impl serde::Serialize for Flaky<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        if self.broken.get() || contains_boom(self.v) {
            return Err(S::Error::custom("cannot read"));
        }
        self.v.serialize(s)
    }
}

fn contains_boom(v: &Value) -> bool {
    match v {
        Value::String(s) => s == "boom",
        Value::Array(items) => items.iter().any(contains_boom),
        Value::Object(m) => m.values().any(contains_boom),
        _ => false,
    }
}

#[test]
fn a_failing_read_during_a_scan_is_the_host_error() {
    let broken = Cell::new(false);
    let requests = [
        // `value` strings scanned: a member's `value` cannot be read.
        (json!([{"op": "add", "path": "members", "value": [{"value": "c"}]}]), "strict"),
        (json!([{"op": "add", "path": "members", "value": values(&["c"; 10])}]), "strict"),
        (json!([{"op": "remove", "path": "members[value eq \"c\"]"}]), "strict"),
        (json!([{"op": "remove", "path": "members", "value": [{"value": "c"}]}]), "entra"),
        (json!([{"op": "remove", "path": "members", "value": values(&["c"; 10])}]), "entra"),
    ];
    let doc = group(json!([{"value": "a"}, {"value": "boom"}, {"value": "b"}]));
    for (ops, quirks) in &requests {
        let patch = Patch::parse_with(&request(ops.clone()), &options(quirks)).unwrap();
        let got = patch.apply_to(Flaky { v: &doc, broken: &broken }).map(|(lazy, _)| lazy.to_value_lossy());
        assert_eq!(got, Err(Failure::Host("cannot read".to_string())), "{ops}");
    }
    // The `type` of a member whose `value` is equal cannot be read: on both sides of the scan limit.
    let doc = group(json!([{"value": "a"}, {"value": "c", "type": "boom"}, {"value": "b"}]));
    for n in [1, 9] {
        let adding = vec![json!({"value": "c", "type": "User"}); n];
        let patch = Patch::parse(&request(json!([{"op": "add", "path": "members", "value": adding}]))).unwrap();
        let got = patch.apply_to(Flaky { v: &doc, broken: &broken }).map(|(lazy, _)| lazy.to_value_lossy());
        assert_eq!(got, Err(Failure::Host("cannot read".to_string())), "{n} values");
    }
}

#[test]
fn a_failing_read_after_a_splice_is_the_host_error() {
    // The second operation reads the spliced array the first one made; a read there fails.
    let doc = group(json!([{"value": "a"}, {"value": "b", "display": "boom"}, {"value": "c"}]));
    let broken = Cell::new(false);
    for ops in [
        json!([{"op": "remove", "path": "members[value eq \"a\"]"}, {"op": "remove", "path": "members[display eq \"x\"]"}]),
        json!([{"op": "add", "path": "members", "value": {"value": "d"}},
               {"op": "remove", "path": "members[display sw \"x\"]"}]),
        json!([{"op": "remove", "path": "members", "value": [{"value": "a"}]},
               {"op": "add", "path": "members", "value": {"value": "b", "display": "y"}},
               {"op": "remove", "path": "members[value eq \"b\" and display eq \"y\"]"}]),
    ] {
        let patch = Patch::parse_with(&request(ops.clone()), &options("entra")).unwrap();
        let got = patch.apply_to(Flaky { v: &doc, broken: &broken }).map(|(lazy, _)| lazy.to_value_lossy());
        assert_eq!(got, Err(Failure::Host("cannot read".to_string())), "{ops}");
    }
}

#[test]
fn serializing_a_spliced_result_whose_host_fails_is_an_error_not_other_text() {
    let doc = group(json!([{"value": "a"}, {"value": "b"}, {"value": "c"}]));
    let broken = Cell::new(false);
    let ops = json!([{"op": "remove", "path": "members[value eq \"b\"]"},
                     {"op": "add", "path": "members", "value": {"value": "d"}}]);
    let patch = Patch::parse(&request(ops)).unwrap();
    let (lazy, outcome) = patch.apply_to(Flaky { v: &doc, broken: &broken }).unwrap();
    assert!(outcome.changed());
    let Lazy::Object(members) = &lazy else { panic!("written into") };
    assert!(members.iter().any(|(k, v)| k == "members" && matches!(v, Lazy::Spliced { .. })));
    assert_eq!(
        serde_json::to_string(&lazy).unwrap(),
        r#"{"displayName":"G","id":"g1","members":[{"value":"a"},{"value":"c"},{"value":"d"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}"#
    );
    broken.set(true);
    assert!(serde_json::to_string(&lazy).is_err(), "the host's failure, not a shorter array");
}

/// `Lazy::to_value` exists for `&Value` and `DocRef` hosts; this is the same for the test host.
trait ToValueLossy {
    fn to_value_lossy(&self) -> Value;
}

impl ToValueLossy for Lazy<Flaky<'_>> {
    fn to_value_lossy(&self) -> Value {
        match self {
            Lazy::Host(h) => h.v.clone(),
            Lazy::Owned(v) => v.clone(),
            Lazy::Object(members) => {
                Value::Object(members.iter().map(|(k, v)| (k.clone(), v.to_value_lossy())).collect())
            }
            Lazy::Array(items) => Value::Array(items.iter().map(ToValueLossy::to_value_lossy).collect()),
            Lazy::Spliced { host, removed, appended } => Value::Array(
                kept_elements(host.v.as_array().map_or(&[][..], Vec::as_slice), removed)
                    .cloned()
                    .chain(appended.iter().cloned())
                    .collect(),
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Generated requests of many operations.

const IDS: [&str; 10] = ["a", "A", "b", "ß", "SS", "k", "\u{212A}", "abcdefgh1", "abcdefgh2", "m1"];

fn gen_member(rng: &mut Rng) -> Value {
    if rng.below(15) == 0 {
        return match rng.below(3) {
            0 => json!(rng.pick(&IDS)),
            1 => json!(5),
            _ => json!([{"value": "a"}]),
        };
    }
    let mut m = serde_json::Map::new();
    let value = match rng.below(12) {
        0 => json!(5),
        1 => Value::Null,
        2 => json!([rng.pick(&IDS)]),
        3 => json!(true),
        _ => json!(rng.pick(&IDS)),
    };
    let key = match rng.below(10) {
        0 => "Value",
        1 => "VALUE",
        2 => "display",
        _ => "value",
    };
    m.insert(key.into(), value);
    if rng.below(8) == 0 {
        m.insert("value".into(), json!(rng.pick(&IDS)));
    }
    match rng.below(4) {
        0 => {
            m.insert("type".into(), json!(rng.pick(&["User", "Group"])));
        }
        1 => {
            m.insert("Type".into(), json!("User"));
        }
        _ => {}
    }
    if rng.below(3) == 0 {
        m.insert("display".into(), json!(rng.pick(&["x", "y", "X"])));
    }
    if rng.below(6) == 0 {
        m.insert("primary".into(), json!(rng.below(2) == 0));
    }
    Value::Object(m)
}

fn gen_group(rng: &mut Rng) -> Value {
    let n = match rng.below(6) {
        0 => 0,
        1 => 60 + rng.below(15),
        _ => 1 + rng.below(14),
    };
    let members: Vec<Value> = (0..n).map(|_| gen_member(rng)).collect();
    let mut g = json!({"schemas": [GROUP], "id": "g1", "displayName": "G"});
    if n > 0 || rng.below(2) == 0 {
        g["members"] = Value::Array(members);
    }
    g
}

fn gen_value(rng: &mut Rng) -> Value {
    let mut v = json!({"value": rng.pick(&IDS)});
    if rng.below(3) == 0 {
        v["type"] = json!(rng.pick(&["User", "Group"]));
    }
    if rng.below(4) == 0 {
        v["display"] = json!(rng.pick(&["x", "y"]));
    }
    if rng.below(8) == 0 {
        v["primary"] = json!(true);
    }
    v
}

fn gen_values(rng: &mut Rng) -> Value {
    // Both sides of the switch from scanning to hashing (8), with repeats.
    let k = if rng.below(3) == 0 { 9 + rng.below(6) } else { 1 + rng.below(8) };
    Value::Array((0..k).map(|_| gen_value(rng)).collect())
}

fn gen_filter(rng: &mut Rng) -> String {
    let s = |rng: &mut Rng| json!(rng.pick(&IDS)).to_string();
    match rng.below(10) {
        0 => format!("members[VALUE eq {}]", s(rng)),
        1 => format!("members[display eq {}]", json!(rng.pick(&["x", "X", "y"]))),
        2 => format!("members[value eq {} or value eq {}]", s(rng), s(rng)),
        3 => format!("members[value eq {} and type eq \"User\"]", s(rng)),
        4 => format!("members[not (value eq {})]", s(rng)),
        5 => format!("members[value sw {}]", s(rng)),
        6 => "members[type eq \"Group\"]".to_string(),
        7 => "members[value eq \"True\"]".to_string(),
        _ => format!("members[value eq {}]", s(rng)),
    }
}

fn gen_operation(rng: &mut Rng) -> Value {
    match rng.below(11) {
        0 | 1 => json!({"op": "add", "path": "members", "value": gen_values(rng)}),
        2 => json!({"op": "add", "path": "members", "value": gen_value(rng)}),
        3 | 4 => json!({"op": "remove", "path": gen_filter(rng)}),
        5 | 6 => json!({"op": "remove", "path": "members", "value": gen_values(rng)}),
        7 => json!({"op": "replace", "path": format!("{}.display", gen_filter(rng)), "value": "w"}),
        8 => json!({"op": "replace", "path": gen_filter(rng), "value": {"primary": true}}),
        9 => json!({"op": "remove", "path": "members"}),
        _ => json!({"op": "replace", "path": "members", "value": gen_values(rng)}),
    }
}

#[test]
fn generated_multi_operation_requests_give_what_they_give_in_place() {
    let mut rng = Rng(0x5ee0_0002);
    let with_schema = options("entra");
    let schema_less = Options::new().with_schemas(Schemas::empty()).with_quirks(Quirks::preset("entra").unwrap());
    let (mut applied, mut spliced) = (0, 0);
    for case in 0..1500 {
        let doc = gen_group(&mut rng);
        let ops: Vec<Value> = (0..1 + rng.below(6)).map(|_| gen_operation(&mut rng)).collect();
        let opts = if rng.below(2) == 0 { &with_schema } else { &schema_less };
        let ops = Value::Array(ops);
        if check_with(&doc, ops.clone(), opts, &format!("#{case}")).is_ok() {
            applied += 1;
            let patch = Patch::parse_with(&request(ops), opts).unwrap();
            let (lazy, _) = patch.apply_to(&doc).unwrap();
            if let Lazy::Object(members) = &lazy {
                spliced += usize::from(members.iter().any(|(_, v)| matches!(v, Lazy::Spliced { .. })));
            }
        }
    }
    assert!(applied > 700, "most generated requests apply ({applied} of 1500)");
    assert!(spliced > 200, "many results hold a spliced array ({spliced})");
}

#[test]
fn a_document_parsed_from_text_with_escapes_scans_the_decoded_keys_and_strings() {
    // Keys and strings written with escapes: the Document's tape holds them decoded, as serde_json does.
    let text = r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g", "members": [
        {"val\u0075e": "a\u0062"}, {"value": "\u00df"}, {"VALU\u0045": "c\"d"}, {"value": "e\\f", "type": "Us\u0065r"},
        {"\u0076alue": "\ud83d\ude00"}, {"value": "plain"}, {"value": "x\/y"}]}"#;
    let doc: Value = serde_json::from_str(text).unwrap();
    let document = Document::from_json_str(text).unwrap();
    assert_eq!(document.root().to_value(), doc);
    for want in ["ab", "ß", "SS", "c\"d", "e\\f", "\u{1F600}", "plain", "x/y", "a\\u0062"] {
        for (ops, quirks) in [
            (json!([{"op": "remove", "path": format!("members[value eq {}]", json!(want))}]), "strict"),
            (json!([{"op": "add", "path": "members", "value": {"value": want}}]), "strict"),
            (json!([{"op": "add", "path": "members", "value": {"value": want, "type": "User"}}]), "strict"),
            (json!([{"op": "remove", "path": "members", "value": [{"value": want}]}]), "entra"),
        ] {
            let patch = Patch::parse_with(&request(ops.clone()), &options(quirks)).unwrap();
            let want_doc = in_place(&patch, &doc);
            let (lazy, outcome) = patch.apply_to(document.root()).unwrap();
            assert_eq!(Ok((lazy.to_value(), outcome.changed())), want_doc, "{ops}");
            let text_out = serde_json::to_string(&lazy).unwrap();
            assert_eq!(text_out, serde_json::to_string(&want_doc.unwrap().0).unwrap(), "{ops}");
        }
    }
}

#[test]
fn members_that_are_not_an_array_are_handled_as_in_place() {
    let schema_less = Options::new().with_schemas(Schemas::empty()).with_quirks(Quirks::preset("entra").unwrap());
    for members in [json!({"value": "a"}), json!("a"), json!(null), json!(3), json!([]), json!([[]]), json!([null])] {
        let doc = group(members.clone());
        for ops in [
            json!([{"op": "add", "path": "members", "value": {"value": "a"}}]),
            json!([{"op": "add", "path": "members", "value": values(&["a"; 9])}]),
            json!([{"op": "remove", "path": "members[value eq \"a\"]"}]),
            json!([{"op": "remove", "path": "members", "value": [{"value": "a"}]}]),
            json!([{"op": "remove", "path": "members", "value": values(&["a"; 9])}]),
            json!([{"op": "add", "path": "members", "value": {"value": "b"}},
                   {"op": "remove", "path": "members[value eq \"b\"]"}]),
        ] {
            let _ = check(&doc, ops.clone(), "entra", &format!("members {members}"));
            let _ = check_with(&doc, ops, &schema_less, &format!("schema-less members {members}"));
        }
    }
}

#[test]
fn entra_quirks_that_build_values_append_to_a_spliced_array_as_in_place() {
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u",
        "emails": [{"value": "a@x", "type": "home", "primary": true}, {"value": "b@x", "type": "other"}],
        "roles": [{"value": "Admin", "display": "Admin"}, {"value": "Reader"}]
    });
    let role = |v: &str| json!({"value": format!("{{\"id\":\"1\",\"value\":\"{v}\",\"displayName\":\"{v}\"}}")});
    let sequences = [
        // create_on_absent after a removal: the built value is appended to the spliced array.
        json!([{"op": "remove", "path": "emails[value eq \"b@x\"]"},
               {"op": "add", "path": "emails[type eq \"work\"].value", "value": "w@x"},
               {"op": "replace", "path": "emails[type eq \"work\"].primary", "value": "True"}]),
        json!([{"op": "add", "path": "emails", "value": {"value": "c@x", "type": "work"}},
               {"op": "replace", "path": "emails[type eq \"home\"].value", "value": "h@x"},
               {"op": "add", "path": "emails[type eq \"other2\"].value", "value": "o@x"}]),
        // role_json_text: values given as JSON text, already there or not, few and many.
        json!([{"op": "add", "path": "roles", "value": [role("Admin"), role("Writer")]}]),
        json!([{"op": "remove", "path": "roles[value eq \"Reader\"]"},
               {"op": "add", "path": "roles", "value": (0..10).map(|i| role(&format!("R{}", i % 4))).collect::<Vec<_>>()}]),
        json!([{"op": "remove", "path": "roles", "value": [{"value": "Admin"}]},
               {"op": "add", "path": "roles", "value": [role("Admin")]}]),
        // value_path_comparison: emails[type eq "home"].value eq "a@x" selects one email.
        json!([{"op": "add", "path": "emails", "value": {"value": "d@x"}},
               {"op": "remove", "path": "emails[type eq \"home\" and value eq \"a@x\"]"}]),
    ];
    for (i, ops) in sequences.into_iter().enumerate() {
        check(&user, ops, "entra", &format!("entra sequence #{i}")).unwrap();
    }
}

#[test]
fn scattered_removals_map_positions_to_the_right_host_elements() {
    // Distinct values, so that a wrong position mapping (`host_position`, the merge of removed positions) shows
    // as a wrong element removed, read or written.
    let schema_less = Options::new().with_schemas(Schemas::empty()).with_quirks(Quirks::preset("entra").unwrap());
    let mut rng = Rng(0x5ee0_0003);
    let mut applied = 0;
    for case in 0..400 {
        let n = 1 + rng.below(70);
        let doc = group(Value::Array((0..n).map(|i| json!({"value": format!("m{i}"), "n": i})).collect()));
        let mut added = 0;
        let pick = |rng: &mut Rng| format!("m{}", rng.below(n + 3));
        let ops: Vec<Value> = (0..2 + rng.below(6))
            .map(|_| match rng.below(7) {
                0 | 1 => {
                    let k = 1 + rng.below(12);
                    let listed: Vec<String> = (0..k).map(|_| pick(&mut rng)).collect();
                    json!({"op": "remove", "path": "members",
                           "value": listed.iter().map(|v| json!({"value": v})).collect::<Vec<_>>()})
                }
                2 => json!({"op": "remove", "path": format!("members[value eq \"{}\"]", pick(&mut rng))}),
                3 => {
                    let k = 1 + rng.below(10);
                    let fresh: Vec<Value> = (0..k)
                        .map(|_| {
                            added += 1;
                            json!({"value": format!("new{}", added % 7), "n": 1000 + added})
                        })
                        .collect();
                    json!({"op": "add", "path": "members", "value": fresh})
                }
                // Filters that are not one `value eq`: every element read through `index`.
                4 => json!({"op": "remove", "path": format!("members[n ge {}]", rng.below(n + 20))}),
                5 => json!({"op": "replace", "path": format!("members[value eq \"{}\"].display", pick(&mut rng)),
                            "value": "written"}),
                _ => json!({"op": "remove", "path": format!("members[value sw \"{}\"]", pick(&mut rng))}),
            })
            .collect();
        applied +=
            usize::from(check_with(&doc, Value::Array(ops), &schema_less, &format!("scattered #{case}")).is_ok());
    }
    assert!(applied > 350, "most requests apply ({applied} of 400)");
}
