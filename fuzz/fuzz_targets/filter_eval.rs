//! Any filter on any document: evaluation never panics, and `not (f)` matches exactly where `f` does not.
//! Input: `[preset][filter]\0[document]`; the document is JSON text or bytes that generate a value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_expr::Filter;
use scim_expr_fuzz::{json_or_value, options, split_nul, split_preset};

fuzz_target!(|data: &[u8]| {
    let (quirks, rest) = split_preset(data);
    let (text, doc) = split_nul(rest);
    let Ok(text) = std::str::from_utf8(text) else { return };
    let options = options(quirks);
    let Ok(f) = Filter::parse_with(text, &options) else { return };
    let doc = json_or_value(doc);
    let hit = f.matches(&doc);
    // One level deeper and 6 bytes longer: refused only when `f` is at a limit.
    match Filter::parse_with(&format!("not ({text})"), &options) {
        Ok(not) => assert_eq!(not.matches(&doc), !hit, "{text:?} on {doc}"),
        Err(e) => assert!(matches!(e.code(), "filter.too_deep" | "filter.too_long"), "not ({text:?}): {}", e.code()),
    }
});
