//! The reads a PATCH makes of every element of a large multi-valued attribute (`Host::element_strings`,
//! `Host::find_element_string`) and the engine paths built on them (adding members, removing them by
//! `members[value eq "…"]` and by Entra's value list), checked against a model written here from the RFC's rules,
//! on every kind of document: a `Value` in place, a `Value` and a plain host read through `Patch::apply_to`, and a
//! `Document`. Generated groups mix spellings of `value` (`Value`, `VALUE`, both), non-string and missing values,
//! non-object elements, repeated values and `type`s, so that each rule (exact key first, then the smallest
//! case-insensitive one; `type` compared only when the request names one; caseExact false in filters) decides
//! some cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{plain_value, Plain, Rng};
use scim_expr::overlay::Host;
use scim_expr::{Document, Options, Patch, Quirks};
use serde_json::{json, Map, Value};

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Strings chosen to collide: ASCII case variants, a Unicode case folding (`ß` / `SS`), a shared 8-byte prefix
/// (the scan compares the first eight bytes before the rest), a trailing space.
const STRINGS: [&str; 12] = [
    "a",
    "A",
    "b",
    "ß",
    "SS",
    "ss",
    "longer-id-0001",
    "longer-id-0002",
    "LONGER-ID-0001",
    "longer-id-0001 ",
    "9b2f6c1e-0d4a-4c8e-9d61-0a7b3c5e8f10",
    "9b2f6c1e-0d4a-4c8e-9d61-0a7b3c5e8f11",
];

fn member_value(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!(7),
        1 => Value::Null,
        2 => json!([rng.pick(&STRINGS)]),
        _ => json!(rng.pick(&STRINGS)),
    }
}

fn element(rng: &mut Rng) -> Value {
    if rng.below(12) == 0 {
        return if rng.below(2) == 0 { json!(rng.pick(&STRINGS)) } else { json!(3) };
    }
    let mut m = Map::new();
    match rng.below(8) {
        0 => {}
        1 => {
            m.insert("Value".into(), member_value(rng));
        }
        2 => {
            m.insert("VALUE".into(), member_value(rng));
            m.insert("vALUE".into(), member_value(rng));
        }
        3 => {
            m.insert("value".into(), member_value(rng));
            m.insert("VALUE".into(), member_value(rng));
        }
        _ => {
            m.insert("value".into(), member_value(rng));
        }
    }
    match rng.below(4) {
        0 => {
            m.insert("type".into(), json!(rng.pick(&["User", "Group"])));
        }
        1 => {
            m.insert("TYPE".into(), json!("User"));
        }
        _ => {}
    }
    if rng.below(3) == 0 {
        m.insert("display".into(), json!("someone"));
    }
    Value::Object(m)
}

fn group(rng: &mut Rng) -> Value {
    // Some groups are long enough to reach a binding's large-array path (64 elements).
    let n = if rng.below(5) == 0 { 60 + rng.below(20) } else { rng.below(12) };
    let members: Vec<Value> = (0..n).map(|_| element(rng)).collect();
    let mut g = json!({"schemas": [GROUP], "id": "g1", "displayName": "G"});
    if n > 0 || rng.below(2) == 0 {
        g["members"] = Value::Array(members);
    }
    g
}

/// The member `name` as filters and the engine find it: the key spelled so, else the smallest key (byte order)
/// equal to it ignoring ASCII case.
fn get<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    let o = v.as_object()?;
    o.get(name)
        .or_else(|| o.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).min_by_key(|(k, _)| *k).map(|(_, v)| v))
}

/// Full case folding as RFC 7643 §2.3.1's caseExact false comparison needs it, character by character.
fn folded(s: &str) -> String {
    s.chars().flat_map(char::to_uppercase).flat_map(char::to_lowercase).collect()
}

/// RFC 7644 §3.5.2.1: a value is already there when an element has the same `value` (and the same `type`, when
/// the added value names one).
fn holds(existing: &Value, adding: &Value) -> bool {
    let Some(value) = adding.get("value") else { return existing == adding };
    get(existing, "value").is_some_and(|v| !v.is_null() && v == value)
        && adding.get("type").map_or(true, |t| get(existing, "type") == Some(t))
}

fn members(doc: &Value) -> Vec<Value> {
    doc.get("members").and_then(Value::as_array).cloned().unwrap_or_default()
}

fn with_members(doc: &Value, kept: Vec<Value>) -> Value {
    let mut out = doc.clone();
    match out.as_object_mut() {
        Some(o) if kept.is_empty() => {
            o.remove("members");
        }
        Some(o) => {
            o.insert("members".into(), Value::Array(kept));
        }
        None => {}
    }
    out
}

/// `add` of `values` to `members`: those no element holds, each once, appended.
fn model_add(doc: &Value, values: &[Value]) -> Value {
    let mut all = members(doc);
    let start = all.len();
    for v in values {
        if !all.iter().any(|e| holds(e, v)) {
            all.push(v.clone());
        }
    }
    if all.len() == start {
        return doc.clone();
    }
    with_members(doc, all)
}

/// `remove` with `members[value eq "want"]`: the elements whose `value` (one of its values, for an array), or
/// the element itself when it is not an object, equals `want` ignoring case.
fn model_remove_eq(doc: &Value, want: &str) -> Value {
    let matches_str = |v: &Value| v.as_str().is_some_and(|s| folded(s) == folded(want));
    let matches = |e: &Value| match e {
        Value::Object(_) => match get(e, "value") {
            Some(Value::Array(items)) => items.iter().any(matches_str),
            Some(v) => matches_str(v),
            None => false,
        },
        other => matches_str(other),
    };
    with_members(doc, members(doc).into_iter().filter(|e| !matches(e)).collect())
}

/// Entra's `remove` with a value list: the elements whose `value` equals a listed one's.
fn model_remove_listed(doc: &Value, listed: &[Value]) -> Value {
    let named =
        |e: &Value| listed.iter().any(|l| get(e, "value").is_some_and(|v| !v.is_null() && Some(v) == l.get("value")));
    with_members(doc, members(doc).into_iter().filter(|e| !named(e)).collect())
}

/// The request applied every way the engine runs; all must agree, and with the model.
fn check(doc: &Value, request: &Value, quirks: &str, want: &Value, case: &str) {
    let options = Options::new().with_quirks(Quirks::preset(quirks).unwrap());
    let patch = Patch::parse_with(request, &options).unwrap_or_else(|e| panic!("{case}: {e}"));
    let mut in_place = doc.clone();
    let outcome = patch.apply(&mut in_place);
    let outcome = outcome.unwrap_or_else(|e| panic!("{case}: in place: {e}\n{request}\non {doc}"));
    assert_eq!(&in_place, want, "{case}: in place\n{request}\non {doc}");
    assert_eq!(outcome.changed(), want != doc, "{case}: changed");
    let (lazy, _) = patch.apply_to(doc).unwrap();
    assert_eq!(&lazy.to_value(), want, "{case}: overlay on a Value\n{request}\non {doc}");
    let (lazy, _) = patch.apply_to(Plain(doc)).unwrap();
    assert_eq!(&plain_value(&lazy), want, "{case}: overlay through the trait's defaults\n{request}\non {doc}");
    let document = Document::from_value(doc).unwrap();
    let (lazy, _) = patch.apply_to(document.root()).unwrap();
    assert_eq!(&lazy.to_value(), want, "{case}: overlay on a Document\n{request}\non {doc}");
}

#[test]
fn adding_members_finds_exactly_those_already_there() {
    let mut rng = Rng(0x5eed_0001);
    for case in 0..600 {
        let doc = group(&mut rng);
        // Up to 12 values: both sides of the engine's switch from scanning to a hash index (8).
        let k = 1 + rng.below(12);
        let values: Vec<Value> = (0..k)
            .map(|_| {
                let mut v = json!({"value": rng.pick(&STRINGS)});
                if rng.below(3) == 0 {
                    v["type"] = json!(rng.pick(&["User", "Group"]));
                }
                v
            })
            .collect();
        let request = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": values}]});
        check(&doc, &request, "strict", &model_add(&doc, &values), &format!("add #{case}"));
    }
}

#[test]
fn removing_by_a_value_filter_compares_as_case_insensitive_strings() {
    let mut rng = Rng(0x5eed_0002);
    for case in 0..600 {
        let doc = group(&mut rng);
        let want = rng.pick(&STRINGS);
        let request = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": format!("members[value eq {}]", json!(want))}]});
        check(&doc, &request, "strict", &model_remove_eq(&doc, want), &format!("remove eq #{case}"));
    }
}

#[test]
fn removing_a_value_list_removes_exactly_the_listed_members() {
    let mut rng = Rng(0x5eed_0003);
    for case in 0..600 {
        let doc = group(&mut rng);
        let k = 1 + rng.below(12);
        let listed: Vec<Value> = (0..k).map(|_| json!({"value": rng.pick(&STRINGS)})).collect();
        let request = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": "members", "value": listed}]});
        check(&doc, &request, "entra", &model_remove_listed(&doc, &listed), &format!("remove listed #{case}"));
    }
}

/// What `element_strings` must report for an array, from the model's `get`.
fn model_strings(array: &Value, name: &str) -> Vec<(usize, Option<String>)> {
    let items = array.as_array().cloned().unwrap_or_default();
    items.iter().enumerate().map(|(i, e)| (i, get(e, name).and_then(Value::as_str).map(str::to_string))).collect()
}

fn strings_of<H: Host>(h: &H, name: &str, stop_after: usize) -> Vec<(usize, Option<String>)> {
    let mut seen = Vec::new();
    let Ok(()) = h.element_strings(name, &mut |i, s| {
        seen.push((i, s.map(str::to_string)));
        seen.len() < stop_after
    }) else {
        panic!("the test hosts do not fail")
    };
    seen
}

#[test]
fn every_host_reports_the_same_element_strings_and_finds_the_same_first_match() {
    let mut rng = Rng(0x5eed_0004);
    for case in 0..400 {
        let doc = group(&mut rng);
        let array = doc.get("members").cloned().unwrap_or(json!({"not": "an array"}));
        let document = Document::from_value(&array).unwrap();
        let name = rng.pick(&["value", "VALUE", "type", "display", "absent"]);
        let want = model_strings(&array, name);
        let stop = 1 + rng.below(want.len() + 1);
        let first = &want[..want.len().min(stop)];
        assert_eq!(strings_of(&&array, name, usize::MAX), want, "#{case} &Value");
        assert_eq!(strings_of(&Plain(&array), name, usize::MAX), want, "#{case} defaults");
        assert_eq!(strings_of(&document.root(), name, usize::MAX), want, "#{case} Document");
        assert_eq!(strings_of(&document.root(), name, stop), first, "#{case} Document, stopped");
        assert_eq!(strings_of(&Plain(&array), name, stop), first, "#{case} defaults, stopped");

        let wants: Vec<&str> = (0..1 + rng.below(3)).map(|_| rng.pick(&STRINGS)).collect();
        let from = rng.below(want.len() + 2);
        let expected = want.iter().filter(|(i, _)| *i >= from).find_map(|(i, s)| {
            let s = s.as_deref()?;
            wants.iter().position(|w| *w == s).map(|j| (*i, j))
        });
        assert_eq!((&array).find_element_string(name, &wants, from).unwrap(), expected, "#{case} &Value find");
        assert_eq!(Plain(&array).find_element_string(name, &wants, from).unwrap(), expected, "#{case} defaults find");
        assert_eq!(document.root().find_element_string(name, &wants, from).unwrap(), expected, "#{case} Document find");
    }
}

/// One of the operations a request on a group's members makes, for a sequence of them.
fn operation(rng: &mut Rng) -> Value {
    match rng.below(5) {
        0 => json!({"op": "add", "path": "members",
            "value": (0..1 + rng.below(10)).map(|_| json!({"value": rng.pick(&STRINGS)})).collect::<Vec<_>>()}),
        1 => json!({"op": "remove", "path": format!("members[value eq {}]", json!(rng.pick(&STRINGS)))}),
        2 => json!({"op": "remove", "path": "members",
            "value": (0..1 + rng.below(10)).map(|_| json!({"value": rng.pick(&STRINGS)})).collect::<Vec<_>>()}),
        // Writes into one element: the array is listed element by element from there on.
        3 => json!({"op": "add", "path": format!("members[value eq {}].type", json!(rng.pick(&STRINGS))),
            "value": "User"}),
        _ => json!({"op": "add", "path": "members", "value": {"value": rng.pick(&STRINGS), "type": "Group"}}),
    }
}

#[test]
fn a_sequence_of_removals_and_additions_gives_what_it_gives_in_place() {
    // The overlay keeps a large array as the host's plus removed positions and appended values through any
    // number of removals and additions; reads between them (the next operation's scan) and the final result must
    // be what the same request gives on a `Value` in place.
    let mut rng = Rng(0x5eed_0005);
    let options = Options::new().with_quirks(Quirks::preset("entra").unwrap());
    let mut compared = 0;
    for case in 0..800 {
        let doc = group(&mut rng);
        let ops: Vec<Value> = (0..1 + rng.below(5)).map(|_| operation(&mut rng)).collect();
        let request = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        let patch = Patch::parse_with(&request, &options).unwrap();
        let mut in_place = doc.clone();
        let want = patch.apply(&mut in_place).map(|_| in_place);
        let document = Document::from_value(&doc).unwrap();
        let on_value = patch.apply_to(&doc).map(|(lazy, _)| lazy.to_value()).map_err(|e| format!("{e:?}"));
        let plain = patch.apply_to(Plain(&doc)).map(|(lazy, _)| plain_value(&lazy)).map_err(|e| format!("{e:?}"));
        let on_document =
            patch.apply_to(document.root()).map(|(lazy, _)| lazy.to_value()).map_err(|e| format!("{e:?}"));
        let want = want.map_err(|e| format!("{:?}", scim_expr::overlay::Failure::<std::convert::Infallible>::Patch(e)));
        assert_eq!(on_value, want, "#{case} on a Value\n{request}\non {doc}");
        assert_eq!(plain, want, "#{case} through the defaults\n{request}\non {doc}");
        assert_eq!(on_document, want, "#{case} on a Document\n{request}\non {doc}");
        // Serializing the result writes the same text as serializing the `Value`.
        if let Ok(want) = &want {
            let (lazy, _) = patch.apply_to(document.root()).unwrap();
            assert_eq!(serde_json::to_string(&lazy).unwrap(), serde_json::to_string(want).unwrap(), "#{case} text");
            compared += 1;
        }
    }
    assert!(compared > 400, "most generated requests apply ({compared} of 800)");
}
