//! Printing then parsing is the identity. The second byte chooses the input: even, the rest is filter text (when it
//! parses, its printed form parses back to the same AST and prints the same, with the length limit lifted: see
//! `unbounded_length`); odd, the rest drives an Arbitrary AST (its printed form parses to that AST, under no
//! schemas).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use scim_expr::filter::Expr;
use scim_expr::Filter;
use scim_expr_fuzz::{options, schemaless, split_preset, unbounded_length};

fuzz_target!(|data: &[u8]| {
    let (quirks, rest) = split_preset(data);
    let Some((&mode, rest)) = rest.split_first() else { return };
    if mode % 2 == 0 {
        let Ok(text) = std::str::from_utf8(rest) else { return };
        let options = options(quirks);
        let Ok(f) = Filter::parse_with(text, &options) else { return };
        let printed = f.to_string();
        let again = Filter::parse_with(&printed, &unbounded_length(options.clone()))
            .unwrap_or_else(|e| panic!("{printed:?}: {}", e.code()));
        assert_eq!(f.ast(), again.ast(), "{text:?} printed as {printed:?}");
        assert_eq!(again.to_string(), printed);
    } else {
        let Ok(ast) = Expr::arbitrary(&mut Unstructured::new(rest)) else { return };
        let printed = ast.to_string();
        let f =
            Filter::parse_with(&printed, &schemaless(quirks)).unwrap_or_else(|e| panic!("{printed:?}: {}", e.code()));
        assert_eq!(f.ast(), &ast, "{printed:?}");
        assert_eq!(f.to_string(), printed);
    }
});
