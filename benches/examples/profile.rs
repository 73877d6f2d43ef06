//! Runs one bench case many times, for a profiler: `valgrind --tool=callgrind target/release/examples/profile
//! patch/apply/group_add_member 20`. Cases: `filter/parse/<case>`, `filter/eval/<case>` (on every user),
//! `floor/eval/<case>` (the hand-written least of that filter, `EvalFloor`, on every user),
//! `patch/apply/<case>` with the bench's PATCH cases, incl. `group_entra_remove_100` and `group100k_*`;
//! `overlay/apply/<case>`: the same cases through `Patch::apply_to`, the document read in place as the host;
//! `document/apply/<case>`: through `Patch::apply_to` on a `Document` built once from the document;
//! `text/apply/<case>`: JSON text in, JSON text out (parse, `Patch::apply`, serialize), as the bindings' text paths.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;

use scim_expr::{Document, Filter, Options, Patch, Quirks};
use scim_expr_benches::{add_100, add_one, entra_remove_100, grow_group, remove_one_by_filter, EvalFloor, Workload};
use serde_json::Value;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(id), n) = (args.get(1), args.get(2).and_then(|n| n.parse::<usize>().ok()).unwrap_or(100)) else {
        panic!("usage: profile AREA/OP/CASE [ITERATIONS]");
    };
    let w = Workload::load().unwrap();
    let filter_text = |case: &str| w.filter(case).unwrap();
    if let Some(case) = id.strip_prefix("filter/parse/") {
        let text = filter_text(case);
        for _ in 0..n {
            black_box(Filter::parse(black_box(text)).unwrap());
        }
    } else if let Some(case) = id.strip_prefix("filter/eval/") {
        let f = Filter::parse(filter_text(case)).unwrap();
        for _ in 0..n {
            black_box(w.users.iter().filter(|u| f.matches(u)).count());
        }
    } else if let Some(case) = id.strip_prefix("floor/eval/") {
        let least = EvalFloor::of(case, filter_text(case)).unwrap();
        for _ in 0..n {
            black_box(w.users.iter().filter(|u| black_box(&least).decides(u)).count());
        }
    } else if let Some(case) = id.strip_prefix("document/eval/") {
        let f = Filter::parse(filter_text(case)).unwrap();
        let docs: Vec<Document> = w.users.iter().map(|u| Document::from_value(u).unwrap()).collect();
        for _ in 0..n {
            black_box(docs.iter().filter(|d| f.matches_node(&d.root()).unwrap()).count());
        }
    } else if let Some((how, case)) = ["patch/apply/", "overlay/apply/", "document/apply/", "text/apply/"]
        .into_iter()
        .find_map(|prefix| id.strip_prefix(prefix).map(|c| (prefix, c)))
    {
        let group = w.group().unwrap().clone();
        let (request, doc, quirks): (Value, Value, &str) = match case {
            "group_entra_remove_100" => (entra_remove_100(&group), group, "entra"),
            _ if case.starts_with("group100k_") => {
                let big = grow_group(&group, 100_000);
                let r = match case {
                    "group100k_add_member" => add_one(&big),
                    "group100k_remove_member" => remove_one_by_filter(&big),
                    "group100k_add_100" => add_100(&big),
                    "group100k_entra_remove_100" => entra_remove_100(&big),
                    _ => panic!("no case {case}"),
                };
                (r, big, if case.contains("entra") { "entra" } else { "strict" })
            }
            _ => {
                let pc = w.patch(case).unwrap();
                (pc.request.clone(), pc.doc.clone(), pc.quirks)
            }
        };
        let p = Patch::parse_with(&request, &Options::new().with_quirks(Quirks::preset(quirks).unwrap())).unwrap();
        let document = Document::from_value(&doc).unwrap();
        let text = serde_json::to_string(&doc).unwrap();
        for _ in 0..n {
            match how {
                "overlay/apply/" => drop(black_box(p.apply_to(black_box(&doc)).unwrap())),
                "document/apply/" => drop(black_box(p.apply_to(black_box(document.root())).unwrap())),
                "text/apply/" => {
                    let mut d: Value = serde_json::from_str(black_box(&text)).unwrap();
                    p.apply(&mut d).unwrap();
                    black_box(serde_json::to_string(&d).unwrap());
                }
                _ => {
                    let mut d = doc.clone();
                    p.apply(&mut d).unwrap();
                    black_box(d);
                }
            }
        }
    } else {
        panic!("no case {id}");
    }
}
