//! Property: printing any AST and parsing the text gives back the same AST, and the canonical form is stable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use arbitrary::{Arbitrary, Unstructured};
use scim_expr::filter::Expr;
use scim_expr::{Filter, Options, Schemas};

/// xorshift64*: a fixed, dependency-free byte source, so a failure reproduces from its seed.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

#[test]
fn print_then_parse_is_the_identity_for_generated_asts() {
    let options = Options::new().with_schemas(Schemas::empty());
    let mut shapes = [0usize; 6];
    for seed in 0..4000u64 {
        let data = bytes(seed, 64 + (seed as usize % 16) * 128);
        let ast = Expr::arbitrary(&mut Unstructured::new(&data)).unwrap();
        shapes[match &ast {
            Expr::Present(_) => 0,
            Expr::Compare { .. } => 1,
            Expr::Not(_) => 2,
            Expr::And(_) => 3,
            Expr::Or(_) => 4,
            Expr::ValuePath { .. } => 5,
        }] += 1;
        let text = ast.to_string();
        let parsed = Filter::parse_with(&text, &options)
            .unwrap_or_else(|e| panic!("seed {seed}: {text:?} does not parse: {}", e.render(&text)));
        assert_eq!(parsed.ast(), &ast, "seed {seed}: {text:?}");
        assert_eq!(parsed.to_string(), text, "seed {seed}: printing is not stable");
    }
    // The generator must reach every kind of node, or the property says little.
    assert!(shapes.iter().all(|&n| n > 100), "generator too narrow: {shapes:?}");
}

#[test]
fn reparsing_canonical_text_is_a_fixed_point() {
    for text in [
        r#"userName Eq "john" AND (title PR or NOT(emails[type eq "work" and not (value ew ".org")]))"#,
        r#"a pr or b pr and c pr"#,
        r#"((a pr or b pr)) and (c pr and d pr)"#,
        r#"x eq 1e2 or y lt -0.5 or z ne null or w eq "\u00e9\n\"""#,
    ] {
        let once = Filter::parse(text).unwrap().to_string();
        let twice = Filter::parse(&once).unwrap().to_string();
        assert_eq!(once, twice);
    }
}
