//! Criterion benches of the core on the shared workload, side by side with the Rust peers.
//!
//! Ids read `area/op/case`: `filter/parse/<case>`, `filter/eval/<case>` (one User), `filter/eval_1000/<case>`
//! (the 1,000 users), `document/eval/<case>` (the one User as a `Document`), `patch/apply/<case>`,
//! `document/apply/<case>` (the group cases through `Patch::apply_to` on a `Document`),
//! `document/apply_to_string/group_add_member`, `convert/json_in/<doc>`, `convert/json_out/<doc>`,
//! `convert/document_from_str/<doc>`, `convert/document_to_string/<doc>`, `floor/<area>/<case>` (what a bare loop
//! over the same serde_json data costs); the peers' twins are `scim_v2/parse/<case>`, `scim_filter/parse/<case>`,
//! `scim_filter/eval/<case>` and `scim_filter/eval_1000/<case>`, for the filters the peer parses.
//! `src/bin/summary.rs` prints the medians with the ratios.
//!
//! PATCH timing excludes copying the document: each iteration applies the request to a fresh clone made in
//! criterion's `iter_batched` setup, which is not timed, and the patched document is dropped outside the timing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use scim_expr::{Document, Filter, Options, Patch, Quirks};
use scim_expr_benches::{
    add_100, add_one, entra_remove_100, grow_group, remove_one_by_filter, scim_filter_parse, scim_v2_parse, EvalFloor,
    Workload, FILTER_CASES,
};
use serde_json::Value;

fn workload() -> Workload {
    Workload::load().unwrap_or_else(|e| panic!("{e}"))
}

fn options(quirks: &str) -> Options {
    Options::new().with_quirks(Quirks::preset(quirks).unwrap_or_else(|| panic!("no quirks preset {quirks}")))
}

/// The User a filter is timed on alone: the first it matches (the path that reads and compares everything the
/// filter names), or the first user when it matches none.
fn bench_user<'w>(f: &Filter, users: &'w [Value]) -> &'w Value {
    users.iter().find(|u| f.matches(u)).unwrap_or(&users[0])
}

fn filter_parse(c: &mut Criterion) {
    let w = workload();
    let mut ours = c.benchmark_group("filter/parse");
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        Filter::parse(text).unwrap();
        ours.bench_function(*case, |b| b.iter(|| Filter::parse(black_box(text)).unwrap()));
    }
    ours.finish();
    let mut v2 = c.benchmark_group("scim_v2/parse");
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        if scim_v2_parse(text).is_some() {
            v2.bench_function(*case, |b| b.iter(|| scim_v2_parse(black_box(text)).unwrap()));
        }
    }
    v2.finish();
    let mut sf = c.benchmark_group("scim_filter/parse");
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        if scim_filter_parse(text).is_some() {
            sf.bench_function(*case, |b| b.iter(|| scim_filter_parse(black_box(text)).unwrap()));
        }
    }
    sf.finish();
}

fn filter_eval(c: &mut Criterion) {
    let w = workload();
    let mut one = c.benchmark_group("filter/eval");
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        let f = Filter::parse(text).unwrap();
        let user = bench_user(&f, &w.users);
        one.bench_function(*case, |b| b.iter(|| f.matches(black_box(user))));
    }
    one.finish();
    // The same filters on the same User held as a `Document` (a server keeping its resources as JSON text reads
    // them this way).
    let mut one = c.benchmark_group("document/eval");
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        let f = Filter::parse(text).unwrap();
        let user = bench_user(&f, &w.users);
        let doc = Document::from_value(user).unwrap();
        assert_eq!(f.matches_node(&doc.root()), Ok(f.matches(user)), "document/eval/{case} decides as filter/eval");
        one.bench_function(*case, |b| b.iter(|| f.matches_node(&black_box(&doc).root())));
    }
    one.finish();
    let mut all = c.benchmark_group("filter/eval_1000");
    all.throughput(Throughput::Elements(w.users.len() as u64));
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        let f = Filter::parse(text).unwrap();
        all.bench_function(*case, |b| b.iter(|| black_box(&w.users).iter().filter(|u| f.matches(u)).count()));
    }
    all.finish();

    // The least any evaluator does on the same serde_json User (`EvalFloor`), each checked to decide it as the
    // filter does. Not peers: the floors the eval goals are measured against.
    let mut floor = c.benchmark_group("floor/eval");
    for case in EvalFloor::CASES {
        let text = w.filter(case).unwrap();
        let (f, least) = (Filter::parse(text).unwrap(), EvalFloor::of(case, text).unwrap());
        let user = bench_user(&f, &w.users);
        assert_eq!(least.decides(user), f.matches(user), "floor/eval/{case} decides as the filter");
        floor.bench_function(case, |b| b.iter(|| black_box(&least).decides(black_box(user))));
    }
    floor.finish();

    let mut one = c.benchmark_group("scim_filter/eval");
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        let Some(peer) = scim_filter_parse(text) else { continue };
        // The same User ours is timed on, so that both take the same path through the document.
        let user = bench_user(&Filter::parse(text).unwrap(), &w.users);
        one.bench_function(*case, |b| b.iter(|| peer.r#match(black_box(user))));
    }
    one.finish();
    let mut all = c.benchmark_group("scim_filter/eval_1000");
    all.throughput(Throughput::Elements(w.users.len() as u64));
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        let Some(peer) = scim_filter_parse(text) else { continue };
        all.bench_function(*case, |b| {
            b.iter(|| black_box(&w.users).iter().filter(|u| peer.r#match(u).unwrap_or(false)).count())
        });
    }
    all.finish();
}

/// Times `request` applied to a fresh clone of `doc` (the clone is setup, not timed); the request must succeed.
fn bench_apply(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    case: &str,
    p: &Patch,
    doc: &Value,
    size: BatchSize,
) {
    g.bench_function(case, |b| {
        // Checked here, not before: criterion calls this only for the benches its filter selects.
        let mut probe = doc.clone();
        if let Err(e) = p.apply(&mut probe) {
            panic!("patch/apply/{case} fails, the bench would time an error path: {e}");
        }
        assert!(probe != *doc, "patch/apply/{case} changes nothing");
        b.iter_batched(
            || doc.clone(),
            |mut d| {
                p.apply(&mut d).unwrap();
                d
            },
            size,
        )
    });
}

fn patch_apply(c: &mut Criterion) {
    let w = workload();
    let mut g = c.benchmark_group("patch/apply");
    for case in ["user_update", "user_nopath_replace"] {
        let pc = w.patch(case).unwrap();
        let p = Patch::parse_with(&pc.request, &options(pc.quirks)).unwrap();
        bench_apply(&mut g, case, &p, &pc.doc, BatchSize::SmallInput);
    }
    g.finish();

    // Group documents are large: one clone per iteration, few samples, so that the untimed clones stay affordable.
    let group10k = w.group().unwrap().clone();
    let group100k = grow_group(&group10k, 100_000);
    let mut g = c.benchmark_group("patch/apply");
    g.sampling_mode(SamplingMode::Flat).sample_size(20).warm_up_time(Duration::from_millis(200));
    g.measurement_time(Duration::from_millis(500));
    for case in ["group_add_member", "group_remove_member", "group_add_100"] {
        let pc = w.patch(case).unwrap();
        let p = Patch::parse_with(&pc.request, &options(pc.quirks)).unwrap();
        bench_apply(&mut g, case, &p, &pc.doc, BatchSize::PerIteration);
    }
    let entra = Patch::parse_with(&entra_remove_100(&group10k), &options("entra")).unwrap();
    bench_apply(&mut g, "group_entra_remove_100", &entra, &group10k, BatchSize::PerIteration);

    g.sample_size(10).measurement_time(Duration::from_millis(300));
    for (case, request, quirks) in [
        ("group100k_add_member", add_one(&group100k), "strict"),
        ("group100k_remove_member", remove_one_by_filter(&group100k), "strict"),
        ("group100k_add_100", add_100(&group100k), "strict"),
        ("group100k_entra_remove_100", entra_remove_100(&group100k), "entra"),
    ] {
        let p = Patch::parse_with(&request, &options(quirks)).unwrap();
        bench_apply(&mut g, case, &p, &group100k, BatchSize::PerIteration);
    }
    g.finish();

    // What reading a serde_json group costs: every member's `value` read through `Map::get` from a fresh clone
    // (setup, untimed) and compared with the new member's, as add 1 must. Not a peer: it shows that the group
    // goals are bounded by reading 10,000 separately allocated maps, whatever the engine does.
    let fresh = add_one(&group10k)["Operations"][0]["value"][0]["value"].as_str().unwrap().to_string();
    let mut floor = c.benchmark_group("floor/patch");
    floor.sampling_mode(SamplingMode::Flat).sample_size(20).warm_up_time(Duration::from_millis(200));
    floor.measurement_time(Duration::from_millis(500));
    floor.bench_function("group_scan_values", |b| {
        b.iter_batched(
            || group10k.clone(),
            |d| {
                let members = d["members"].as_array().map_or(&[][..], Vec::as_slice);
                let hits = members.iter().filter(|m| m.get("value").and_then(Value::as_str) == Some(&fresh)).count();
                (black_box(hits), d)
            },
            BatchSize::PerIteration,
        )
    });
    floor.finish();

    document_apply(c, &w, &group10k, &group100k);

    // Parsing the request alone (a server parses each PATCH body once).
    let mut g = c.benchmark_group("patch/parse");
    for pc in &w.patches {
        let o = options(pc.quirks);
        g.bench_function(pc.name.as_str(), |b| b.iter(|| Patch::parse_with(black_box(&pc.request), &o).unwrap()));
    }
    g.finish();
}

/// Times `request` applied through `Patch::apply_to` to `doc` read in place (nothing to clone: a `Document` is
/// immutable); the result is dropped outside the timing, as `patch/apply` drops its document.
fn bench_document_apply(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    case: &str,
    p: &Patch,
    doc: &Document,
) {
    g.bench_function(case, |b| {
        let (_, outcome) = p.apply_to(doc.root()).unwrap_or_else(|e| panic!("document/apply/{case} fails: {e}"));
        assert!(outcome.changed(), "document/apply/{case} changes nothing");
        b.iter_batched(|| (), |()| p.apply_to(black_box(doc.root())).unwrap(), BatchSize::PerIteration)
    });
}

/// `document/apply/<case>`: the `patch/apply` group cases on a [`Document`] built from the group's JSON text;
/// `document/apply_to_string/group_add_member` also writes the result as JSON text (the server's text-to-text
/// path less parsing, which `convert/document_from_str` times).
fn document_apply(c: &mut Criterion, w: &Workload, group10k: &Value, group100k: &Value) {
    let doc10k = Document::from_value(group10k).unwrap();
    let doc100k = Document::from_value(group100k).unwrap();
    let mut g = c.benchmark_group("document/apply");
    g.sampling_mode(SamplingMode::Flat).sample_size(20).warm_up_time(Duration::from_millis(200));
    g.measurement_time(Duration::from_millis(500));
    for case in ["group_add_member", "group_remove_member", "group_add_100"] {
        let pc = w.patch(case).unwrap();
        assert_eq!(pc.doc, *group10k, "the group cases apply to the workload's group");
        let p = Patch::parse_with(&pc.request, &options(pc.quirks)).unwrap();
        bench_document_apply(&mut g, case, &p, &doc10k);
    }
    let entra = Patch::parse_with(&entra_remove_100(group10k), &options("entra")).unwrap();
    bench_document_apply(&mut g, "group_entra_remove_100", &entra, &doc10k);
    g.sample_size(10).measurement_time(Duration::from_millis(300));
    for (case, request, quirks) in [
        ("group100k_add_member", add_one(group100k), "strict"),
        ("group100k_remove_member", remove_one_by_filter(group100k), "strict"),
        ("group100k_add_100", add_100(group100k), "strict"),
        ("group100k_entra_remove_100", entra_remove_100(group100k), "entra"),
    ] {
        let p = Patch::parse_with(&request, &options(quirks)).unwrap();
        bench_document_apply(&mut g, case, &p, &doc100k);
    }
    g.finish();

    let mut g = c.benchmark_group("document/apply_to_string");
    g.sampling_mode(SamplingMode::Flat).sample_size(20).warm_up_time(Duration::from_millis(200));
    g.measurement_time(Duration::from_millis(500));
    let pc = w.patch("group_add_member").unwrap();
    let p = Patch::parse_with(&pc.request, &options(pc.quirks)).unwrap();
    g.bench_function("group_add_member", |b| {
        b.iter(|| serde_json::to_string(&p.apply_to(black_box(doc10k.root())).unwrap().0).unwrap())
    });
    g.finish();
}

/// JSON text in and out, the cost a server pays around the engine when it keeps resources as JSON text, and
/// what the bindings' `*_json` methods add; `convert/clone/<doc>` is the copy the PATCH benches leave out.
fn convert(c: &mut Criterion) {
    let w = workload();
    let user = w.patch("user_update").unwrap().doc.clone();
    let group = w.group().unwrap().clone();
    let mut g = c.benchmark_group("convert");
    for (name, doc) in [("user", &user), ("group_10k", &group)] {
        let text = serde_json::to_string(doc).unwrap();
        g.throughput(Throughput::Bytes(text.len() as u64));
        if name == "group_10k" {
            g.sample_size(20);
        }
        g.bench_function(format!("json_in/{name}"), |b| {
            b.iter(|| serde_json::from_str::<Value>(black_box(&text)).unwrap())
        });
        g.bench_function(format!("json_out/{name}"), |b| b.iter(|| serde_json::to_string(black_box(doc)).unwrap()));
        g.bench_function(format!("clone/{name}"), |b| b.iter(|| black_box(doc).clone()));
        g.bench_function(format!("document_from_str/{name}"), |b| {
            b.iter(|| Document::from_json_str(black_box(&text)).unwrap())
        });
        let document = Document::from_json_str(&text).unwrap();
        g.bench_function(format!("document_to_string/{name}"), |b| {
            b.iter(|| serde_json::to_string(black_box(&document)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, filter_parse, filter_eval, patch_apply, convert);
criterion_main!(benches);
