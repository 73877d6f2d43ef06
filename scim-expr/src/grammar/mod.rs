//! The lexical productions shared by filters (RFC 7644 Figure 1) and PATCH paths (Figure 7): attrPath with its
//! URN prefix, compValue (JSON literals, numbers and strings), words and whitespace. Every function reports errors
//! with the byte offset where the problem starts.
//!
//! The parsers are hand-written recursive descent rather than parser combinators: each ABNF production is one
//! function documented with its rule, and the explicit cursor makes the error positions and the depth limit exact.

use crate::error::{Domain, Error, ErrorKind};
use crate::filter::{AttrPath, CompValue};

/// A position in the text being parsed.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    pub src: &'a str,
    pub pos: usize,
    pub domain: Domain,
}

/// Whitespace between tokens: SP, and the tab and line breaks clients put in pretty-printed `.search` bodies.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// A byte that ends a word: whitespace or one of `( ) [ ] "`.
fn ends_word(b: u8) -> bool {
    is_ws(b) || matches!(b, b'(' | b')' | b'[' | b']' | b'"')
}

/// `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`, plus `$ref` (RFC 7643 §2.3.7).
pub(crate) fn is_attr_name(s: &str) -> bool {
    let b = s.as_bytes();
    s.eq_ignore_ascii_case("$ref")
        || (b.first().is_some_and(u8::is_ascii_alphabetic)
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_'))
}

/// The characters of RFC 3986 that a schema URN uses, less the brackets and parentheses the filter grammar needs.
fn is_uri(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-._~:/?#@!$&'*+,;=%".contains(c))
}

impl<'a> Cursor<'a> {
    pub fn new(src: &'a str, domain: Domain) -> Cursor<'a> {
        Cursor { src, pos: 0, domain }
    }

    pub fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    pub fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    pub fn error(&self, kind: ErrorKind, at: usize, message: String) -> Error {
        Error::at(self.domain, kind, at, message)
    }

    /// What stands at `at`, for messages: `'x'`, `"word"` or `the end of the input`.
    pub fn describe(&self, at: usize) -> String {
        let rest = self.src.get(at..).unwrap_or("");
        match rest.chars().next() {
            None => "the end of the input".into(),
            Some(c) if c.is_ascii() && ends_word(c as u8) && c != ' ' => format!("'{c}'"),
            Some(_) => {
                let end = self.word_end(at);
                let word = &self.src[at..end.max(at + rest.chars().next().map_or(1, char::len_utf8))];
                let mut shown: String = word.chars().take(40).collect();
                if shown.len() < word.len() {
                    shown.push('…');
                }
                format!("\"{shown}\"")
            }
        }
    }

    /// The end of the word starting at `from`.
    pub fn word_end(&self, from: usize) -> usize {
        let bytes = self.src.as_bytes();
        let mut i = from;
        while bytes.get(i).is_some_and(|b| !ends_word(*b)) {
            i += 1;
        }
        i
    }

    /// The word at the cursor, without consuming it.
    pub fn word(&self) -> &'a str {
        let end = self.word_end(self.pos);
        &self.src[self.pos..end]
    }

    /// Consumes `keyword` (case-insensitive) if it is the whole word at the cursor.
    pub fn eat_keyword(&mut self, keyword: &str) -> bool {
        let w = self.word();
        if w.eq_ignore_ascii_case(keyword) {
            self.pos += w.len();
            true
        } else {
            false
        }
    }

    /// `attrPath = [URI ":"] ATTRNAME *1subAttr` with `subAttr = "." ATTRNAME`.
    ///
    /// The URI is everything before the last `:` (rfc-digest §1.2: neither ATTRNAME nor subAttr holds a `:`), so
    /// `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName` is the User schema's `name.givenName`.
    pub fn parse_attr_path(&mut self) -> Result<AttrPath, Error> {
        let start = self.pos;
        let end = self.word_end(start);
        let token = &self.src[start..end];
        if token.is_empty() {
            return Err(match self.peek() {
                None => self.unexpected_end("an attribute path"),
                Some(_) => self.error(
                    ErrorKind::UnexpectedToken,
                    start,
                    format!("expected an attribute path at byte {start}, found {}", self.describe(start)),
                ),
            });
        }
        let (urn, rest) = match token.rfind(':') {
            Some(i) => (Some(&token[..i]), &token[i + 1..]),
            None => (None, token),
        };
        let mut names = rest.split('.');
        let name = names.next().unwrap_or("");
        let sub_attr = names.next();
        let valid = urn.map_or(true, is_uri)
            && is_attr_name(name)
            && sub_attr.map_or(true, is_attr_name)
            && names.next().is_none();
        if !valid {
            return Err(self.error(
                ErrorKind::InvalidAttrPath,
                start,
                format!(
                    "\"{}\" at byte {start} is not an attribute path: expected [schema URN \":\"] name [\".\" \
                     sub-attribute], where a name starts with a letter and holds letters, digits, '-' and '_'",
                    shorten(token)
                ),
            ));
        }
        self.pos = end;
        Ok(AttrPath { urn: urn.map(str::to_string), name: name.to_string(), sub_attr: sub_attr.map(str::to_string) })
    }

    pub fn unexpected_end(&self, expected: &str) -> Error {
        let at = self.src.len();
        self.error(ErrorKind::UnexpectedEnd, at, format!("the input ends at byte {at} where {expected} was expected"))
    }

    /// `compValue = false / null / true / number / string`, all as in JSON (RFC 7159). With `unquoted` (the
    /// `unquoted_values` tolerance), a bare word that is no JSON literal or number is a string; the second result
    /// says whether that happened.
    pub fn parse_comp_value(&mut self, unquoted: bool) -> Result<(CompValue, bool), Error> {
        let start = self.pos;
        let word = self.word();
        let bare = |c: &mut Self| {
            c.pos = start + word.len();
            Ok((CompValue::String(word.to_string()), true))
        };
        match self.peek() {
            None => Err(self.unexpected_end("a value (a JSON string, number, true, false or null)")),
            Some(b'"') => Ok((CompValue::String(self.parse_string()?), false)),
            // `+1` and `.5` are numbers JSON does not allow: say so rather than call them bare words.
            Some(b'-' | b'+' | b'.' | b'0'..=b'9') => match self.parse_number() {
                Ok(n) => Ok((CompValue::Number(n), false)),
                Err(_) if unquoted && !word.is_empty() => bare(self),
                Err(e) => Err(e),
            },
            Some(_) => {
                let value = match word {
                    "true" => CompValue::Bool(true),
                    "false" => CompValue::Bool(false),
                    "null" => CompValue::Null,
                    _ if unquoted && !word.is_empty() => return bare(self),
                    _ => {
                        let hint = if ["true", "false", "null"].iter().any(|l| l.eq_ignore_ascii_case(word)) {
                            format!("; JSON literals are lower case: {}", word.to_ascii_lowercase())
                        } else if !word.is_empty() {
                            "; strings need double quotes".to_string()
                        } else {
                            String::new()
                        };
                        return Err(self.error(
                            ErrorKind::InvalidValue,
                            start,
                            format!(
                                "expected a value (a JSON string, number, true, false or null) at byte {start}, \
                                 found {}{hint}",
                                self.describe(start)
                            ),
                        ));
                    }
                };
                self.pos += word.len();
                Ok((value, false))
            }
        }
    }

    /// A JSON string (RFC 7159 §7): `"` then characters and escapes `\" \\ \/ \b \f \n \r \t \uXXXX` then `"`.
    pub fn parse_string(&mut self) -> Result<String, Error> {
        let open = self.pos;
        let bytes = self.src.as_bytes();
        let mut out = String::new();
        let mut seg = open + 1;
        let mut i = seg;
        loop {
            let Some(&b) = bytes.get(i) else {
                return Err(self.error(
                    ErrorKind::UnterminatedString,
                    open,
                    format!("string starting at byte {open} has no closing quote"),
                ));
            };
            match b {
                b'"' => {
                    out.push_str(&self.src[seg..i]);
                    self.pos = i + 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.src[seg..i]);
                    let (c, len) = self.parse_escape(i, open)?;
                    out.push(c);
                    i += len;
                    seg = i;
                }
                0x00..=0x1f => {
                    return Err(self.error(
                        ErrorKind::ControlCharacter,
                        i,
                        format!("control character U+{b:04X} at byte {i} must be escaped inside a string"),
                    ))
                }
                _ => i += 1,
            }
        }
    }

    /// One escape starting with the backslash at `at`: the character and the escape's length in bytes.
    fn parse_escape(&self, at: usize, open: usize) -> Result<(char, usize), Error> {
        let bytes = self.src.as_bytes();
        let invalid = |what: String| self.error(ErrorKind::InvalidEscape, at, what);
        let c = match bytes.get(at + 1) {
            None => {
                return Err(self.error(
                    ErrorKind::UnterminatedString,
                    open,
                    format!("string starting at byte {open} has no closing quote"),
                ))
            }
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let hi = self.hex4(at + 2).ok_or_else(|| {
                    invalid(format!("escape at byte {at} is not \\u followed by four hexadecimal digits"))
                })?;
                if (0xDC00..0xE000).contains(&hi) {
                    return Err(invalid(format!("escape at byte {at} is a lone low surrogate \\u{hi:04x}")));
                }
                if !(0xD800..0xDC00).contains(&hi) {
                    let c =
                        char::from_u32(hi).ok_or_else(|| invalid(format!("escape at byte {at} is not a character")))?;
                    return Ok((c, 6));
                }
                let lo = (bytes.get(at + 6) == Some(&b'\\') && bytes.get(at + 7) == Some(&b'u'))
                    .then(|| self.hex4(at + 8))
                    .flatten()
                    .filter(|lo| (0xDC00..0xE000).contains(lo))
                    .ok_or_else(|| {
                        invalid(format!(
                            "escape at byte {at} is a high surrogate \\u{hi:04x} not followed by a low surrogate escape"
                        ))
                    })?;
                let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                let c =
                    char::from_u32(code).ok_or_else(|| invalid(format!("escape at byte {at} is not a character")))?;
                return Ok((c, 12));
            }
            Some(_) => {
                let shown: String = self.src[at..].chars().take(2).collect();
                return Err(invalid(format!(
                    "\"{shown}\" at byte {at} is not a JSON escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"
                )));
            }
        };
        Ok((c, 2))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let s = self.src.get(at..at + 4)?;
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(s, 16).ok()
    }

    /// A JSON number (RFC 7159 §6): `[ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ("e"/"E") ["+"/"-"] 1*DIGIT ]`,
    /// finite.
    pub fn parse_number(&mut self) -> Result<serde_json::Number, Error> {
        let start = self.pos;
        let end = self.word_end(start);
        let token = &self.src[start..end];
        let invalid = |why: &str| {
            self.error(
                ErrorKind::InvalidNumber,
                start,
                format!("\"{}\" at byte {start} is not a JSON number: {why}", shorten(token)),
            )
        };
        let b = token.as_bytes();
        let mut i = usize::from(b.first() == Some(&b'-'));
        let int_digits = b.get(i..).unwrap_or(&[]).iter().take_while(|c| c.is_ascii_digit()).count();
        if int_digits == 0 {
            return Err(invalid("digits must follow the sign"));
        }
        if int_digits > 1 && b.get(i) == Some(&b'0') {
            return Err(invalid("no leading zeros"));
        }
        i += int_digits;
        let mut integral = true;
        if b.get(i) == Some(&b'.') {
            let n = b.get(i + 1..).unwrap_or(&[]).iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(invalid("a digit must follow the decimal point"));
            }
            i += 1 + n;
            integral = false;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let n = b.get(i..).unwrap_or(&[]).iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(invalid("the exponent needs digits"));
            }
            i += n;
            integral = false;
        }
        if i != b.len() {
            return Err(invalid("unexpected characters after the number"));
        }
        let number = if integral {
            token
                .parse::<i64>()
                .map(serde_json::Number::from)
                .or_else(|_| token.parse::<u64>().map(serde_json::Number::from))
                .ok()
        } else {
            None
        };
        let number = match number {
            Some(n) => n,
            None => token
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .ok_or_else(|| invalid("out of range"))?,
        };
        self.pos = end;
        Ok(number)
    }
}

/// A token cut to a length that reads well inside a message.
pub(crate) fn shorten(s: &str) -> String {
    let mut shown: String = s.chars().take(60).collect();
    if shown.len() < s.len() {
        shown.push('…');
    }
    shown
}
