//! Any bytes, as a filter under each preset: never a panic; an error has scimType invalidFilter, a `filter.*` code
//! and a position inside the input (0..=len), and its rendering does not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_expr::{Filter, ScimType};
use scim_expr_fuzz::{options, split_preset};

fuzz_target!(|data: &[u8]| {
    let (quirks, text) = split_preset(data);
    if let Err(e) = Filter::parse_bytes_with(text, &options(quirks)) {
        assert_eq!(e.scim_type(), ScimType::InvalidFilter, "{}", e.code());
        assert!(e.code().starts_with("filter."), "{}", e.code());
        let at = e.position().unwrap_or_else(|| panic!("{} has no position", e.code()));
        assert!(at <= text.len(), "{} at {at} of {} bytes", e.code(), text.len());
        if let Ok(s) = std::str::from_utf8(text) {
            let _ = e.render(s);
        }
    }
});
