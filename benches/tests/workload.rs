//! The benches time what they claim to: every PATCH case succeeds and changes its document, the built requests
//! do what their names say, and the Rust peers parse every workload filter and decide the users as we do (but
//! where the table says they don't).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use scim_expr::{Options, Patch, Quirks};
use scim_expr_benches::{
    add_100, add_one, entra_remove_100, grow_group, member_values, remove_one_by_filter, scim_filter_agreement,
    scim_filter_parse, scim_v2_parse, synthetic_id, EvalFloor, Workload, FILTER_CASES,
};

fn apply(request: &serde_json::Value, quirks: &str, doc: &serde_json::Value) -> serde_json::Value {
    let p = Patch::parse_with(request, &Options::new().with_quirks(Quirks::preset(quirks).unwrap())).unwrap();
    let mut d = doc.clone();
    assert!(p.apply(&mut d).unwrap().changed());
    d
}

#[test]
fn every_workload_patch_applies_and_changes_its_document() {
    let w = Workload::load().unwrap();
    assert_eq!(w.users.len(), 1_000);
    for pc in &w.patches {
        apply(&pc.request, pc.quirks, &pc.doc);
    }
}

#[test]
fn built_group_requests_do_what_they_say() {
    let w = Workload::load().unwrap();
    let group = grow_group(w.group().unwrap(), 12_000);
    let n = member_values(&group).len();
    assert_eq!(n, 12_000);
    assert_eq!(member_values(&apply(&add_one(&group), "strict", &group)).len(), n + 1);
    assert_eq!(member_values(&apply(&add_100(&group), "strict", &group)).len(), n + 100);
    assert_eq!(member_values(&apply(&remove_one_by_filter(&group), "strict", &group)).len(), n - 1);
    let entra = entra_remove_100(&group);
    assert_eq!(member_values(&apply(&entra, "entra", &group)).len(), n - 100);
    // Strict mode refuses Entra's value list, so the bench needs the preset it names.
    let strict = Patch::parse(&entra).and_then(|p| p.apply(&mut group.clone()));
    assert!(strict.is_err());
}

#[test]
fn the_rust_peers_parse_every_filter_and_agree_but_where_the_table_says() {
    let w = Workload::load().unwrap();
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        assert!(scim_v2_parse(text).is_some(), "scim_v2 cannot parse {case}");
        assert!(scim_filter_parse(text).is_some(), "scim-filter cannot parse {case}");
        let a = scim_filter_agreement(text, &w.users).unwrap();
        // scim-filter drops the URN prefix and looks `department` up at the top level, so it matches nobody.
        let expected = if *case == "enterprise_or" { a.ours } else { 0 };
        assert_eq!(a.mismatches, Some(expected), "{case}: {a:?}");
    }
}

#[test]
fn synthetic_ids_are_distinct_uuid_shaped_and_spread() {
    let ids: Vec<String> = (0..50_000).map(synthetic_id).collect();
    let distinct: std::collections::BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(distinct.len(), ids.len());
    for id in &ids[..100] {
        let groups: Vec<&str> = id.split('-').collect();
        assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "{id}");
        assert!(groups[2].starts_with('4') && "89ab".contains(&groups[3][..1]), "{id}");
        assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{id}");
    }
    // Like the workload's random ids, consecutive ones differ from the first character on (mostly).
    let first_differs = ids.windows(2).filter(|w| w[0].as_bytes()[0] != w[1].as_bytes()[0]).count();
    assert!(first_differs * 10 > ids.len() * 8, "{first_differs} of {}", ids.len());
}

#[test]
fn each_eval_floor_decides_every_user_as_its_filter_does() {
    let w = Workload::load().unwrap();
    for case in EvalFloor::CASES {
        let text = w.filter(case).unwrap();
        let (f, least) = (scim_expr::Filter::parse(text).unwrap(), EvalFloor::of(case, text).unwrap());
        // `userName eq` matches none of the users (the bench times a miss); the others match some.
        let hits = w.users.iter().filter(|u| f.matches(u)).count();
        assert_eq!(hits == 0, case == "user_name_eq", "{case}: {hits} matches");
        for (i, user) in w.users.iter().enumerate() {
            assert_eq!(least.decides(user), f.matches(user), "{case}: user {i}");
        }
    }
    assert!(EvalFloor::of("or_chain_50", &w.filters[7]).is_none());
}
