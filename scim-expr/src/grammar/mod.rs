//! The lexical productions shared by filters (RFC 7644 Figure 1) and PATCH paths (Figure 7): attrPath with its
//! URN prefix, compValue (JSON literals, numbers and strings), words and whitespace. Every function reports errors
//! with the byte offset where the problem starts.
//!
//! The parsers are hand-written recursive descent rather than parser combinators: each ABNF production is one
//! function documented with its rule, and the explicit cursor makes the error positions and the depth limit exact.

use std::borrow::Cow;
use std::fmt;

use crate::error::{Domain, Error, ErrorKind};
use crate::filter::display::write_json_string;
use crate::filter::AttrPath;

/// A position in the text being parsed.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    pub src: &'a str,
    pub pos: usize,
    pub domain: Domain,
}

/// Byte classes, looked up in [`CLASS`]: a byte may end a word, belong to an attribute name, belong to a URI.
const WS: u8 = 1;
const ENDS_WORD: u8 = 2;
const NAME: u8 = 4;
const URI: u8 = 8;
/// `:` and `.`, which split an attribute path.
const MARK: u8 = 16;

// Evaluated at compile time, where an index out of range would fail the build.
#[allow(clippy::indexing_slicing)]
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            class |= WS | ENDS_WORD;
        }
        if matches!(c, b'(' | b')' | b'[' | b']' | b'"') {
            class |= ENDS_WORD;
        }
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' {
            class |= NAME;
        }
        if c == b':' || c == b'.' {
            class |= MARK;
        }
        if c.is_ascii_alphanumeric()
            || matches!(c, b'-' | b'.' | b'_' | b'~' | b':' | b'/' | b'?' | b'#' | b'@' | b'!')
            || matches!(c, b'$' | b'&' | b'\'' | b'*' | b'+' | b',' | b';' | b'=' | b'%')
        {
            class |= URI;
        }
        t[b] = class;
        b += 1;
    }
    t
};

fn class(b: u8) -> u8 {
    CLASS.get(usize::from(b)).copied().unwrap_or(0)
}

/// Whitespace between tokens: SP, and the tab and line breaks clients put in pretty-printed `.search` bodies.
fn is_ws(b: u8) -> bool {
    class(b) & WS != 0
}

/// A byte that ends a word: whitespace or one of `( ) [ ] "`.
fn ends_word(b: u8) -> bool {
    class(b) & ENDS_WORD != 0
}

/// `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`, plus `$ref` (RFC 7643 §2.3.7).
pub(crate) fn is_attr_name(s: &str) -> bool {
    let b = s.as_bytes();
    (b.first().is_some_and(u8::is_ascii_alphabetic) && b.iter().all(|c| class(*c) & NAME != 0))
        || s.eq_ignore_ascii_case("$ref")
}

/// The characters of RFC 3986 that a schema URN uses, less the brackets and parentheses the filter grammar needs.
/// `URI = scheme ":" hier-part` (RFC 3986 §3) with `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`: a URI
/// holds a `:` after its scheme, so the prefix of `name:givenName` is no URI and the path is invalid, where taking
/// `name` for a schema would make the member `name` an extension object.
fn is_uri(s: &str) -> bool {
    has_scheme(s) && s.bytes().all(|c| class(c) & URI != 0)
}

/// Whether `s` starts with a URI's `scheme ":"`.
fn has_scheme(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(colon) = b.iter().position(|&c| c == b':') else { return false };
    let (scheme, _) = b.split_at(colon);
    scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
}

/// `[URI ":"] ATTRNAME *1subAttr` split into its parts, unchecked: the URI is everything before the last `:`, the
/// name runs to the first `.`.
pub(crate) fn split_attr_path(token: &str) -> (Option<&str>, &str, Option<&str>) {
    let (urn, rest) = match token.rfind(':') {
        Some(i) => (token.get(..i), token.get(i + 1..).unwrap_or("")),
        None => (None, token),
    };
    match rest.split_once('.') {
        Some((name, sub)) => (urn, name, Some(sub)),
        None => (urn, rest, None),
    }
}

/// An attribute path as written, borrowed from the text: `token` is the whole path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawPath<'a> {
    pub token: &'a str,
    pub urn: Option<&'a str>,
    pub name: &'a str,
    pub sub: Option<&'a str>,
}

impl RawPath<'_> {
    pub fn to_attr_path(self) -> AttrPath {
        AttrPath {
            urn: self.urn.map(str::to_string),
            name: self.name.to_string(),
            sub_attr: self.sub.map(str::to_string),
        }
    }
}

/// A compValue as parsed: strings borrow the text unless they hold escapes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Cow<'a, str>),
}

impl fmt::Display for Literal<'_> {
    /// As [`crate::CompValue`] prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) => write!(f, "{n}"),
            Literal::String(s) => write_json_string(f, s),
        }
    }
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

    #[inline(always)]
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

    /// Consumes `keyword` (ASCII, case-insensitive) if it is the whole word at the cursor.
    pub fn eat_keyword(&mut self, keyword: &str) -> bool {
        let bytes = self.src.as_bytes();
        let end = self.pos + keyword.len();
        let matches = bytes.get(self.pos..end).is_some_and(|w| w.eq_ignore_ascii_case(keyword.as_bytes()))
            && bytes.get(end).map_or(true, |b| ends_word(*b));
        if matches {
            self.pos = end;
        }
        matches
    }

    /// `attrPath = [URI ":"] ATTRNAME *1subAttr` with `subAttr = "." ATTRNAME`.
    ///
    /// The URI is everything before the last `:` (rfc-digest §1.2: neither ATTRNAME nor subAttr holds a `:`), so
    /// `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName` is the User schema's `name.givenName`.
    #[inline(always)]
    pub fn parse_attr_path(&mut self) -> Result<RawPath<'a>, Error> {
        match self.simple_attr_path() {
            Some(path) => Ok(path),
            None => self.parse_any_attr_path(),
        }
    }

    /// [`Cursor::parse_attr_path`] for every word.
    #[inline(never)]
    fn parse_any_attr_path(&mut self) -> Result<RawPath<'a>, Error> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        // The URI is everything before the last ':', the name runs to the first '.' after it. `all` gathers the
        // classes every byte has.
        let (mut end, mut colon, mut dot, mut all) = (start, None, None, URI);
        while let Some(&b) = bytes.get(end) {
            let c = class(b);
            if c & (ENDS_WORD | MARK) != 0 {
                if c & ENDS_WORD != 0 {
                    break;
                }
                match b {
                    b':' => (colon, dot) = (Some(end), None),
                    _ if dot.is_none() => dot = Some(end),
                    _ => {}
                }
            }
            all &= c;
            end += 1;
        }
        let token = &self.src[start..end];
        let name_at = colon.map_or(start, |c| c + 1);
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
        let urn = colon.map(|c| &self.src[start..c]);
        let (name, sub) = match dot {
            Some(d) => (&self.src[name_at..d], Some(&self.src[d + 1..end])),
            None => (&self.src[name_at..end], None),
        };
        // When every byte of the path is a URI character, so is every byte of its URI.
        let uri = |u: &str| match all & URI {
            0 => is_uri(u),
            _ => has_scheme(u),
        };
        let valid = urn.map_or(true, uri) && is_attr_name(name) && sub.map_or(true, is_attr_name);
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
        Ok(RawPath { token, urn, name, sub })
    }

    /// The common `ATTRNAME [subAttr]` with no URN, read in one pass; `None` (the cursor unmoved) for any other
    /// word, which the general reading above then takes, errors included.
    #[inline(always)]
    fn simple_attr_path(&mut self) -> Option<RawPath<'a>> {
        let (src, start) = (self.src, self.pos);
        let bytes = src.as_bytes();
        let name_run = |from: usize| {
            let mut i = from;
            while bytes.get(i).is_some_and(|b| class(*b) & NAME != 0) {
                i += 1;
            }
            i
        };
        if !bytes.get(start)?.is_ascii_alphabetic() {
            return None;
        }
        let name_end = name_run(start + 1);
        let (end, sub) = if bytes.get(name_end) == Some(&b'.') {
            let sub_at = name_end + 1;
            if !bytes.get(sub_at)?.is_ascii_alphabetic() {
                return None;
            }
            let end = name_run(sub_at + 1);
            (end, Some(&src[sub_at..end]))
        } else {
            (name_end, None)
        };
        if bytes.get(end).is_some_and(|b| !ends_word(*b)) {
            return None;
        }
        // Every byte up to `end` is ASCII.
        let (token, name) = (&src[start..end], &src[start..name_end]);
        self.pos = end;
        Some(RawPath { token, urn: None, name, sub })
    }

    /// The word at the cursor when it is two bytes long: compareOp and `pr` are.
    #[inline(always)]
    pub fn two_byte_word(&self) -> Option<[u8; 2]> {
        let bytes = self.src.as_bytes();
        let (&a, &b) = (bytes.get(self.pos)?, bytes.get(self.pos + 1)?);
        if ends_word(a) || ends_word(b) || bytes.get(self.pos + 2).is_some_and(|c| !ends_word(*c)) {
            return None;
        }
        Some([a, b])
    }

    /// Consumes `SP keyword SP`'s keyword (lower-case ASCII letters, matched ignoring case) and the whitespace
    /// before it if the keyword follows as a whole word, else leaves the cursor where it was.
    #[inline(always)]
    pub fn eat_spaced_keyword(&mut self, keyword: &[u8]) -> bool {
        let bytes = self.src.as_bytes();
        let mut at = self.pos;
        while bytes.get(at).is_some_and(|b| is_ws(*b)) {
            at += 1;
        }
        let end = at + keyword.len();
        // Folding with 0x20 is exact for letters: it pairs each with its other case only.
        let found = bytes.get(at..end).is_some_and(|w| w.iter().zip(keyword).all(|(b, k)| (b | 0x20) == *k))
            && bytes.get(end).map_or(true, |b| ends_word(*b));
        if found {
            self.pos = end;
        }
        found
    }

    pub fn unexpected_end(&self, expected: &str) -> Error {
        let at = self.src.len();
        self.error(ErrorKind::UnexpectedEnd, at, format!("the input ends at byte {at} where {expected} was expected"))
    }

    /// `compValue = false / null / true / number / string`, all as in JSON (RFC 7159). With `unquoted` (the
    /// `unquoted_values` tolerance), a bare word that is no JSON literal or number is a string; the second result
    /// says whether that happened.
    #[inline(always)]
    pub fn parse_comp_value(&mut self, unquoted: bool) -> Result<(Literal<'a>, bool), Error> {
        match self.peek() {
            Some(b'"') => Ok((Literal::String(self.parse_string()?), false)),
            _ => self.parse_other_value(unquoted),
        }
    }

    /// [`Cursor::parse_comp_value`] for anything but a string.
    #[inline(never)]
    fn parse_other_value(&mut self, unquoted: bool) -> Result<(Literal<'a>, bool), Error> {
        let start = self.pos;
        match self.peek() {
            None => Err(self.unexpected_end("a value (a JSON string, number, true, false or null)")),
            Some(b'"') => Ok((Literal::String(self.parse_string()?), false)),
            // `+1` and `.5` are numbers JSON does not allow: say so rather than call them bare words.
            Some(b'-' | b'+' | b'.' | b'0'..=b'9') => match self.parse_number() {
                Ok(n) => Ok((Literal::Number(n), false)),
                Err(_) if unquoted && !self.word().is_empty() => Ok(self.bare_word(start)),
                Err(e) => Err(e),
            },
            Some(_) => {
                let word = self.word();
                let value = match word {
                    "true" => Literal::Bool(true),
                    "false" => Literal::Bool(false),
                    "null" => Literal::Null,
                    _ if unquoted && !word.is_empty() => return Ok(self.bare_word(start)),
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

    /// The word at `start` as a string (`unquoted_values`).
    fn bare_word(&mut self, start: usize) -> (Literal<'a>, bool) {
        self.pos = start;
        let word = self.word();
        self.pos = start + word.len();
        (Literal::String(Cow::Borrowed(word)), true)
    }

    /// A JSON string (RFC 7159 §7): `"` then characters and escapes `\" \\ \/ \b \f \n \r \t \uXXXX` then `"`.
    /// Borrowed from the text unless it holds escapes.
    #[inline(always)]
    pub fn parse_string(&mut self) -> Result<Cow<'a, str>, Error> {
        match self.plain_string() {
            Some(s) => Ok(Cow::Borrowed(s)),
            None => self.parse_escaped_string(),
        }
    }

    /// The JSON string at the cursor, consumed, when it holds no escape (and is closed): its text between the
    /// quotes. `None`, the cursor unmoved, for anything else.
    #[inline(always)]
    pub fn plain_string(&mut self) -> Option<&'a str> {
        let (src, open) = (self.src, self.pos);
        if src.as_bytes().get(open) != Some(&b'"') {
            return None;
        }
        let end = string_special(src.as_bytes(), open + 1);
        if src.as_bytes().get(end) != Some(&b'"') {
            return None;
        }
        let s = src.get(open + 1..end)?;
        self.pos = end + 1;
        Some(s)
    }

    /// [`Cursor::parse_string`] for a string with escapes, or an error.
    #[inline(never)]
    fn parse_escaped_string(&mut self) -> Result<Cow<'a, str>, Error> {
        let open = self.pos;
        let src = self.src;
        let bytes = src.as_bytes();
        let mut out: Option<String> = None;
        let mut seg = open + 1;
        let mut i = seg;
        loop {
            i = string_special(bytes, i);
            let Some(&b) = bytes.get(i) else {
                return Err(self.error(
                    ErrorKind::UnterminatedString,
                    open,
                    format!("string starting at byte {open} has no closing quote"),
                ));
            };
            match b {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(match out {
                        None => Cow::Borrowed(&src[seg..i]),
                        Some(mut out) => {
                            out.push_str(&src[seg..i]);
                            Cow::Owned(out)
                        }
                    });
                }
                b'\\' => {
                    let out = out.get_or_insert_with(String::new);
                    out.push_str(&src[seg..i]);
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

/// The index of the first byte from `i` on that is `"`, `\` or a control character, else `bytes.len()`: the bytes a
/// JSON string's scan stops at, found eight at a time. In each word a byte is flagged when it equals `"` or `\`
/// or is below 0x20 (the classic has-zero-byte test); the lowest flag is exact, since a false one can only appear
/// above a true one.
fn string_special(bytes: &[u8], mut i: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const QUOTE: u64 = LO * b'"' as u64;
    const BACKSLASH: u64 = LO * b'\\' as u64;
    const SPACE: u64 = LO * 0x20;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
        let (q, b) = (w ^ QUOTE, w ^ BACKSLASH);
        let found = ((q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b) | (w.wrapping_sub(SPACE) & !w)) & HI;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    // The last bytes, in a word padded with a byte that is never flagged.
    let rest = bytes.get(i..).unwrap_or(&[]);
    let mut word = [b'a'; 8];
    if let Some(dst) = word.get_mut(..rest.len()) {
        dst.copy_from_slice(rest);
    }
    let w = u64::from_le_bytes(word);
    let (q, b) = (w ^ QUOTE, w ^ BACKSLASH);
    let found = ((q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b) | (w.wrapping_sub(SPACE) & !w)) & HI;
    if found != 0 {
        i + (found.trailing_zeros() / 8) as usize
    } else {
        bytes.len()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reading of an attribute path (the one-pass common case, the general one with its shortcut for URIs)
    /// agrees with the grammar read byte by byte, on every word over an alphabet of the bytes that matter.
    #[test]
    fn attr_paths_read_as_the_grammar_says() {
        // The grammar, read plainly: the word, its last ':', the first '.' after it, each part checked.
        fn plain(src: &str) -> Option<(Option<&str>, &str, Option<&str>, usize)> {
            let end = src.bytes().position(ends_word).unwrap_or(src.len());
            let token = &src[..end];
            let (urn, rest) = match token.rfind(':') {
                Some(i) => (Some(&token[..i]), &token[i + 1..]),
                None => (None, token),
            };
            let (name, sub) = match rest.find('.') {
                Some(d) => (&rest[..d], Some(&rest[d + 1..])),
                None => (rest, None),
            };
            let valid =
                !token.is_empty() && urn.map_or(true, is_uri) && is_attr_name(name) && sub.map_or(true, is_attr_name);
            valid.then_some((urn, name, sub, end))
        }
        let alphabet = ["a", "Z", "0", "-", "_", ":", ".", "$", "r", "e", "f", "{", "é", " ", "[", "~"];
        let (mut words, mut frontier) = (Vec::new(), vec![String::new()]);
        for _ in 0..5 {
            frontier = frontier.iter().flat_map(|w| alphabet.map(|c| format!("{w}{c}"))).collect();
            words.extend(frontier.iter().cloned());
        }
        words.extend(
            ["urn:ietf:params:scim:schemas:core:2.0:User:name.givenName", "$ref", "a.$ref", "x:$REF"].map(String::from),
        );
        for w in &words {
            let src = format!("{w} eq 1");
            let mut c = Cursor::new(&src, Domain::Filter);
            let got = match c.parse_attr_path() {
                Ok(p) => Some((p.urn, p.name, p.sub, c.pos)),
                Err(e) => {
                    assert_eq!(e.position(), Some(0), "{w:?}");
                    assert!(matches!(e.kind(), ErrorKind::InvalidAttrPath | ErrorKind::UnexpectedToken), "{w:?}");
                    None
                }
            };
            assert_eq!(got, plain(&src), "{w:?}");
        }
    }

    /// The word-at-a-time scan stops where a byte-at-a-time scan does, for every special byte at every offset
    /// among plain ASCII, multi-byte UTF-8 and bytes just above the control range.
    #[test]
    fn string_special_agrees_with_a_byte_scan() {
        let naive = |b: &[u8], i: usize| {
            (i..b.len()).find(|&j| matches!(b.get(j), Some(b'"' | b'\\' | 0..=0x1f))).unwrap_or(b.len())
        };
        for filler in ["a", "é", " ", "\u{7f}", "!", "#", "]", "\u{ff}"] {
            for len in 0..20 {
                for special in [None, Some(b'"'), Some(b'\\'), Some(0), Some(0x1f), Some(b'\n')] {
                    for at in 0..=len {
                        let mut b: Vec<u8> = filler.repeat(len).into_bytes();
                        if let Some(c) = special {
                            let at = at.min(b.len());
                            b.insert(at, c);
                        }
                        for start in 0..b.len().min(9) {
                            assert_eq!(string_special(&b, start), naive(&b, start), "{b:?} from {start}");
                        }
                    }
                }
            }
        }
    }
}
