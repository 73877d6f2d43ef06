//! Prints the medians of the last `cargo bench -p scim-expr-benches` run as Markdown tables, with the ratios to
//! the Rust peers and the goals of issue 8. Reads `target/criterion/**/new/{benchmark,estimates}.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scim_expr_benches::{scim_filter_agreement, Workload, FILTER_CASES, SIMPLE_FILTERS};
use serde_json::Value;

fn main() -> Result<(), String> {
    let dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t).join("criterion"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion"),
    };
    let mut medians = BTreeMap::new();
    collect(&dir, &mut medians)?;
    if medians.is_empty() {
        return Err(format!("no criterion results under {}: run `make bench` first", dir.display()));
    }
    let w = Workload::load()?;
    let m = |id: &str| medians.get(id).copied();

    println!("### Filters: parsing (ns, median)\n");
    println!("| filter | scim-expr | scim_v2 | ratio | scim-filter | ratio |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut sums = [0.0f64; 3];
    for case in FILTER_CASES {
        let ours = m(&format!("filter/parse/{case}"));
        let v2 = m(&format!("scim_v2/parse/{case}"));
        let sf = m(&format!("scim_filter/parse/{case}"));
        for (s, v) in sums.iter_mut().zip([ours, v2, sf]) {
            *s += v.unwrap_or(f64::NAN);
        }
        println!("| `{case}` | {} | {} | {} | {} | {} |", ns(ours), ns(v2), ratio(v2, ours), ns(sf), ratio(sf, ours));
    }
    let [o, v2, sf] = sums.map(Some);
    println!("| **all 8** | {} | {} | {} | {} | {} |", ns(o), ns(v2), ratio(v2, o), ns(sf), ratio(sf, o));
    println!("\nGoal: all 8 at least 10x faster than both: {}", verdict(min(ratio_of(v2, o), ratio_of(sf, o)) >= 10.0));

    println!("\n### Filters: evaluation (ns, median)\n");
    println!(
        "| filter | users matched | scim-expr, 1 User | scim-filter | ratio | the User as a `Document` | ratio | \
         scim-expr, 1,000 users | scim-filter | ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut simple_ok = true;
    let mut worst_ratio = f64::INFINITY;
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        let a = scim_filter_agreement(text, &w.users).map_err(|e| format!("{case}: {e}"))?;
        let ours = m(&format!("filter/eval/{case}"));
        let sf = m(&format!("scim_filter/eval/{case}"));
        let doc = m(&format!("document/eval/{case}"));
        let ours_all = m(&format!("filter/eval_1000/{case}"));
        let sf_all = m(&format!("scim_filter/eval_1000/{case}"));
        if SIMPLE_FILTERS.contains(case) {
            simple_ok &= ours.is_some_and(|t| t <= 150.0);
        }
        let note = match a.mismatches {
            Some(0) => String::new(),
            Some(k) => format!(" (scim-filter decides {k} users differently)"),
            None => " (scim-filter cannot parse it)".to_owned(),
        };
        if a.mismatches == Some(0) {
            worst_ratio = min(worst_ratio, ratio_of(sf, ours));
        }
        println!(
            "| `{case}`{note} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            a.ours,
            ns(ours),
            ns(sf),
            ratio(sf, ours),
            ns(doc),
            ratio(sf, doc),
            ns(ours_all),
            ns(sf_all),
            ratio(sf_all, ours_all)
        );
    }
    println!(
        "\nGoal: simple filters ({}) at most 150 ns on one User: {}",
        SIMPLE_FILTERS.join(", "),
        verdict(simple_ok)
    );
    println!(
        "Goal: at least 30x faster than scim-filter (filters it decides as we do): {}",
        verdict(worst_ratio >= 30.0)
    );
    for (case, what) in [
        ("user_name_eq", "one map lookup and a comparison ignoring case (`userName`)"),
        ("external_id_eq", "one map lookup and one string comparison (`externalId`)"),
        ("emails_value_path", "the lookups and comparisons of `emails[type eq … and value co …]`"),
    ] {
        if let (Some(floor), Some(sf)) = (m(&format!("floor/eval/{case}")), m(&format!("scim_filter/eval/{case}"))) {
            println!(
                "Floor `{case}`: {what} on the same serde_json User takes {}; 30x scim-filter would be {}: no \
                 evaluator on a `Value` gets past {}",
                ns(Some(floor)),
                ns(Some(sf / 30.0)),
                ratio(Some(sf), Some(floor))
            );
        }
    }

    println!("\n### PATCH (us, median; the document's clone is setup and not timed)\n");
    println!("| request | 10,000 members | goal | 100,000 members | growth (x10 members) |");
    println!("|---|---:|---:|---:|---:|");
    for (case, goal) in [("user_update", 5.0), ("user_nopath_replace", f64::NAN)] {
        let t = m(&format!("patch/apply/{case}"));
        println!("| `{case}` (one User) | {} | {} | | |", us(t), goal_cell(t, goal));
    }
    for (area, label, case, goal) in
        [("add_member", 100.0), ("remove_member", 300.0), ("add_100", 500.0), ("entra_remove_100", 500.0)]
            .into_iter()
            .flat_map(|(case, goal)| {
                [("patch/apply", "", case, goal), ("document/apply", " on a `Document`", case, goal)]
            })
    {
        let small = m(&format!("{area}/group_{case}"));
        let big = m(&format!("{area}/group100k_{case}"));
        let growth = ratio_of(big, small);
        let linear = if growth.is_nan() {
            ""
        } else if growth <= 11.0 {
            " (linear or better)"
        } else {
            " (WORSE than linear)"
        };
        println!(
            "| `group_{case}`{label} | {} | {} | {} | {growth:.1}x{linear} |",
            us(small),
            goal_cell(small, goal),
            us(big)
        );
    }
    if let (Some(floor), Some(ours)) = (m("floor/patch/group_scan_values"), m("patch/apply/group_add_member")) {
        println!(
            "\nFloor: reading every member's `value` of a fresh serde_json clone of the group through `Map::get` \
             and comparing it takes {} us; scim-expr's whole add 1 takes {} us",
            us(Some(floor)),
            us(Some(ours))
        );
    }

    println!("\n### Conversion and parsing a PATCH body (us, median)\n");
    println!("| what | User | Group, 10,000 members |");
    println!("|---|---:|---:|");
    for (what, label) in
        [("json_in", "JSON text to document"), ("json_out", "document to JSON text"), ("clone", "clone")]
            .into_iter()
            .chain([
                ("document_from_str", "JSON text to `Document`"),
                ("document_to_string", "`Document` to JSON text"),
            ])
    {
        println!(
            "| {label} | {} | {} |",
            us(m(&format!("convert/{what}/user"))),
            us(m(&format!("convert/{what}/group_10k")))
        );
    }
    for pc in &w.patches {
        println!("| `Patch::parse` of `{}` | {} | |", pc.name, us(m(&format!("patch/parse/{}", pc.name))));
    }
    Ok(())
}

/// Reads every `new/benchmark.json` + `new/estimates.json` pair under `dir`: full id -> median in ns.
fn collect(dir: &Path, out: &mut BTreeMap<String, f64>) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "new") {
                let read =
                    |f: &str| -> Option<Value> { serde_json::from_str(&std::fs::read_to_string(p.join(f)).ok()?).ok() };
                if let (Some(b), Some(est)) = (read("benchmark.json"), read("estimates.json")) {
                    if let (Some(id), Some(med)) = (
                        b.get("full_id").and_then(Value::as_str),
                        est.pointer("/median/point_estimate").and_then(Value::as_f64),
                    ) {
                        out.insert(id.to_owned(), med);
                    }
                }
            } else {
                collect(&p, out)?;
            }
        }
    }
    Ok(())
}

fn min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

fn ratio_of(peer: Option<f64>, ours: Option<f64>) -> f64 {
    match (peer, ours) {
        (Some(p), Some(o)) if o > 0.0 => p / o,
        _ => f64::NAN,
    }
}

fn ratio(peer: Option<f64>, ours: Option<f64>) -> String {
    let r = ratio_of(peer, ours);
    if r.is_nan() {
        "-".to_owned()
    } else {
        format!("{r:.0}x")
    }
}

fn ns(t: Option<f64>) -> String {
    match t {
        Some(t) if t.is_finite() && t >= 10_000.0 => format!("{:.0}", t),
        Some(t) if t.is_finite() => format!("{t:.1}"),
        _ => "-".to_owned(),
    }
}

fn us(t: Option<f64>) -> String {
    match t {
        Some(t) if t.is_finite() => format!("{:.2}", t / 1000.0),
        _ => "-".to_owned(),
    }
}

fn goal_cell(t: Option<f64>, goal_us: f64) -> String {
    if goal_us.is_nan() {
        return String::new();
    }
    match t {
        Some(t) => format!("<= {goal_us} {}", if t / 1000.0 <= goal_us { "ok" } else { "MISSED" }),
        None => format!("<= {goal_us}"),
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}
