//! Any request on any document: never a panic; a failure leaves the document byte-identical; a success leaves
//! at most one `"primary": true` per array and no two keys equal up to case.
//! Input: `[preset][request]\0[document]`; each part is JSON text, or bytes that generate a request or a value.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use scim_expr::Patch;
use scim_expr_fuzz::{check_invariants, json_or_value, normalise, options, request, split_nul, split_preset};

fuzz_target!(|data: &[u8]| {
    let (quirks, rest) = split_preset(data);
    let (req, doc) = split_nul(rest);
    let req = serde_json::from_slice(req).unwrap_or_else(|_| request(&mut Unstructured::new(req)).unwrap_or_default());
    let mut doc = json_or_value(doc);
    normalise(&mut doc);
    let Ok(patch) = Patch::parse_with(&req, &options(quirks)) else { return };
    let before = doc.to_string();
    match patch.apply(&mut doc) {
        Err(e) => assert_eq!(doc.to_string(), before, "{} left the document changed", e.code()),
        Ok(_) => {
            if let Err(broken) = check_invariants(&doc) {
                panic!("{broken}\nrequest {req}\ndocument {before}");
            }
        }
    }
});
