//! Error positions: the core counts UTF-8 bytes, JavaScript strings count UTF-16 code units.

/// The UTF-16 offset in `text` of byte offset `byte` (clamped to the text, rounded down to a character boundary).
pub fn utf16_offset(text: &str, byte: usize) -> usize {
    let mut end = byte.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).map_or(0, |s| s.encode_utf16().count())
}

#[cfg(test)]
mod tests {
    use super::utf16_offset;

    #[test]
    fn counts_utf16_units() {
        assert_eq!(utf16_offset("abc", 2), 2);
        // "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 units.
        assert_eq!(utf16_offset("é x", 3), 2);
        assert_eq!(utf16_offset("😀 x", 5), 3);
        assert_eq!(utf16_offset("😀", 2), 0);
        assert_eq!(utf16_offset("ab", 99), 2);
    }
}
