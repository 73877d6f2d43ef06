//! Hostile input (issue 7): each gives an error or the right answer, on a thread with the 2 MiB stack Rust gives
//! spawned threads, in this debug build. Results are asserted, never timings.
//!
//! serde_json drops a `Value` recursively, so a caller's document 100,000 levels deep cannot be dropped on a small
//! stack by anyone: these tests take theirs apart with [`dismantle`]. What the library itself drops (a value a PATCH
//! removed or replaced) must not recurse, and is tested here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use scim_expr::{Filter, Limits, Options, Patch, Path, Quirks, ScimType};
use serde_json::{json, Map, Value};

const DEEP: usize = 100_000;

/// Runs `f` on a thread with a 2 MiB stack and passes its panic on.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    let result = std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// `{"a": [{"a": [ ... {"a": [1]} ... ]}]}`, `levels` objects deep, built without recursion.
fn deep_doc(levels: usize) -> Value {
    let mut doc = json!(1);
    for _ in 0..levels {
        let mut obj = Map::new();
        obj.insert("a".into(), Value::Array(vec![doc]));
        doc = Value::Object(obj);
    }
    doc
}

/// How many objects deep `v` goes along `a`, counted without recursion.
fn depth(mut v: &Value) -> usize {
    let mut n = 0;
    while let Some(next) = v.get("a").and_then(|a| a.get(0)) {
        n += 1;
        v = next;
    }
    n
}

/// Drops `v` without recursion.
fn dismantle(v: Value) {
    let mut stack = vec![v];
    while let Some(mut v) = stack.pop() {
        match &mut v {
            Value::Array(items) => stack.append(items),
            Value::Object(map) => stack.extend(std::mem::take(map).into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

fn patch(ops: Value) -> Patch {
    Patch::parse(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})).unwrap()
}

fn roomy() -> Options {
    Options::new().with_limits(
        Limits::new().with_max_filter_length(usize::MAX).with_max_path_length(usize::MAX).with_max_depth(usize::MAX),
    )
}

#[test]
fn nested_parentheses_100_000_deep_are_too_deep() {
    on_small_stack(|| {
        let text = format!("{}a pr{}", "(".repeat(DEEP), ")".repeat(DEEP));
        let err = Filter::parse(&text).unwrap_err();
        assert_eq!(
            (err.code(), err.scim_type(), err.position()),
            ("filter.too_deep", ScimType::InvalidFilter, Some(64))
        );
        // No setting lifts the ceiling of 128 levels.
        let err = Filter::parse_with(&text, &roomy()).unwrap_err();
        assert_eq!((err.code(), err.position()), ("filter.too_deep", Some(128)));
        let nots = format!("{}a pr{}", "not (".repeat(DEEP), ")".repeat(DEEP));
        assert_eq!(Filter::parse_with(&nots, &roomy()).unwrap_err().code(), "filter.too_deep");
        // Unclosed: the depth check comes first, not a scan for the missing `)`.
        assert_eq!(Filter::parse("(".repeat(DEEP).as_str()).unwrap_err().code(), "filter.too_deep");
        // In a PATCH path: too long by default, too deep once the length limit is lifted.
        let path = format!("emails[{}type pr{}]", "(".repeat(DEEP), ")".repeat(DEEP));
        assert_eq!(Path::parse(&path).unwrap_err().code(), "path.too_long");
        let err = Path::parse_with(&path, &roomy()).unwrap_err();
        assert_eq!((err.code(), err.scim_type()), ("path.too_deep", ScimType::InvalidPath));
    });
}

#[test]
fn a_ten_megabyte_filter_is_refused_or_answered() {
    on_small_stack(|| {
        let name = "x".repeat(10 << 20);
        let text = format!(r#"userName eq "{name}""#);
        let err = Filter::parse(&text).unwrap_err();
        assert_eq!((err.code(), err.position()), ("filter.too_long", Some(256 * 1024)));
        assert!(err.render(&text).len() < 400, "the excerpt of a huge input stays short");
        // With the limit lifted it is one comparison with a 10 MB string.
        let f = Filter::parse_with(&text, &roomy()).unwrap();
        assert!(f.matches(&json!({"userName": name.to_uppercase()})));
        assert!(!f.matches(&json!({"userName": "x"})));
        assert_eq!(f.to_string(), text);
        // 10 MB of whitespace around a filter, and 10 MB of one unterminated string.
        let spaced = format!("{}title pr{}", " ".repeat(5 << 20), " ".repeat(5 << 20));
        assert!(Filter::parse_with(&spaced, &roomy()).unwrap().matches(&json!({"title": "t"})));
        let open = format!(r#"userName eq "{name}"#);
        let err = Filter::parse_with(&open, &roomy()).unwrap_err();
        assert_eq!((err.code(), err.position()), ("filter.unterminated_string", Some(12)));
    });
}

#[test]
fn a_million_term_or_chain_is_refused_by_default_and_answered_when_allowed() {
    let chain = (0..1_000_000).map(|i| format!("u eq {i}")).collect::<Vec<_>>().join(" or ");
    let err = Filter::parse(&chain).unwrap_err();
    assert_eq!((err.code(), err.position()), ("filter.too_long", Some(256 * 1024)));
    on_small_stack(move || {
        let f = Filter::parse_with(&chain, &roomy()).unwrap();
        assert!(f.matches(&json!({"u": 0})));
        assert!(f.matches(&json!({"u": 999_999})));
        assert!(!f.matches(&json!({"u": 1_000_000})));
        assert!(!f.matches(&json!({"v": 1})));
        let printed = f.to_string();
        assert_eq!(printed, chain);
        assert_eq!(Filter::parse_with(&printed, &roomy()).unwrap(), f);
        let not = Filter::parse_with(&format!("not ({chain})"), &roomy()).unwrap();
        assert!(not.matches(&json!({"u": 1_000_000})) && !not.matches(&json!({"u": 5})));
        // As an `and` chain, and as alternating `and`/`or` (two levels, however long).
        let and = chain.replace(" or ", " and ");
        let f = Filter::parse_with(&and, &roomy()).unwrap();
        assert!(!f.matches(&json!({"u": 0})));
        let mixed = (0..100_000).map(|i| format!("u eq {i}")).collect::<Vec<_>>().join(" and u pr or ");
        assert!(Filter::parse_with(&mixed, &roomy()).unwrap().matches(&json!({"u": 99_999})));
    });
}

#[test]
fn filters_on_a_document_100_000_deep() {
    on_small_stack(|| {
        let doc = deep_doc(DEEP);
        let hit = |text: &str| Filter::parse(text).unwrap().matches(&doc);
        assert!(hit("a pr") && hit("a.a pr") && hit("a[a pr]") && hit("not (b pr)"));
        assert!(!hit("b pr") && !hit("a eq 1") && !hit("a.a eq 1") && !hit("a[a eq 1]"));
        assert!(hit("a.a ne 1") && hit("a.b eq null"));
        assert_eq!(depth(&doc), DEEP);
        dismantle(doc);
    });
}

#[test]
fn patch_on_a_document_100_000_deep() {
    on_small_stack(|| {
        let mut doc = deep_doc(DEEP);
        // Succeeds next to the deep attribute; fails after changing it, and takes the change back.
        let outcome = patch(json!([{"op": "add", "path": "title", "value": "Tour Guide"}])).apply(&mut doc).unwrap();
        assert!(outcome.changed());
        let err = patch(json!([
            {"op": "add", "path": "a", "value": [{"b": 1}]},
            {"op": "replace", "path": "id", "value": "x"}
        ]))
        .apply(&mut doc)
        .unwrap_err();
        assert_eq!((err.code(), err.operation()), ("patch.read_only", Some(1)));
        assert_eq!(doc["a"].as_array().map(Vec::len), Some(1));
        assert_eq!((depth(&doc), doc["title"].as_str()), (DEEP, Some("Tour Guide")));
        // Adding many values beside a deep one compares them with it (through a hash index past eight).
        let values: Vec<Value> = (0..20).map(|i| json!({"b": i})).collect();
        patch(json!([{"op": "add", "path": "a", "value": values}])).apply(&mut doc).unwrap();
        assert_eq!(doc["a"].as_array().map(Vec::len), Some(21));
        patch(json!([{"op": "add", "path": "a", "value": values}])).apply(&mut doc).unwrap();
        assert_eq!(doc["a"].as_array().map(Vec::len), Some(21));
        // A filtered remove that keeps the deep value, then one that removes it: the library drops it.
        patch(json!([{"op": "remove", "path": "a[b pr]"}])).apply(&mut doc).unwrap();
        assert_eq!((doc["a"].as_array().map(Vec::len), depth(&doc)), (Some(1), DEEP));
        patch(json!([{"op": "remove", "path": "a[a pr]"}])).apply(&mut doc).unwrap();
        assert_eq!(doc, json!({"title": "Tour Guide"}));
        // Replaced and removed whole.
        let mut doc = deep_doc(DEEP);
        patch(json!([{"op": "replace", "path": "a", "value": "flat"}])).apply(&mut doc).unwrap();
        assert_eq!(doc, json!({"a": ["flat"]})); // `a` holds an array, so it is multi-valued
        let mut doc = deep_doc(DEEP);
        patch(json!([{"op": "remove", "path": "a"}])).apply(&mut doc).unwrap();
        assert_eq!(doc, json!({}));
        // Pathless replace of the deep attribute.
        let mut doc = deep_doc(DEEP);
        patch(json!([{"op": "replace", "value": {"a": []}}])).apply(&mut doc).unwrap();
        assert_eq!(doc, json!({}));
    });
}

#[test]
fn a_patch_value_100_000_deep_is_refused() {
    on_small_stack(|| {
        let request = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "a", "value": null}]
        });
        let mut request = request;
        request["Operations"][0]["value"] = deep_doc(DEEP);
        let err = Patch::parse(&request).unwrap_err();
        assert_eq!(
            (err.code(), err.scim_type(), err.operation()),
            ("document.too_deep", ScimType::InvalidValue, Some(0))
        );
        dismantle(request);
    });
}

#[test]
fn prototype_names_are_plain_attribute_names() {
    let doc = json!({"constructor": "c", "prototype": {"x": 1}, "__proto__": {"admin": true}});
    let hit = |text: &str| Filter::parse(text).unwrap().matches(&doc);
    assert!(hit(r#"constructor eq "c""#) && hit("prototype.x eq 1") && hit("prototype pr"));
    assert!(!hit("constructor.x pr") && !hit("toString pr") && !hit("hasOwnProperty pr"));
    // `__proto__` is not an ATTRNAME (it starts with `_`), in filters and in paths.
    let err = Filter::parse("__proto__ pr").unwrap_err();
    assert_eq!((err.code(), err.position()), ("filter.invalid_attr_path", Some(0)));
    let err = Filter::parse("prototype.__proto__ pr").unwrap_err();
    assert_eq!(err.code(), "filter.invalid_attr_path");
    let err = Path::parse("__proto__.admin").unwrap_err();
    assert_eq!((err.code(), err.position()), ("path.invalid_attr_path", Some(0)));
    // In PATCH: `constructor` and `prototype` are stored as the keys they are; a pathless `__proto__` key is
    // not an attribute name.
    let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "b"});
    patch(json!([
        {"op": "add", "path": "constructor", "value": {"prototype": {"polluted": true}}},
        {"op": "add", "value": {"prototype": "p"}}
    ]))
    .apply(&mut user)
    .unwrap();
    assert_eq!(user["constructor"], json!({"prototype": {"polluted": true}}));
    assert_eq!(user["prototype"], "p");
    let before = user.clone();
    let err = patch(json!([{"op": "add", "value": {"__proto__": {"admin": true}}}])).apply(&mut user).unwrap_err();
    assert_eq!((err.code(), err.operation()), ("patch.invalid_value", Some(0)));
    assert_eq!(user, before);
    let Err(err) = Patch::parse(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "__proto__", "value": 1}]
    })) else {
        panic!("a __proto__ path was accepted")
    };
    assert_eq!((err.code(), err.operation(), err.position()), ("path.invalid_attr_path", Some(0), Some(0)));
}

#[test]
fn invalid_utf8_is_an_error_at_the_first_bad_byte() {
    let o = Options::new();
    for (bytes, at) in [
        (&b"\xff"[..], 0),
        (b"userName eq \"\xff\"", 13),
        (b"userName eq \"caf\xc3\"", 16),          // truncated sequence
        (b"userName eq \"\xc0\xaf\"", 13),         // overlong '/'
        (b"userName eq \"\xed\xa0\x80\"", 13),     // a surrogate encoded in UTF-8
        (b"userName eq \"\xf4\x90\x80\x80\"", 13), // past U+10FFFF
        (b"title pr and \xfe", 13),
    ] {
        let err = Filter::parse_bytes_with(bytes, &o).unwrap_err();
        assert_eq!(
            (err.code(), err.scim_type(), err.position()),
            ("filter.invalid_utf8", ScimType::InvalidFilter, Some(at))
        );
    }
    // Valid UTF-8 passes through: a BOM is not whitespace, non-ASCII strings compare.
    assert_eq!(
        Filter::parse_bytes_with("\u{feff}title pr".as_bytes(), &o).unwrap_err().code(),
        "filter.invalid_attr_path"
    );
    let f = Filter::parse_bytes_with("userName eq \"ÉMILE\"".as_bytes(), &o).unwrap();
    assert!(f.matches(&json!({"userName": "émile"})));
}

#[test]
fn escaped_lone_surrogates_are_invalid_escapes() {
    for (text, at) in [
        (r#"userName eq "\ud800""#, 13),
        (r#"userName eq "\udc00""#, 13),
        (r#"userName eq "x\ud800\u0041""#, 14),
        (r#"userName eq "\ud800\ud800""#, 13),
        (r#"userName eq "\uDFFF" or title pr"#, 13),
    ] {
        let err = Filter::parse(text).unwrap_err();
        assert_eq!((err.code(), err.position()), ("filter.invalid_escape", Some(at)), "{text}");
        let path = format!("emails[{}]", &text.replace("userName", "value"));
        let err = Path::parse(&path).unwrap_err();
        assert_eq!((err.code(), err.position()), ("path.invalid_escape", Some(at + 4)), "{path}");
    }
    // A proper pair is one character.
    let f = Filter::parse(r#"userName eq "\ud83d\ude00""#).unwrap();
    assert!(f.matches(&json!({"userName": "😀"})));
    assert_eq!(f.to_string(), "userName eq \"😀\"");
}

#[test]
fn integers_past_2_53_and_2_64_and_numbers_out_of_range() {
    let doc: Value = serde_json::from_str(
        r#"{"u": 18446744073709551615, "i": -9223372036854775808, "big": 18446744073709551616, "f": 1e308}"#,
    )
    .unwrap();
    let hit = |text: &str| Filter::parse(text).unwrap().matches(&doc);
    // u64::MAX compares exactly with itself and its neighbours.
    assert!(hit("u eq 18446744073709551615") && !hit("u eq 18446744073709551614") && hit("u gt 18446744073709551614"));
    // i64::MIN likewise; one below it is a double, the double -2^63; the next double down is 2^63 + 2048.
    assert!(hit("i eq -9223372036854775808") && !hit("i gt -9223372036854775807"));
    assert!(hit("i eq -9223372036854775809") && hit("i gt -9223372036854777856"));
    // Past 2^53 an integer and a double with a fraction or exponent compare exactly as well.
    let near: Value = serde_json::from_str(r#"{"n": 9007199254740993}"#).unwrap();
    let near_hit = |text: &str| Filter::parse(text).unwrap().matches(&near);
    assert!(
        near_hit("n gt 9007199254740992.0")
            && !near_hit("n eq 9.007199254740992e15")
            && near_hit("n ne 9.007199254740992e15")
    );
    // 2^64 is past 64 bits in the document and in the filter: both are the double 2^64, which an integer compares
    // with exactly (u64::MAX is one less, not equal as `u64::MAX as f64` would say).
    assert!(hit("big eq 18446744073709551616") && hit("big gt 18446744073709551615"));
    assert!(hit("u lt 18446744073709551615.5") && !hit("u eq 1.8446744073709552e19"));
    assert!(hit("f eq 1e308") && hit("f lt 1.7976931348623157e308") && !hit("f gt 1.7976931348623157e308"));
    // Out of a double's range: no infinity and no NaN reach a comparison.
    for text in ["f eq 1e400", "f lt -1e400", "f eq 1E+400", "u eq 123456789e999"] {
        let err = Filter::parse(text).unwrap_err();
        assert_eq!((err.code(), err.position()), ("filter.invalid_number", Some(text.find(' ').unwrap() + 4)));
    }
    for text in ["f eq NaN", "f eq Infinity", "f eq -Infinity"] {
        assert!(Filter::parse(text).is_err(), "{text}");
    }
    // serde_json refuses them in documents too, so a document can hold neither.
    assert!(serde_json::from_str::<Value>(r#"{"f": 1e400}"#).is_err());
    assert!(serde_json::Number::from_f64(f64::NAN).is_none());
    // A tiny number underflows to zero as serde_json reads it.
    assert!(Filter::parse("z eq 1e-400").unwrap().matches(&json!({"z": 0})));
}

#[test]
fn a_quirk_preset_does_not_lift_the_limits() {
    for quirks in [Quirks::entra(), Quirks::lenient()] {
        let o = Options::new().with_quirks(quirks);
        let text = format!("{}a pr{}", "(".repeat(DEEP), ")".repeat(DEEP));
        assert_eq!(Filter::parse_with(&text, &o).unwrap_err().code(), "filter.too_deep");
        let unquoted = format!("userName eq {}", "x".repeat(300_000));
        assert_eq!(Filter::parse_with(&unquoted, &o).unwrap_err().code(), "filter.too_long");
    }
}

/// One more operation, one more value than the defaults allow (10,000 and 100,000).
#[test]
fn huge_requests_are_refused_by_count() {
    let ops: Vec<Value> = (0..10_001).map(|i| json!({"op": "add", "path": format!("x{i}"), "value": i})).collect();
    let request = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let Err(err) = Patch::parse(&request) else { panic!("10,001 operations were accepted") };
    assert_eq!((err.code(), err.scim_type(), err.operation()), ("patch.too_many_operations", ScimType::TooMany, None));
    let members: Vec<Value> = (0..100_001).map(|i| json!({"value": format!("u{i}")})).collect();
    let request = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": members}]
    });
    let Err(err) = Patch::parse(&request) else { panic!("100,001 values were accepted") };
    assert_eq!((err.code(), err.scim_type(), err.operation()), ("patch.too_many_values", ScimType::TooMany, Some(0)));
}
