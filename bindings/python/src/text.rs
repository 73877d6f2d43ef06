//! Text helpers that need no Python: byte offsets to code points, JSON text to values, nesting depth.

use scim_expr::Error;
use serde_json::Value;

/// The number of code points before byte `at` of `source` (the index Python's `str` uses). An offset inside a
/// character, or past an invalid byte, counts the characters wholly before it.
pub fn code_points(source: &[u8], at: usize) -> usize {
    let prefix = source.get(..at.min(source.len())).unwrap_or_default();
    let valid = match std::str::from_utf8(prefix) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(prefix.get(..e.valid_up_to()).unwrap_or_default()).unwrap_or_default(),
    };
    valid.chars().count()
}

/// Parses JSON text: bytes that are not UTF-8 are `document.invalid_utf8`, text that is not JSON
/// `document.invalid_json` (nesting past serde_json's 128 levels `document.too_deep`), each with the byte position.
pub fn parse_json(bytes: &[u8]) -> Result<Value, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::utf8_text(&e))?;
    serde_json::from_str(text).map_err(|e| Error::json_text(text, &e))
}

/// The deepest nesting of arrays and objects in `v` (a scalar is 0), counted with an explicit stack; stops
/// counting at `limit + 1`.
pub fn depth_exceeds(v: &Value, limit: usize) -> bool {
    let mut stack: Vec<(&Value, usize)> = vec![(v, 1)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(members) => Box::new(members.values()),
            _ => continue,
        };
        if depth > limit {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn code_points_count_characters_before_the_offset() {
        let s = "é\u{1F600}x".as_bytes();
        assert_eq!(code_points(s, 0), 0);
        assert_eq!(code_points(s, 2), 1);
        assert_eq!(code_points(s, 3), 1, "inside the emoji: only é is wholly before");
        assert_eq!(code_points(s, 6), 2);
        assert_eq!(code_points(s, 100), 3);
        assert_eq!(code_points(b"ab\xffcd", 4), 2);
    }

    #[test]
    fn json_errors_carry_byte_positions() {
        let e = parse_json(b"{\"a\": tru}").unwrap_err();
        assert_eq!((e.code(), e.position()), ("document.invalid_json", Some(9)));
        let e = parse_json(b"[1,\n 2,\n x]").unwrap_err();
        assert_eq!(e.position(), Some(9));
        let e = parse_json(b"[\"\xff\"]").unwrap_err();
        assert_eq!(
            (e.code(), e.position(), e.scim_type().as_str()),
            ("document.invalid_utf8", Some(2), "invalidSyntax")
        );
        let deep = "[".repeat(200);
        assert_eq!(parse_json(deep.as_bytes()).unwrap_err().code(), "document.too_deep");
        assert_eq!(parse_json(b"{}").unwrap(), serde_json::json!({}));
        assert_eq!(parse_json(b"[1, 2").unwrap_err().position(), Some(5));
    }

    #[test]
    fn depth_counts_containers() {
        let v = serde_json::json!({"a": [{"b": 1}]});
        assert!(!depth_exceeds(&v, 3));
        assert!(depth_exceeds(&v, 2));
        assert!(!depth_exceeds(&serde_json::json!(1), 0));
    }
}
