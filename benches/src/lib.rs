//! The shared benchmark workload (`workload.json`, also read by the Python and Node comparisons) and the requests
//! built from it, so that the criterion benches and the tests that check them use the same inputs.

// serde_json's `value["key"]` returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use std::collections::BTreeSet;

use serde_json::{json, Value};

/// `workload.json`, next to this crate's manifest.
pub const WORKLOAD_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/workload.json");

/// Bench case names of the workload's 8 filters, in its order.
pub const FILTER_CASES: [&str; 8] = [
    "user_name_eq",
    "external_id_eq",
    "emails_value_path",
    "family_name_and_not",
    "last_modified_gt",
    "enterprise_or",
    "user_type_and_emails_co",
    "or_chain_50",
];

/// The simple filters, for which evaluation on one User has a 150 ns budget.
pub const SIMPLE_FILTERS: [&str; 3] = ["user_name_eq", "external_id_eq", "last_modified_gt"];

/// The least any evaluator does to decide a filter on a serde_json User, written out by hand for three of the
/// workload's filters: not a peer, the floor the eval goals are measured against. Only the exact spelling of each
/// key is looked up, and `co` is searched case-sensitively, which is less work than the filter asks.
#[derive(Debug, Clone)]
pub enum EvalFloor {
    /// `userName eq "…"`: one map lookup and a comparison ignoring ASCII case.
    UserName(String),
    /// `externalId eq "…"` (caseExact): one map lookup and one string comparison.
    ExternalId(String),
    /// `emails[type eq "…" and value co "…"]`: one lookup of `emails` and, per email until one matches, a lookup
    /// of `type` compared ignoring ASCII case and a lookup of `value` searched for the text.
    WorkEmail { kind: String, text: String },
}

impl EvalFloor {
    /// The filter cases that have a floor.
    pub const CASES: [&'static str; 3] = ["user_name_eq", "external_id_eq", "emails_value_path"];

    /// The floor of filter case `case`, with the strings of its filter text `filter`.
    pub fn of(case: &str, filter: &str) -> Option<EvalFloor> {
        let quoted = |i: usize| filter.split('"').nth(2 * i + 1).map(str::to_owned);
        match case {
            "user_name_eq" => Some(EvalFloor::UserName(quoted(0)?)),
            "external_id_eq" => Some(EvalFloor::ExternalId(quoted(0)?)),
            "emails_value_path" => Some(EvalFloor::WorkEmail { kind: quoted(0)?, text: quoted(1)? }),
            _ => None,
        }
    }

    /// Whether `user` passes: the filter's answer, for the users of the workload.
    #[inline]
    pub fn decides(&self, user: &Value) -> bool {
        match self {
            EvalFloor::UserName(want) => {
                user.get("userName").and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case(want))
            }
            EvalFloor::ExternalId(want) => user.get("externalId").and_then(Value::as_str) == Some(want.as_str()),
            EvalFloor::WorkEmail { kind, text } => user.get("emails").and_then(Value::as_array).is_some_and(|emails| {
                emails.iter().any(|e| {
                    e.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case(kind))
                        && e.get("value").and_then(Value::as_str).is_some_and(|v| v.contains(text.as_str()))
                })
            }),
        }
    }
}

/// A PATCH body and the document it applies to.
#[derive(Debug, Clone)]
pub struct PatchCase {
    /// Bench case name (`patch/apply/<name>`).
    pub name: String,
    /// The PatchOp body.
    pub request: Value,
    /// The resource it applies to.
    pub doc: Value,
    /// The quirks preset to parse it with.
    pub quirks: &'static str,
}

/// The workload: filters, users, PATCH bodies.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The 8 filters, in `FILTER_CASES` order.
    pub filters: Vec<String>,
    /// 1,000 User resources.
    pub users: Vec<Value>,
    /// The workload's PATCH bodies with their documents, in file order.
    pub patches: Vec<PatchCase>,
}

impl Workload {
    /// Reads `workload.json`.
    pub fn load() -> Result<Workload, String> {
        let text = std::fs::read_to_string(WORKLOAD_PATH).map_err(|e| format!("{WORKLOAD_PATH}: {e}"))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{WORKLOAD_PATH}: {e}"))?;
        let filters: Vec<String> = v["filters"]
            .as_array()
            .ok_or("workload: no filters")?
            .iter()
            .map(|f| f.as_str().map(str::to_owned).ok_or("workload: a filter is not a string"))
            .collect::<Result<_, _>>()?;
        if filters.len() != FILTER_CASES.len() {
            return Err(format!("workload: {} filters, the benches name {}", filters.len(), FILTER_CASES.len()));
        }
        let users = v["users"].as_array().ok_or("workload: no users")?.clone();
        let patches = v["patches"]
            .as_object()
            .ok_or("workload: no patches")?
            .iter()
            .map(|(name, p)| PatchCase {
                name: name.clone(),
                request: p["request"].clone(),
                doc: p["doc"].clone(),
                // Entra's user update is parsed as Entra; the others are RFC requests, parsed strictly.
                quirks: if name == "user_update" { "entra" } else { "strict" },
            })
            .collect();
        Ok(Workload { filters, users, patches })
    }

    /// The text of the filter case called `case` (one of [`FILTER_CASES`]).
    pub fn filter(&self, case: &str) -> Result<&str, String> {
        FILTER_CASES
            .iter()
            .position(|c| *c == case)
            .and_then(|i| self.filters.get(i))
            .map(String::as_str)
            .ok_or_else(|| format!("workload: no filter {case}"))
    }

    /// The PATCH case called `name`.
    pub fn patch(&self, name: &str) -> Result<&PatchCase, String> {
        self.patches.iter().find(|p| p.name == name).ok_or_else(|| format!("workload: no patch {name}"))
    }

    /// The 10,000-member group the workload's group requests apply to.
    pub fn group(&self) -> Result<&Value, String> {
        Ok(&self.patch("group_add_member")?.doc)
    }
}

/// The `value`s of a group's members.
pub fn member_values(group: &Value) -> Vec<&str> {
    group["members"].as_array().map_or_else(Vec::new, |m| m.iter().filter_map(|m| m["value"].as_str()).collect())
}

/// A deterministic, random-looking id in the layout of a version 4 UUID, distinct for distinct `i`: like the
/// workload's member ids (and the object ids identity providers send), two of them usually differ in their first
/// character, so a larger group built from them costs per member what the workload's own members cost.
pub fn synthetic_id(i: u64) -> String {
    // splitmix64's finalizer is a bijection of u64: all 64 bits of `a` are written out, so distinct `i` give
    // distinct ids.
    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let (a, b) = (mix(i), mix(!i));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:04x}{:08x}",
        a >> 32,
        (a >> 16) & 0xffff,
        b & 0xfff,
        8 + ((b >> 12) & 3),
        (b >> 14) & 0xfff,
        a & 0xffff,
        b >> 32
    )
}

/// `group` with members appended (shaped like the workload's) until it has `n`; their ids are new to it.
pub fn grow_group(group: &Value, n: usize) -> Value {
    let mut g = group.clone();
    let present: BTreeSet<String> = member_values(group).into_iter().map(str::to_string).collect();
    if let Some(members) = g["members"].as_array_mut() {
        let mut i = 0u64;
        while members.len() < n {
            let id = synthetic_id(i);
            i += 1;
            if present.contains(&id) {
                continue;
            }
            members.push(json!({
                "value": id,
                "display": format!("member {}", members.len()),
                "$ref": "https://example.com/v2/Users/x",
                "type": "User"
            }));
        }
    }
    g
}

/// A PatchOp body.
pub fn patch_op(operations: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
}

/// Add one member that is not in `group` (the workload's `group_add_member` for the 10,000-member group).
pub fn add_one(group: &Value) -> Value {
    patch_op(json!([{"op": "add", "path": "members", "value": [{"value": fresh_ids(group, 1)[0]}]}]))
}

/// Add 100 members that are not in `group`.
pub fn add_100(group: &Value) -> Value {
    let values: Vec<Value> = fresh_ids(group, 100).into_iter().map(|v| json!({"value": v})).collect();
    patch_op(json!([{"op": "add", "path": "members", "value": values}]))
}

/// Remove the member in the middle of `group` by filter, as the workload's `group_remove_member`.
pub fn remove_one_by_filter(group: &Value) -> Value {
    let values = member_values(group);
    let target = values.get(values.len() / 2).copied().unwrap_or_default();
    patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{target}\"]")}]))
}

/// Entra's removal of 100 members by value list (`{"op": "Remove", "path": "members", "value": [...]}`), which
/// the RFC does not define and Entra sends; needs the `entra` quirks. The members are spread over the group.
pub fn entra_remove_100(group: &Value) -> Value {
    let values = member_values(group);
    let step = (values.len() / 100).max(1);
    let picked: Vec<Value> = values.iter().step_by(step).take(100).map(|v| json!({"value": v})).collect();
    patch_op(json!([{"op": "Remove", "path": "members", "value": picked}]))
}

fn fresh_ids(group: &Value, k: usize) -> Vec<String> {
    let present: BTreeSet<&str> = member_values(group).into_iter().collect();
    (1_000_000u64..).map(synthetic_id).filter(|id| !present.contains(id.as_str())).take(k).collect()
}

/// How many of `users` each of our filters matches, and how many users a peer's filter decides differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// Users our filter matches.
    pub ours: usize,
    /// Users the peer decides differently (matches where we don't, or the reverse, or fails to evaluate);
    /// `None` when the peer cannot parse the filter.
    pub mismatches: Option<usize>,
}

/// Compares scim-filter's matches with ours on `users` for one filter.
pub fn scim_filter_agreement(text: &str, users: &[Value]) -> Result<Agreement, scim_expr::Error> {
    let ours = scim_expr::Filter::parse(text)?;
    let our_hits: Vec<bool> = users.iter().map(|u| ours.matches(u)).collect();
    let count = our_hits.iter().filter(|h| **h).count();
    let mismatches = scim_filter_parse(text)
        .map(|peer| users.iter().zip(&our_hits).filter(|(u, hit)| peer.r#match(u).ok() != Some(**hit)).count());
    Ok(Agreement { ours: count, mismatches })
}

/// scim-filter's parse of a whole filter, as its own `scim_filter` does it (the crate keeps that function private
/// and exports the nom combinator): the `filter` production, then nothing left over.
pub fn scim_filter_parse(text: &str) -> Option<scim_filter::parser::Filter<'_>> {
    match scim_filter::parser::filter(text) {
        Ok(("", f)) => Some(f),
        _ => None,
    }
}

/// scim_v2's parse of a filter (`str::parse`, which is how its documentation parses filters).
pub fn scim_v2_parse(text: &str) -> Option<scim_v2::filter::Filter> {
    text.parse().ok()
}
