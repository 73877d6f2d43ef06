//! Two findings of the second reading of `Document` (they failed before the fix): each states what a
//! `serde_json::Value` does and what the document therefore does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use scim_expr::Document;
use serde::Deserialize;
use serde_json::Value;

/// `Document: PartialEq` is derived, so it compares the buffers: the key order of the text, the string bytes of
/// repeated keys and the item offsets of dropped duplicate values. Two documents whose values are equal (`==` on
/// their `Value`s) must compare equal.
#[test]
fn documents_of_equal_values_compare_equal() {
    for (a, b) in [
        (r#"{"b": 1, "a": 2}"#, r#"{"a": 2, "b": 1}"#),
        (r#"{"a": [1], "a": [2]}"#, r#"{"a": [2]}"#),
        (r#"{"a": 1, "a": 1}"#, r#"{"a": 1}"#),
        (r#"[{"y": "q", "x": "p"}]"#, r#"[{"x": "p", "y": "q"}]"#),
    ] {
        let (va, vb): (Value, Value) = (serde_json::from_str(a).unwrap(), serde_json::from_str(b).unwrap());
        assert_eq!(va, vb);
        let (da, db) = (Document::from_json_str(a).unwrap(), Document::from_json_str(b).unwrap());
        assert_eq!(da.to_value(), db.to_value());
        assert!(da == db, "{a} and {b}: equal values, unequal documents");
        assert!(Document::from_value(&va).unwrap() == da, "{a}: from_value and from_json_str differ");
    }
}

/// `Document` deserializes "from any deserializer" (its rustdoc), but its visitor has no `visit_i128` /
/// `visit_u128`: a deserializer that hands over a 128-bit integer (serde's own `I128Deserializer`, formats with
/// 128-bit integers) fails ("invalid type: integer `0` as i128"), where `Value` takes every such integer that fits an
/// i64 or u64.
#[test]
fn a_document_deserializes_128_bit_integers_as_a_value_does() {
    type E = serde::de::value::Error;
    for i in [0i128, -1, 5, i128::from(i64::MIN), i128::from(u64::MAX)] {
        let want = Value::deserialize(serde::de::value::I128Deserializer::<E>::new(i)).unwrap();
        let got = Document::deserialize(serde::de::value::I128Deserializer::<E>::new(i));
        assert_eq!(got.map(|d| d.to_value()).map_err(|e| e.to_string()), Ok(want), "i128 {i}");
    }
    let want = Value::deserialize(serde::de::value::U128Deserializer::<E>::new(7)).unwrap();
    let got = Document::deserialize(serde::de::value::U128Deserializer::<E>::new(7));
    assert_eq!(got.map(|d| d.to_value()).map_err(|e| e.to_string()), Ok(want), "u128 7");
}
