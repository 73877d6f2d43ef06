//! Prints, for each workload filter, whether each Rust peer parses it and how many of the 1,000 users scim-filter
//! decides differently from us: the benches compare like with like only where the peers do the same work.

use scim_expr_benches::{scim_filter_agreement, scim_v2_parse, Workload, FILTER_CASES};

fn main() -> Result<(), String> {
    let w = Workload::load()?;
    println!("{:<26} {:>6} {:>9} {:>12} {:>22}", "filter", "ours", "scim_v2", "scim-filter", "scim-filter mismatches");
    for (case, text) in FILTER_CASES.iter().zip(&w.filters) {
        let a = scim_filter_agreement(text, &w.users).map_err(|e| format!("{case}: {e}"))?;
        let v2 = if scim_v2_parse(text).is_some() { "parses" } else { "ERROR" };
        let (sf, mism) = match a.mismatches {
            Some(m) => ("parses", m.to_string()),
            None => ("ERROR", "-".to_owned()),
        };
        println!("{case:<26} {:>6} {v2:>9} {sf:>12} {mism:>22}", a.ours);
    }
    Ok(())
}
