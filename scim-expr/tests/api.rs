//! The public API as a Rust server uses it: thread safety, error accessors, options, limits, custom schemas and
//! evaluation through a host document type.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::borrow::Cow;
use std::sync::Arc;

use scim_expr::{Error, ErrorKind, Filter, Limits, Node, Num, Options, Patch, Schemas, ScimType, View};
use serde_json::{json, Value};

#[test]
fn filters_and_errors_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Filter>();
    assert_send_sync::<Error>();
    assert_send_sync::<Options>();
    assert_send_sync::<Schemas>();
    assert_send_sync::<Patch>();
    assert_send_sync::<scim_expr::Path>();
    assert_send_sync::<scim_expr::Quirks>();
    assert_send_sync::<scim_expr::Document>();
    assert_send_sync::<scim_expr::DocRef<'static>>();
}

#[test]
fn one_document_serves_many_threads() {
    let doc = Arc::new(scim_expr::Document::from_json_str(r#"{"members": [{"value": "a"}, {"value": "b"}]}"#).unwrap());
    let patch = Arc::new(
        Patch::parse(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                             "Operations": [{"op": "remove", "path": "members[value eq \"a\"]"}]}))
        .unwrap(),
    );
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (doc, patch) = (Arc::clone(&doc), Arc::clone(&patch));
            std::thread::spawn(move || {
                let (result, _) = patch.apply_to(doc.root()).unwrap();
                serde_json::to_string(&result).unwrap()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), r#"{"members":[{"value":"b"}]}"#);
    }
    assert_eq!(doc.to_value(), json!({"members": [{"value": "a"}, {"value": "b"}]}), "the document is as it was");
}

#[test]
fn one_filter_serves_many_threads() {
    let f = Arc::new(Filter::parse(r#"userName sw "user1""#).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let f = Arc::clone(&f);
            std::thread::spawn(move || {
                (0..1000).filter(|i| f.matches(&json!({"userName": format!("User{}", t * 1000 + i)}))).count()
            })
        })
        .collect();
    let counts: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    // user1, user10..user19, user100..user199 in thread 0; user1000..user1999 in thread 1.
    assert_eq!(counts, vec![111, 1000, 0, 0]);
}

#[test]
fn error_accessors_describe_the_problem() {
    let text = r#"emails[type eq "work" and value co "@example.com""#;
    let err = Filter::parse(text).unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidFilter);
    assert_eq!(err.scim_type().to_string(), "invalidFilter");
    assert_eq!(err.kind(), ErrorKind::UnclosedBracket);
    assert_eq!(err.code(), "filter.unclosed_bracket");
    assert_eq!(err.position(), Some(6));
    assert_eq!(err.status(), 400);
    assert!(err.message().contains("never closed"), "{}", err.message());
    let body = err.to_json();
    assert_eq!(body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]));
    assert_eq!(body["scimType"], "invalidFilter");
    assert_eq!(body["status"], "400");
    let rendered = err.render(text);
    assert!(rendered.ends_with("\n        ^"), "{rendered}");
}

#[test]
fn display_is_canonical_and_parses_back() {
    let f: Filter = r#"userName Eq "john" AND not(title pr)"#.parse().unwrap();
    assert_eq!(f.to_string(), r#"userName eq "john" and not (title pr)"#);
    assert_eq!(Filter::parse(&f.to_string()).unwrap(), f);
    assert_eq!(format!("{f:?}"), r#"Filter("userName eq \"john\" and not (title pr)")"#);
}

#[test]
fn limits_are_configurable_and_enforced() {
    let short = Options::new().with_limits(Limits::new().with_max_filter_length(10));
    let err = Filter::parse_with(r#"userName eq "x""#, &short).unwrap_err();
    assert_eq!((err.code(), err.position()), ("filter.too_long", Some(10)));
    assert!(Filter::parse_with("userName pr", &short).is_err());
    assert!(Filter::parse_with("title pr", &short).is_ok());
    let small = Options::new().with_limits(Limits::new().with_max_depth(2));
    let err = Filter::parse_with("(((a pr)))", &small).unwrap_err();
    assert_eq!((err.code(), err.position()), ("filter.too_deep", Some(2)));
    assert!(Filter::parse_with("((a pr))", &small).is_ok());
    assert!(Filter::parse_with("a[not(b pr)]", &small).is_ok());
    assert_eq!(Filter::parse_with("a[not((b pr))]", &small).unwrap_err().code(), "filter.too_deep");
}

#[test]
fn hostile_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}a pr{}", "(".repeat(100_000), ")".repeat(100_000));
    let err = Filter::parse(&deep).unwrap_err();
    assert_eq!((err.code(), err.position()), ("filter.too_deep", Some(64)));
    let nots = "not (".repeat(40_000);
    assert_eq!(Filter::parse(&nots).unwrap_err().code(), "filter.too_deep");
    let brackets = format!("a[{}", "b[".repeat(50_000));
    assert_eq!(Filter::parse(&brackets).unwrap_err().code(), "filter.nested_value_path");
}

#[test]
fn huge_inputs_are_refused_or_answered() {
    let ten_mb = format!(r#"userName eq "{}""#, "x".repeat(10 << 20));
    let err = Filter::parse(&ten_mb).unwrap_err();
    assert_eq!(err.code(), "filter.too_long");
    assert!(err.render(&ten_mb).len() < 400, "the excerpt of a huge input stays short");

    // A million-term `or` chain is flat, so with the length limit raised it parses and evaluates without
    // recursion proportional to its length.
    let chain = (0..1_000_000).map(|i| format!("u eq {i}")).collect::<Vec<_>>().join(" or ");
    assert_eq!(Filter::parse(&chain).unwrap_err().code(), "filter.too_long");
    let roomy = Options::new().with_limits(Limits::new().with_max_filter_length(usize::MAX));
    let f = Filter::parse_with(&chain, &roomy).unwrap();
    assert!(f.matches(&json!({"u": 999_999})));
    assert!(!f.matches(&json!({"u": 1_000_000})));
}

#[test]
fn invalid_utf8_is_a_positioned_error() {
    let err = Filter::parse_bytes_with(b"userName eq \"\xff\"", &Options::new()).unwrap_err();
    assert_eq!((err.code(), err.position()), ("filter.invalid_utf8", Some(13)));
    assert_eq!(err.scim_type(), ScimType::InvalidFilter);
}

#[test]
fn deep_documents_do_not_overflow_evaluation() {
    // Built by hand: `json!` would serialise the inner value recursively.
    let mut doc = json!(1);
    for _ in 0..100_000 {
        let mut obj = serde_json::Map::new();
        obj.insert("a".into(), Value::Array(vec![doc]));
        doc = Value::Object(obj);
    }
    for text in ["a pr", "a.a pr", "a[a pr]", "a eq 1", "a.a eq null", "not (a.a ne 1)"] {
        Filter::parse(text).unwrap().matches(&doc);
    }
    // Dropping a 100,000-deep serde_json value recurses; leak it rather than test serde_json's drop.
    std::mem::forget(doc);
}

#[test]
fn custom_schemas_drive_types_and_case() {
    let mut schemas = Schemas::builtin();
    schemas
        .add_json(&json!({
            "id": "urn:example:scim:schemas:core:2.0:Device",
            "name": "Device",
            "attributes": [
                {"name": "serial", "type": "string", "caseExact": true},
                {"name": "seen", "type": "dateTime"},
                {"name": "online", "type": "boolean"}
            ]
        }))
        .unwrap();
    let options = Options::new().with_schemas(schemas).with_resource_type("Device").unwrap();
    let exact = Filter::parse_with(r#"serial eq "AB-1""#, &options).unwrap();
    assert!(exact.matches(&json!({"serial": "AB-1"})));
    assert!(!exact.matches(&json!({"serial": "ab-1"})));
    // The same filter on a document that says it is a User: `serial` is not in that schema, so not caseExact.
    let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "serial": "ab-1"});
    assert!(exact.matches(&user));
    let seen = Filter::parse_with(r#"seen ge "2024-01-01T01:00:00+01:00""#, &options).unwrap();
    assert!(seen.matches(&json!({"seen": "2024-01-01T00:00:00Z"})));
    let err = Filter::parse_with("online gt true", &options).unwrap_err();
    assert_eq!(err.code(), "filter.operator_not_supported");
    let err = Filter::parse_with(r#"online eq "yes""#, &options).unwrap_err();
    assert_eq!((err.code(), err.position()), ("filter.type_mismatch", Some(10)));
    let err = Options::new().with_resource_type("Printer").unwrap_err();
    assert_eq!(err.code(), "schema.unknown_resource_type");
}

/// A host document whose reads can fail, as a Python dict's `__getitem__` can.
#[derive(Clone)]
struct Host<'a>(&'a Value);

#[derive(Debug, PartialEq)]
struct HostError(String);

impl Node for Host<'_> {
    type Error = HostError;

    fn view(&self) -> Result<View<'_>, HostError> {
        Ok(match self.0 {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => View::Number(Num::from_json(n)),
            Value::String(s) if s == "boom" => return Err(HostError("unreadable".into())),
            Value::String(s) => View::String(Cow::Borrowed(s)),
            Value::Array(a) => View::Array(a.len()),
            Value::Object(_) => View::Object,
        })
    }

    fn get(&self, name: &str) -> Result<Option<Self>, HostError> {
        Ok(self.0.as_object().and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))).map(|(_, v)| Host(v)))
    }

    fn index(&self, i: usize) -> Result<Option<Self>, HostError> {
        Ok(self.0.as_array().and_then(|a| a.get(i)).map(Host))
    }

    fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, HostError>) -> Result<bool, HostError> {
        for v in self.0.as_object().into_iter().flat_map(|m| m.values()) {
            if f(&Host(v))? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[test]
fn host_documents_evaluate_in_place_and_report_read_failures() {
    let f = Filter::parse(r#"emails[type eq "work" and value co "@example.com"]"#).unwrap();
    let doc =
        json!({"emails": [{"type": "home", "value": "a@example.com"}, {"type": "work", "value": "b@example.com"}]});
    assert_eq!(f.matches_node(&Host(&doc)), Ok(true));
    let bad = json!({"emails": [{"type": "boom"}]});
    assert_eq!(f.matches_node(&Host(&bad)), Err(HostError("unreadable".into())));
    // Reads stop at the first match: the unreadable value after it is never touched.
    let early = json!({"emails": [{"type": "work", "value": "c@example.com"}, {"type": "boom"}]});
    assert_eq!(f.matches_node(&Host(&early)), Ok(true));
}

#[test]
fn filter_selects_from_a_list() {
    let users = vec![json!({"userName": "a", "active": true}), json!({"userName": "b", "active": false})];
    let f = Filter::parse("active eq true").unwrap();
    assert_eq!(f.filter(&users), vec![&users[0]]);
}

#[test]
fn a_value_nested_far_past_the_limit_is_refused_without_recursion() {
    // 1,000 levels: far past the limit of 128, and still shallow enough for serde_json's own recursive drop to
    // run on a test thread's stack.
    let mut value = json!("leaf");
    for _ in 0..1_000 {
        value = json!([value]);
    }
    let request = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "nested", "value": value}]
    });
    let Err(err) = Patch::parse(&request) else { panic!("a value 1,000 deep was accepted") };
    assert_eq!((err.code(), err.scim_type().as_str(), err.operation()), ("document.too_deep", "invalidValue", Some(0)));
}

#[test]
fn the_deepest_nesting_any_setting_allows_fits_a_small_thread_stack() {
    // `usize::MAX` acts as the ceiling, 128: every kind of nesting at 128 levels parses, prints, re-parses and
    // evaluates on a thread with the 2 MB stack Rust gives spawned threads, in this debug build.
    let roomy = Options::new().with_limits(Limits::new().with_max_depth(usize::MAX));
    let n = Limits::MAX_DEPTH_CEILING;
    let cases = [
        format!("{}a pr{}", "(".repeat(n), ")".repeat(n)),
        format!("{}a pr{}", "not (".repeat(n), ")".repeat(n)),
        format!("e[{}a pr{}]", "not (".repeat(n - 1), ")".repeat(n - 1)),
        format!("{}a pr{}", "(b pr and not (".repeat(n / 2), "))".repeat(n / 2)),
    ];
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            for text in &cases {
                let f = Filter::parse_with(text, &roomy).unwrap();
                let again = Filter::parse_with(&f.to_string(), &roomy).unwrap();
                assert_eq!(f, again);
                f.matches(&json!({"a": 1, "b": 2, "e": [{"a": 1}]}));
                let deeper = format!("({text})");
                let err = Filter::parse_with(&deeper, &roomy).unwrap_err();
                assert_eq!(err.code(), "filter.too_deep");
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn integers_past_2_53_compare_exactly_up_to_64_bits() {
    let doc: Value = serde_json::from_str(r#"{"u": 9007199254740993, "i": -9223372036854775808}"#).unwrap();
    let hit = |text: &str| Filter::parse(text).unwrap().matches(&doc);
    // 2^53 + 1 is not a double: it compares as the integer it is.
    assert!(hit("u eq 9007199254740993"));
    assert!(!hit("u eq 9007199254740992"));
    assert!(hit("u gt 9007199254740992"));
    assert!(hit("i eq -9223372036854775808") && hit("i lt -9223372036854775807"));
    // Past 64 bits a literal is a double (serde_json without arbitrary_precision); out of range is an error.
    assert!(hit("u lt 18446744073709551617"));
    assert_eq!(Filter::parse("u eq 1e400").unwrap_err().code(), "filter.invalid_number");
}

#[test]
fn node_get_prefers_the_exact_key_then_the_first_ignoring_case_in_small_and_large_objects() {
    for padding in [0usize, 40] {
        // 0: an object read in one walk over its keys; 40: one searched by key first.
        let mut doc = serde_json::json!({"USERNAME": 1, "userName": 2, "UserName": 3, "title": 4});
        for i in 0..padding {
            doc[format!("pad{i:02}")] = serde_json::json!(i);
        }
        let get = |name: &str| Node::get(&&doc, name).unwrap().cloned();
        assert_eq!(get("userName"), Some(serde_json::json!(2)), "padding {padding}: the exact key wins");
        assert_eq!(get("UserName"), Some(serde_json::json!(3)), "padding {padding}");
        // No exact key: the first that equals it ignoring case, in key order ("USERNAME" < "UserName" < "userName").
        assert_eq!(get("username"), Some(serde_json::json!(1)), "padding {padding}");
        assert_eq!(get("TITLE"), Some(serde_json::json!(4)), "padding {padding}");
        assert_eq!(get("titles"), None, "padding {padding}");
        assert_eq!(get("user"), None, "padding {padding}");
    }
}
