//! Runs every case of `tests/vectors/*.json` as one named test (see tests/vectors/README.md), so that
//! `cargo test -p scim-expr --test vectors filter.eq` picks the same cases as pytest and node do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::{BTreeMap, HashSet};
use std::convert::Infallible;
use std::path::{Path, PathBuf};

use common::{plain_value, Plain};
use libtest_mimic::{Arguments, Failed, Trial};
use scim_expr::overlay::Failure;
use scim_expr::{Document, Error, Filter, Limits, Options, Patch, Path as ScimPath, Quirks, Schemas};
use serde_json::Value;

mod common;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

struct Case {
    group: Value,
    case: Value,
}

fn options(group: &Value) -> Result<Options, String> {
    let spec = group.get("quirks").cloned().unwrap_or(Value::from("strict"));
    let preset = spec.as_str().or(spec["preset"].as_str()).ok_or("\"quirks\" needs a preset name")?;
    let mut quirks = Quirks::preset(preset).ok_or_else(|| format!("unknown quirks preset {preset:?}"))?;
    for (key, on) in [("on", true), ("off", false)] {
        for name in spec.get(key).and_then(Value::as_array).into_iter().flatten() {
            let name = name.as_str().ok_or("tolerance names are strings")?;
            quirks.set(name, on).map_err(|e| e.to_string())?;
        }
    }
    let mut options = Options::new().with_quirks(quirks);
    if let Some(extra) = group.get("schemas") {
        let schemas = Schemas::from_json(extra).map_err(|e| format!("group schemas: {e}"))?;
        options = options.with_schemas(schemas);
    }
    if let Some(limits) = group.get("limits") {
        let mut l = Limits::new();
        if let Some(n) = limits["max_filter_length"].as_u64() {
            l = l.with_max_filter_length(n as usize);
        }
        if let Some(n) = limits["max_depth"].as_u64() {
            l = l.with_max_depth(n as usize);
        }
        if let Some(n) = limits["max_path_length"].as_u64() {
            l = l.with_max_path_length(n as usize);
        }
        if let Some(n) = limits["max_operations"].as_u64() {
            l = l.with_max_operations(n as usize);
        }
        if let Some(n) = limits["max_values"].as_u64() {
            l = l.with_max_values(n as usize);
        }
        if let Some(n) = limits["max_document_depth"].as_u64() {
            l = l.with_max_document_depth(n as usize);
        }
        options = options.with_limits(l);
    }
    if let Some(rt) = group["resource"].as_str() {
        options = options.with_resource_type(rt).map_err(|e| e.to_string())?;
    }
    Ok(options)
}

fn check_error(err: &Error, want: &Value) -> Result<(), String> {
    let got = serde_json::json!({
        "scimType": err.scim_type().as_str(),
        "code": err.code(),
        "position": err.position(),
        "operation": err.operation(),
    });
    for key in ["scimType", "code", "position", "operation"] {
        if let Some(w) = want.get(key) {
            if got[key] != *w {
                return Err(format!("{key}: expected {w}, got {} ({})", got[key], err.message()));
            }
        }
    }
    Ok(())
}

/// Print-then-parse must give back the same AST, and printing must be stable.
fn check_round_trip(f: &Filter, options: &Options) -> Result<(), String> {
    let printed = f.to_string();
    let again =
        Filter::parse_with(&printed, options).map_err(|e| format!("canonical form {printed:?} does not parse: {e}"))?;
    if again.ast() != f.ast() {
        return Err(format!(
            "canonical form {printed:?} parses to a different AST:\n{:?}\nvs\n{:?}",
            again.ast(),
            f.ast()
        ));
    }
    Ok(())
}

fn run_filter_case(group: &Value, case: &Value) -> Result<(), String> {
    let options = options(group)?;
    let text = case["filter"].as_str().ok_or("case has no \"filter\" string")?;
    let parsed = Filter::parse_with(text, &options);
    if let Some(want) = case.get("error") {
        return match parsed {
            Ok(f) => Err(format!("expected an error, parsed as {f}")),
            Err(e) => check_error(&e, want),
        };
    }
    let f = parsed.map_err(|e| format!("unexpected error {}: {}", e.code(), e.render(text)))?;
    check_round_trip(&f, &options)?;
    if let Some(canonical) = case.get("canonical") {
        if f.to_string() != canonical.as_str().unwrap_or_default() {
            return Err(format!("canonical form: expected {canonical}, got {:?}", f.to_string()));
        }
    }
    check_fired(case, f.quirks_fired())?;
    match case["op"].as_str() {
        Some("parse") => {
            if case.get("valid") != Some(&Value::Bool(true)) && case.get("canonical").is_none() {
                return Err("a parse case needs \"valid\": true, \"canonical\" or \"error\"".into());
            }
            Ok(())
        }
        Some("filter") => {
            let docs = case.get("docs").or(group.get("docs")).and_then(Value::as_array).ok_or("no docs")?;
            let want = case.get("matches").ok_or("a filter case needs \"matches\" or \"error\"")?;
            let got: Vec<usize> = docs.iter().enumerate().filter(|(_, d)| f.matches(d)).map(|(i, _)| i).collect();
            if serde_json::to_value(&got).unwrap() != *want {
                return Err(format!("matches: expected {want}, got {got:?}"));
            }
            // The same documents read from their JSON text as Documents.
            let mut on_documents = Vec::new();
            for (i, d) in docs.iter().enumerate() {
                let doc = Document::from_json_str(&d.to_string()).map_err(|e| format!("doc {i}: {e}"))?;
                if f.matches_node(&doc.root()) == Ok(true) {
                    on_documents.push(i);
                }
            }
            if on_documents != got {
                return Err(format!("matches on Documents: {on_documents:?}, on Values: {got:?}"));
            }
            Ok(())
        }
        other => Err(format!("unknown op {other:?}")),
    }
}

fn check_fired(case: &Value, fired: Vec<&'static str>) -> Result<(), String> {
    match case.get("quirks_fired") {
        Some(want) if serde_json::to_value(&fired).unwrap() != *want => {
            Err(format!("quirks_fired: expected {want}, got {fired:?}"))
        }
        _ => Ok(()),
    }
}

fn run_path_case(group: &Value, case: &Value) -> Result<(), String> {
    let options = options(group)?;
    let text = case["path"].as_str().ok_or("case has no \"path\" string")?;
    let parsed = ScimPath::parse_with(text, &options);
    if let Some(want) = case.get("error") {
        return match parsed {
            Ok(p) => Err(format!("expected an error, parsed as {p}")),
            Err(e) => check_error(&e, want),
        };
    }
    let p = parsed.map_err(|e| format!("unexpected error {}: {}", e.code(), e.render(text)))?;
    let printed = p.to_string();
    let again = ScimPath::parse_with(&printed, &options).map_err(|e| format!("{printed:?} does not parse: {e}"))?;
    if again != p {
        return Err(format!("canonical form {printed:?} parses to a different path"));
    }
    match case.get("canonical").and_then(Value::as_str) {
        Some(c) if c != printed => Err(format!("canonical form: expected {c:?}, got {printed:?}")),
        _ => Ok(()),
    }
}

fn run_patch_case(group: &Value, case: &Value) -> Result<(), String> {
    let options = options(group)?;
    let request = case.get("request").ok_or("case has no \"request\"")?;
    let original = case.get("doc").or(group.get("doc")).ok_or("no doc")?;
    let mut doc = original.clone();
    let result = Patch::parse_with(request, &options).and_then(|p| p.apply(&mut doc));
    if let Ok(patch) = Patch::parse_with(request, &options) {
        check_partial(&patch, original, &result, &doc)?;
        check_overlay(&patch, original, &result, &doc)?;
    }
    if let Some(want) = case.get("error") {
        let err = match result {
            Ok(_) => return Err(format!("expected an error, got {doc}")),
            Err(e) => e,
        };
        check_error(&err, want)?;
        // Byte-identical, not merely equal as JSON.
        let (after, before) = (doc.to_string(), original.to_string());
        if after != before {
            return Err(format!("the failed request changed the document:\n{doc}"));
        }
        return Ok(());
    }
    let outcome =
        result.map_err(|e| format!("unexpected error {} (operation {:?}): {}", e.code(), e.operation(), e))?;
    let want = case.get("expect").ok_or("a patch case needs \"expect\" or \"error\"")?;
    if doc != *want {
        return Err(format!("document:\nexpected {want}\n     got {doc}"));
    }
    check_fired(case, outcome.quirks_fired())?;
    if let Some(changed) = case.get("changed").and_then(Value::as_bool) {
        if outcome.changed() != changed {
            return Err(format!("changed: expected {changed}, got {}", outcome.changed()));
        }
    }
    Ok(())
}

/// [`Patch::touches`]: applying the request to only the members it touches, then putting those back into the
/// resource, gives the same document, error, `changed` and tolerances as applying it to the whole resource.
fn check_partial(
    patch: &Patch,
    original: &Value,
    full: &Result<scim_expr::Outcome, Error>,
    full_doc: &Value,
) -> Result<(), String> {
    let Some(members) = original.as_object() else { return Ok(()) };
    let mut part = serde_json::Map::new();
    for (key, value) in members {
        if patch.touches(key) {
            part.insert(key.clone(), value.clone());
        }
    }
    let mut part = Value::Object(part);
    let partial = patch.apply(&mut part);
    match (full, partial) {
        (Err(a), Err(b)) => {
            if (a.code(), a.to_string(), a.operation()) != (b.code(), b.to_string(), b.operation()) {
                return Err(format!("partial application: error {b}, whole resource: {a}"));
            }
        }
        (Ok(a), Ok(b)) => {
            let mut merged = serde_json::Map::new();
            for (key, value) in members {
                if !patch.touches(key) {
                    merged.insert(key.clone(), value.clone());
                }
            }
            for (key, value) in part.as_object().into_iter().flatten() {
                merged.insert(key.clone(), value.clone());
            }
            if Value::Object(merged) != *full_doc {
                return Err(format!("partial application gave {part}, whole resource {full_doc}"));
            }
            if (a.changed(), a.quirks_fired()) != (b.changed(), b.quirks_fired()) {
                return Err("partial application: changed or quirks_fired differ".into());
            }
        }
        (a, b) => return Err(format!("partial application: {b:?}, whole resource: {a:?}")),
    }
    Ok(())
}

/// [`Patch::apply_to`]: applying the request through the copy-on-write overlay, with the document read in place
/// as the host (once as `&Value`, once through [`Plain`], once as a [`Document`] parsed from the document's text,
/// whose result is also written as JSON text directly), gives the same document, `changed`, tolerances and error
/// (kind, message, position, operation) as applying it in place.
fn check_overlay(
    patch: &Patch,
    original: &Value,
    full: &Result<scim_expr::Outcome, Error>,
    full_doc: &Value,
) -> Result<(), String> {
    fn sure<T>(r: Result<T, Failure<Infallible>>) -> Result<T, Error> {
        r.map_err(|e| match e {
            Failure::Patch(e) => e,
            Failure::Host(never) => match never {},
        })
    }
    let direct = sure(patch.apply_to(original)).map(|(lazy, outcome)| (lazy.to_value(), outcome));
    let plain = sure(patch.apply_to(Plain(original))).map(|(lazy, outcome)| (plain_value(&lazy), outcome));
    let document = Document::from_json_str(&original.to_string()).map_err(|e| format!("Document: {e}"))?;
    if document.to_value() != *original {
        return Err(format!("the Document reads back as {}", document.to_value()));
    }
    let on_document = match sure(patch.apply_to(document.root())) {
        Ok((lazy, outcome)) => {
            let got = lazy.to_value();
            let text = serde_json::to_string(&lazy).map_err(|e| e.to_string())?;
            if text != serde_json::to_string(&got).map_err(|e| e.to_string())? {
                return Err(format!("the Document result writes {text}, its value {got}"));
            }
            Ok((got, outcome))
        }
        Err(e) => Err(e),
    };
    for (how, overlay) in
        [("overlay", direct), ("overlay through Plain", plain), ("overlay on a Document", on_document)]
    {
        match (full, overlay) {
            (Err(a), Err(b)) => {
                fn describe(e: &Error) -> (&str, String, Option<usize>, Option<usize>) {
                    (e.code(), e.to_string(), e.position(), e.operation())
                }
                if describe(a) != describe(&b) {
                    return Err(format!("{how}: error {b}, in place: {a}"));
                }
            }
            (Ok(a), Ok((got, b))) => {
                if got != *full_doc {
                    return Err(format!("{how} gave {got}, in place {full_doc}"));
                }
                if (a.changed(), a.quirks_fired()) != (b.changed(), b.quirks_fired()) {
                    return Err(format!("{how}: changed or quirks_fired differ"));
                }
            }
            (a, b) => return Err(format!("{how}: {:?}, in place: {a:?}", b.map(|(_, o)| o))),
        }
    }
    Ok(())
}

fn run(c: &Case) -> Result<(), String> {
    match c.case["op"].as_str() {
        Some("filter" | "parse") => run_filter_case(&c.group, &c.case),
        Some("path") => run_path_case(&c.group, &c.case),
        Some("patch") => run_patch_case(&c.group, &c.case),
        other => Err(format!("unknown op {other:?}")),
    }
}

fn load() -> (Vec<(String, Case)>, BTreeMap<String, String>) {
    let dir = vectors_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("xfail.json"))
        .collect();
    files.sort();
    let mut seen = HashSet::new();
    let mut cases = Vec::new();
    for file in files {
        let groups: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for group in groups.as_array().unwrap_or_else(|| panic!("{}: not an array of groups", file.display())) {
            for case in group["cases"].as_array().unwrap_or_else(|| panic!("{}: group without cases", file.display())) {
                let id =
                    case["id"].as_str().unwrap_or_else(|| panic!("{}: case without id", file.display())).to_string();
                assert!(seen.insert(id.clone()), "duplicate vector id {id}");
                let mut group = group.clone();
                group.as_object_mut().unwrap().remove("cases");
                cases.push((id, Case { group, case: case.clone() }));
            }
        }
    }
    let xfail: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("xfail.json")).unwrap()).unwrap();
    let xfail = xfail
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_str().unwrap().to_string(), x["reason"].as_str().unwrap().to_string()))
        .collect();
    (cases, xfail)
}

fn main() {
    let args = Arguments::from_args();
    let (cases, xfail) = load();
    for id in xfail.keys() {
        assert!(cases.iter().any(|(c, _)| c == id), "xfail.json names {id}, which no vector has");
    }
    let trials = cases
        .into_iter()
        .map(|(id, case)| {
            let reason = xfail.get(&id).cloned();
            Trial::test(id, move || match (run(&case), reason) {
                (Ok(()), None) => Ok(()),
                (Err(e), None) => Err(Failed::from(e)),
                (Err(_), Some(_)) => Ok(()),
                (Ok(()), Some(reason)) => {
                    Err(Failed::from(format!("listed in xfail.json ({reason}) but passes: remove it")))
                }
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
