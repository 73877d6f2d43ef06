//! A second reading of `Document` by tests: every read of a document built from JSON text equals the read of the
//! `serde_json::Value` the same text parses to, over generated texts (duplicate keys, keys equal ignoring case,
//! unsorted keys, serde_json's numbers, escapes, nesting); PATCH on a document gives `Patch::apply`'s result and
//! error, and the result's JSON text is `serde_json::to_string` of its value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use scim_expr::overlay::{Failure, Host};
use scim_expr::{DocRef, Document, Error, Filter, Node, Patch};
use serde_json::{json, Value};

mod common;
use common::Rng;

/// Keys that collide ignoring case, sort around each other, are empty, escaped or not ASCII.
const KEYS: &[&str] = &[
    "a",
    "A",
    "b",
    "ab",
    "aB",
    "Ab",
    "AB",
    "value",
    "Value",
    "VALUE",
    "vALUE",
    "",
    "z",
    "zz",
    "m",
    "n",
    "é",
    "É",
    "\\u00e9",
    "k\\\"q",
    "\\ud83d\\ude00",
    "emails",
    "Emails",
    "type",
    "primary",
    "userName",
    "UserName",
    "USERNAME",
    "displayName",
    "members",
    "name",
    "givenName",
    "nickName",
    "NickName",
    "nickname",
];

/// Number spellings serde_json reads as i64, u64 or f64 (with its own rounding).
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "0.0",
    "1",
    "1.0",
    "1e0",
    "1E+2",
    "100",
    "1e2",
    "-1e-2",
    "0.1",
    "2.5",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "123456789012345678901234567890",
    "1.7976931348623157e308",
    "2.2250738585072014e-308",
    "5e-324",
    "4.9e-324",
    "1e-400",
    "0.30000000000000004",
    "12345678901234567.89",
    "-1",
    "-1.5",
];

/// String literals with every escape, surrogate pairs, raw non-ASCII and the empty string.
const STRINGS: &[&str] = &[
    r#""""#,
    r#""x""#,
    r#""X""#,
    r#""work""#,
    r#""Work""#,
    r#""home""#,
    r#""a\"b\\c\/d\b\f\n\r\t""#,
    r#""\u0000\u001f\u007f""#,
    r#""\ud83d\ude00""#,
    r#""😀é""#,
    r#""\u00E9""#,
    r#""bjensen""#,
    r#""BJensen""#,
];

fn gen_value(r: &mut Rng, depth: usize, out: &mut String) {
    let ws = |r: &mut Rng, out: &mut String| {
        if r.below(4) == 0 {
            out.push_str([" ", "\n", "\t", "\r\n  "][r.below(4)]);
        }
    };
    ws(r, out);
    let choice = if depth == 0 { r.below(4) } else { r.below(7) };
    match choice {
        0 => out.push_str(r.pick(&["null", "true", "false"])),
        1 => out.push_str(r.pick(NUMBERS)),
        2 | 3 => out.push_str(r.pick(STRINGS)),
        4 => {
            out.push('[');
            let n = r.below(5);
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                gen_value(r, depth - 1, out);
            }
            ws(r, out);
            out.push(']');
        }
        _ => {
            out.push('{');
            let n = r.below(8);
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                ws(r, out);
                out.push('"');
                out.push_str(r.pick(KEYS));
                out.push('"');
                ws(r, out);
                out.push(':');
                gen_value(r, depth - 1, out);
            }
            ws(r, out);
            out.push('}');
        }
    }
    ws(r, out);
}

fn gen_text(r: &mut Rng) -> String {
    let mut s = String::new();
    let depth = 1 + r.below(5);
    gen_value(r, depth, &mut s);
    s
}

/// Spellings of `k` the reads are asked for: itself, folded, swapped, with a suffix.
fn probes(k: &str) -> Vec<String> {
    let swapped: String = k
        .chars()
        .map(|c| if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() })
        .collect();
    vec![k.to_string(), k.to_ascii_lowercase(), k.to_ascii_uppercase(), swapped, format!("{k}x"), "absent".into()]
}

/// Every read of `d` equals the same read of `v`, recursively.
fn same_reads(d: DocRef<'_>, v: &Value, at: &str) {
    assert_eq!(d.view().unwrap(), Node::view(&v).unwrap(), "view at {at}");
    assert_eq!(d.to_value(), *v, "to_value at {at}");
    assert_eq!(serde_json::to_string(&d).unwrap(), serde_json::to_string(v).unwrap(), "text at {at}");
    assert!(d.eq_value(v).unwrap(), "eq_value itself at {at}");
    assert_eq!(Host::member_count(&d).unwrap(), Host::member_count(&v).unwrap(), "member_count at {at}");
    let (de, ve) = (Host::elements(&d).unwrap(), Host::elements(&v).unwrap());
    assert_eq!(de.len(), ve.len(), "elements at {at}");
    for (i, (de, ve)) in de.iter().zip(&ve).enumerate() {
        let path = format!("{at}[{i}]");
        assert_eq!(d.index(i).unwrap().map(|x| x.to_value()), Some((*ve).clone()), "index at {path}");
        same_reads(*de, ve, &path);
    }
    assert_eq!(d.index(ve.len()).unwrap(), None, "index past the end at {at}");
    let mut dk = Vec::new();
    Host::members(&d, &mut |k, c| {
        dk.push((k.to_string(), c));
        Ok(true)
    })
    .unwrap();
    let mut vk = Vec::new();
    Host::members(&v, &mut |k, c| {
        vk.push((k.to_string(), c));
        Ok(true)
    })
    .unwrap();
    assert_eq!(
        dk.iter().map(|m| &m.0).collect::<Vec<_>>(),
        vk.iter().map(|m| &m.0).collect::<Vec<_>>(),
        "keys at {at}"
    );
    for ((k, dc), (_, vc)) in dk.iter().zip(&vk) {
        let path = format!("{at}.{k}");
        same_reads(*dc, vc, &path);
        for p in probes(k) {
            assert_eq!(
                Node::get(&d, &p).unwrap().map(|x| x.to_value()),
                Node::get(&v, &p).unwrap().cloned(),
                "get {p:?} at {at}"
            );
            assert_eq!(
                Host::member(&d, &p).unwrap().map(|x| x.to_value()),
                Host::member(&v, &p).unwrap().cloned(),
                "member {p:?} at {at}"
            );
            assert_eq!(Host::key_like(&d, &p).unwrap(), Host::key_like(&v, &p).unwrap(), "key_like {p:?} at {at}");
        }
        // Stopping early stops.
        let mut seen = 0;
        Host::members(&d, &mut |_, _| {
            seen += 1;
            Ok(false)
        })
        .unwrap();
        assert_eq!(seen, 1);
    }
    let mut dv = Vec::new();
    d.any_member(&mut |c| {
        dv.push(c.to_value());
        Ok(false)
    })
    .unwrap();
    let mut vv = Vec::new();
    Node::any_member(&v, &mut |c| {
        vv.push((*c).clone());
        Ok(false)
    })
    .unwrap();
    assert_eq!(dv, vv, "any_member at {at}");
}

/// The document read from `text` reads as serde_json's `Value` of it, by every constructor.
fn check_text(text: &str) {
    let want: Result<Value, _> = serde_json::from_str(text);
    let doc = Document::from_json_str(text);
    assert_eq!(doc.is_ok(), want.is_ok(), "{text}: {:?}", doc.as_ref().err());
    let (Ok(doc), Ok(want)) = (doc, want) else { return };
    same_reads(doc.root(), &want, "$");
    assert_eq!(serde_json::to_string(&doc).unwrap(), want.to_string(), "{text}");
    assert_eq!(Document::from_json_slice(text.as_bytes()).unwrap().to_value(), want, "{text}");
    assert_eq!(serde_json::from_str::<Document>(text).unwrap().to_value(), want, "{text}");
    assert_eq!(serde_json::from_slice::<Document>(text.as_bytes()).unwrap().to_value(), want, "{text}");
    let from_value = Document::from_value(&want).unwrap();
    same_reads(from_value.root(), &want, "$ (from_value)");
    assert_eq!(serde_json::from_value::<Document>(want.clone()).unwrap().to_value(), want, "{text}");
    // eq_value against every sub-value of another generated document is `==`.
    let copy = doc.clone();
    assert_eq!(copy.to_value(), want);
}

#[test]
fn generated_texts_read_as_serde_json_reads_them() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        check_text(&gen_text(&mut r));
    }
}

#[test]
fn eq_value_is_value_equality_across_generated_documents() {
    let mut r = Rng(42);
    let texts: Vec<String> = (0..200).map(|_| gen_text(&mut r)).collect();
    let values: Vec<Value> = texts.iter().map(|t| serde_json::from_str(t).unwrap()).collect();
    let docs: Vec<Document> = texts.iter().map(|t| Document::from_json_str(t).unwrap()).collect();
    for (d, v) in docs.iter().zip(&values) {
        for w in &values {
            assert_eq!(d.root().eq_value(w).unwrap(), v == w, "{v} against {w}");
        }
    }
}

#[test]
fn numbers_read_exactly_as_serde_json_s() {
    for n in NUMBERS {
        check_text(n);
        check_text(&format!("[{n}]"));
        check_text(&format!("{{\"n\": {n}}}"));
    }
    // Every pair of spellings: equal as Values exactly when equal on the document.
    for a in NUMBERS {
        let Ok(d) = Document::from_json_str(a) else { continue };
        for b in NUMBERS {
            let Ok(w) = serde_json::from_str::<Value>(b) else { continue };
            let v: Value = serde_json::from_str(a).unwrap();
            assert_eq!(d.root().eq_value(&w).unwrap(), v == w, "{a} against {b}");
        }
    }
    // -0.0 stays a float and writes as serde_json writes it.
    let d = Document::from_json_str("[-0, -0.0, 0]").unwrap();
    assert_eq!(serde_json::to_string(&d).unwrap(), "[-0.0,-0.0,0]");
}

#[test]
fn duplicate_keys_many_times_keep_the_last() {
    let mut text = String::from("{");
    for i in 0..5000 {
        text.push_str(&format!("\"k{}\": {i}, ", i % 7));
    }
    text.push_str("\"k3\": [\"last\"]}");
    check_text(&text);
    let doc = Document::from_json_str(&text).unwrap();
    assert_eq!(Host::member_count(&doc.root()).unwrap(), 7);
    assert_eq!(doc.root().member("k3").unwrap().unwrap().to_value(), json!(["last"]));
    // Nested duplicates whose dropped values are containers.
    check_text(
        r#"{"a": {"x": [1, {"y": 2}], "x": {"z": [3]}}, "a": [{"q": {"r": 1}, "q": 2}], "b": {"a": 1, "a": {}}}"#,
    );
}

#[test]
fn case_insensitive_get_prefers_exact_then_smallest() {
    // More and fewer than 11 members: `&Value` searches the two differently.
    for extra in [0, 20] {
        let mut text = String::from(r#"{"vALUE": 1, "Value": 2, "VALUE": 3, "value2": 4"#);
        for i in 0..extra {
            text.push_str(&format!(", \"f{i}\": {i}"));
        }
        text.push('}');
        check_text(&text);
        let doc = Document::from_json_str(&text).unwrap();
        let get = |n: &str| doc.root().get(n).unwrap().map(|d| d.to_value());
        assert_eq!(get("value"), Some(json!(3)), "no exact key: the smallest, VALUE");
        assert_eq!(get("Value"), Some(json!(2)), "the exact key");
        assert_eq!(get("vALUE"), Some(json!(1)));
        assert_eq!(doc.root().key_like("VaLuE").unwrap().as_deref(), Some("VALUE"));
        assert_eq!(doc.root().member("value").unwrap().map(|d| d.to_value()), None);
    }
}

#[test]
fn invalid_text_and_bytes_fail_exactly_when_serde_json_fails() {
    let mut r = Rng(7);
    for _ in 0..1500 {
        let text = gen_text(&mut r);
        let bytes = text.as_bytes();
        // Truncations, a byte dropped, a byte replaced (possibly making the bytes invalid UTF-8).
        let cut = r.below(bytes.len() + 1);
        let mut variants = vec![bytes[..cut].to_vec()];
        if !bytes.is_empty() {
            let i = r.below(bytes.len());
            let mut dropped = bytes.to_vec();
            dropped.remove(i);
            variants.push(dropped);
            let mut replaced = bytes.to_vec();
            replaced[i] = [b'"', b'\\', b',', b'}', b']', 0xff, 0xc3, 0x80, b'e', b'.', 0][r.below(11)];
            variants.push(replaced);
        }
        for v in variants {
            let want = serde_json::from_slice::<Value>(&v);
            let got = Document::from_json_slice(&v);
            assert_eq!(got.is_ok(), want.is_ok(), "{:?}: {:?}", String::from_utf8_lossy(&v), got.as_ref().err());
            match got {
                Ok(d) => assert_eq!(d.to_value(), want.unwrap()),
                Err(e) => {
                    let code = e.code();
                    assert!(
                        ["document.invalid_json", "document.invalid_utf8", "document.too_deep"].contains(&code),
                        "{code}"
                    );
                    assert!(e.position().is_some_and(|p| p <= v.len()), "{e}");
                    // A byte position the bindings can turn into their own unit.
                    if let (Ok(text), Some(p)) = (std::str::from_utf8(&v), e.position()) {
                        assert!(text.is_char_boundary(p), "{text:?}: {e}");
                    }
                    if std::str::from_utf8(&v).is_err() {
                        assert_eq!(code, "document.invalid_utf8");
                    }
                }
            }
        }
    }
}

/// Runs `f` on a thread with a 2 MiB stack (a spawned thread's default) and passes its panic on.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    let result = std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn nesting_at_every_depth_agrees_and_reads_on_a_small_stack() {
    on_small_stack(|| {
        for depth in 1..=130 {
            // Alternating objects and arrays: {"a": [{"a": [ ... ]}]}.
            let mut open = String::new();
            let mut close = String::new();
            for i in 0..depth {
                if i % 2 == 0 {
                    open.push_str("{\"b\": 0, \"a\": ");
                    close.insert(0, '}');
                } else {
                    open.push('[');
                    close.insert(0, ']');
                }
            }
            let text = format!("{open}\"x\"{close}");
            let want = serde_json::from_str::<Value>(&text);
            let got = Document::from_json_str(&text);
            assert_eq!(got.is_ok(), want.is_ok(), "depth {depth}");
            match got {
                Ok(doc) => {
                    let want = want.unwrap();
                    assert_eq!(doc.to_value(), want);
                    assert!(doc.root().eq_value(&want).unwrap());
                    assert_eq!(serde_json::to_string(&doc).unwrap(), want.to_string());
                    let f = Filter::parse(r#"a pr and b eq 0"#).unwrap();
                    assert_eq!(f.matches_node(&doc.root()), Ok(f.matches(&want)));
                }
                Err(e) => assert_eq!(e.code(), "document.too_deep", "depth {depth}: {e}"),
            }
        }
    });
}

#[test]
fn a_value_deeper_than_a_document_holds_is_refused_without_recursing_through_it() {
    on_small_stack(|| {
        let mut v = json!(1);
        for _ in 0..100_000 {
            v = Value::Array(vec![v]);
        }
        assert_eq!(Document::from_value(&v).unwrap_err().code(), "document.too_deep");
        // Take the value apart without recursion.
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            if let Value::Array(items) = v {
                stack.extend(items);
            }
        }
    });
}

fn patch(ops: Value) -> Result<Patch, Error> {
    Patch::parse(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}))
}

/// `apply_to` on the document of `text` gives `apply`'s result and error on serde_json's value of it, and the
/// result writes the text of its value.
fn check_patch(text: &str, p: &Patch) -> bool {
    let mut whole: Value = serde_json::from_str(text).unwrap();
    let doc = Document::from_json_str(text).unwrap();
    let expected = p.apply(&mut whole);
    match (p.apply_to(doc.root()), expected) {
        (Ok((lazy, outcome)), Ok(want_outcome)) => {
            let got = lazy.to_value();
            assert_eq!(got, whole, "{text}");
            assert_eq!(outcome, want_outcome, "{text}");
            assert_eq!(serde_json::to_string(&lazy).unwrap(), serde_json::to_string(&whole).unwrap(), "{text}");
            true
        }
        (Err(Failure::Patch(a)), Err(b)) => {
            assert_eq!(
                (a.code(), a.to_string(), a.position(), a.operation()),
                (b.code(), b.to_string(), b.position(), b.operation()),
                "{text}"
            );
            false
        }
        (got, want) => panic!("{text}: apply_to {:?}, apply {want:?}", got.map(|(l, o)| (l.to_value(), o))),
    }
}

const PATHS: &[&str] = &[
    "userName",
    "USERNAME",
    "nickName",
    "nickname",
    "displayName",
    "name.givenName",
    "NAME.GIVENNAME",
    "emails",
    "Emails",
    r#"emails[type eq "work"]"#,
    r#"emails[type eq "work"].value"#,
    r#"emails[value eq "x"].primary"#,
    r#"EMAILS[TYPE eq "WORK"].VALUE"#,
    "emails.type",
    "members",
    r#"members[value eq "bjensen"]"#,
    "name",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
];

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const VALUES: &[&str] = &[
    r#""x""#,
    r#""Babs""#,
    "true",
    "1",
    "-0.0",
    "null",
    r#"[{"value": "x", "type": "work", "primary": true}]"#,
    r#"{"value": "y", "type": "home"}"#,
    r#"{"givenName": "B", "GivenName": "C"}"#,
    r#"[{"value": "bjensen"}, {"value": "z"}]"#,
    "[]",
    "{}",
];

/// A user-like resource with repeated and case-variant keys, unsorted.
fn gen_resource(r: &mut Rng) -> String {
    let mut members = Vec::new();
    for _ in 0..r.below(9) {
        let key = r.pick(&[
            "userName",
            "UserName",
            "USERNAME",
            "nickName",
            "NickName",
            "displayName",
            "name",
            "emails",
            "Emails",
            "members",
            "active",
        ]);
        let value = match key {
            "name" => {
                let given = r.pick(&[r#""a""#, r#""b""#, "null", "[]"]);
                let k = r.pick(&["givenName", "GIVENNAME", "familyName"]);
                format!(r#"{{"{k}": {given}, "givenName": "g", "{k}": {given}}}"#)
            }
            "emails" | "Emails" | "members" => {
                let mut items = Vec::new();
                for _ in 0..r.below(4) {
                    let t = r.pick(&["work", "Work", "home"]);
                    let v = r.pick(&["x", "bjensen", "BJensen", "z"]);
                    let prim = r.pick(&["true", "false", "1", "null"]);
                    let vk = r.pick(&["value", "Value", "VALUE"]);
                    items.push(format!(r#"{{"type": "{t}", "{vk}": "{v}", "primary": {prim}, "type": "{t}"}}"#));
                }
                format!("[{}]", items.join(", "))
            }
            _ => r.pick(STRINGS).to_string(),
        };
        members.push(format!("\"{key}\": {value}"));
    }
    if r.below(3) == 0 {
        // The enterprise extension, under spellings that differ in case.
        let urn = r.pick(&[ENTERPRISE, "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER"]);
        let k = r.pick(&["employeeNumber", "EmployeeNumber", "manager"]);
        members.push(format!(r#""{urn}": {{"{k}": "7", "department": "d"}}"#));
    }
    if r.below(2) == 0 {
        // Past 11 members `&Value` looks keys up by search, not by a walk.
        for i in (0..12).rev() {
            members.push(format!("\"f{i}\": {i}"));
        }
    }
    format!("{{{}}}", members.join(", "))
}

#[test]
fn generated_patches_apply_to_a_document_as_to_its_value() {
    let mut r = Rng(0xDEAD_BEEF);
    let (mut applied, mut succeeded) = (0, 0);
    for _ in 0..1500 {
        let text = gen_resource(&mut r);
        check_text(&text);
        let mut ops = Vec::new();
        for _ in 0..1 + r.below(3) {
            let op = r.pick(&["add", "replace", "remove", "Add"]);
            let value: Value = serde_json::from_str(r.pick(VALUES)).unwrap();
            let mut o = json!({"op": op});
            if r.below(8) != 0 || op == "remove" {
                o["path"] = json!(r.pick(PATHS));
            }
            if op != "remove" {
                o["value"] = if o.get("path").is_none() { json!({"nickName": value}) } else { value };
            }
            ops.push(o);
        }
        if let Ok(p) = patch(Value::Array(ops)) {
            succeeded += usize::from(check_patch(&text, &p));
            applied += 1;
        }
    }
    assert!(applied > 500 && succeeded > applied / 4, "{applied} requests parsed, {succeeded} applied");
}

#[test]
fn filters_match_a_document_as_its_value() {
    let filters = [
        r#"userName eq "bjensen""#,
        r#"USERNAME sw "b""#,
        r#"emails[type eq "work" and value co "x"]"#,
        r#"emails.value eq "BJensen""#,
        r#"members[value eq "z"] or nickName pr"#,
        r#"name.givenName eq "a""#,
        r#"not (emails pr)"#,
        r#"emails[primary eq true]"#,
        r#"active eq true"#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7""#,
        r#"f11 gt 10 and F0 eq 0"#,
    ];
    let filters: Vec<Filter> = filters.iter().map(|f| Filter::parse(f).unwrap()).collect();
    let mut r = Rng(99);
    for _ in 0..1000 {
        let text = gen_resource(&mut r);
        let v: Value = serde_json::from_str(&text).unwrap();
        let doc = Document::from_json_str(&text).unwrap();
        for f in &filters {
            assert_eq!(f.matches_node(&doc.root()), Ok(f.matches(&v)), "{text}");
        }
    }
}

#[test]
fn a_large_unsorted_object_and_array_read_back() {
    // Keys in reverse order (the sorting path), with every fifth repeated.
    let mut text = String::from("{");
    for i in (0..20_000).rev() {
        text.push_str(&format!("\"key{i:05}\": [{i}, {{\"value\": \"{i}\"}}], "));
        if i % 5 == 0 {
            text.push_str(&format!("\"key{:05}\": {i}, ", i + 1));
        }
    }
    text.push_str("\"\": null}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let doc = Document::from_json_str(&text).unwrap();
    assert_eq!(doc.to_value(), v);
    assert_eq!(serde_json::to_string(&doc).unwrap(), v.to_string());
    for k in ["key00000", "KEY19999", "key10001", "Key10000", "key20000", ""] {
        assert_eq!(doc.root().get(k).unwrap().map(|d| d.to_value()), Node::get(&&v, k).unwrap().cloned(), "{k}");
    }
}

#[test]
fn error_positions_fall_on_character_boundaries() {
    for text in [
        "\"é",
        "[\"é\" x]",
        "{\"é\": é}",
        "[1, \"😀\u{1}\"]",
        "😀",
        "[😀]",
        "{\"a\":\n\"ü\"\n,}",
        "\"\\ud83d\"é",
        "\"\\uZZZZ😀\"",
        "[1e999, \"é\"]",
        "[\"é\"]]",
        "[\"é\",\r\n  ]",
    ] {
        let e = Document::from_json_str(text).unwrap_err();
        assert!(serde_json::from_str::<Value>(text).is_err());
        let p = e.position().unwrap();
        assert!(p <= text.len() && text.is_char_boundary(p), "{text:?}: {e} at {p}");
    }
}

/// The document's reads equal a `Value`'s only with serde_json's default features: `preserve_order` keeps a
/// `Value`'s keys in text order (a document sorts them) and `arbitrary_precision` hands numbers to a visitor as a
/// one-member map (a document then holds an object). Either, enabled anywhere in a build, fails here first.
#[test]
fn serde_json_reads_objects_sorted_and_numbers_as_numbers() {
    let v: Value = serde_json::from_str(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a", "b"], "serde_json's preserve_order is on: Value keys are not sorted");
    let doc = Document::from_json_str("[1, 1.5]").unwrap();
    assert_eq!(
        doc.root().index(0).unwrap().unwrap().view().unwrap(),
        scim_expr::View::Number(scim_expr::Num::Int(1)),
        "serde_json's arbitrary_precision is on: numbers reach the document as maps"
    );
}
