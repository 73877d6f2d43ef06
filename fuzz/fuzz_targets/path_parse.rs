//! Any text as a PATCH path under each preset: never a panic; an error has scimType invalidPath, a `path.*` code
//! and a position inside the input (0..=len); a path prints to text that parses back to an equal path and prints
//! the same (with the length limit lifted: see `unbounded_length`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_expr::{Path, ScimType};
use scim_expr_fuzz::{options, split_preset, unbounded_length};

fuzz_target!(|data: &[u8]| {
    let (quirks, rest) = split_preset(data);
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let options = options(quirks);
    match Path::parse_with(text, &options) {
        Ok(p) => {
            let printed = p.to_string();
            let again = Path::parse_with(&printed, &unbounded_length(options.clone()))
                .unwrap_or_else(|e| panic!("{printed:?}: {}", e.code()));
            assert_eq!(p, again, "{text:?} printed as {printed:?}");
            assert_eq!(again.to_string(), printed);
        }
        Err(e) => {
            assert_eq!(e.scim_type(), ScimType::InvalidPath, "{}", e.code());
            assert!(e.code().starts_with("path."), "{}", e.code());
            let at = e.position().unwrap_or_else(|| panic!("{} has no position", e.code()));
            assert!(at <= text.len(), "{} at {at} of {} bytes", e.code(), text.len());
            let _ = e.render(text);
        }
    }
});
