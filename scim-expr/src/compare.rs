//! Value comparison: strings by caseExact (Unicode case folding when not exact), dateTime as instants, numbers by
//! value. Nothing here allocates.

use std::cmp::Ordering;

/// A JSON number as evaluation compares it: integers exactly, everything else as `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer above `i64::MAX`.
    UInt(u64),
    /// A number with a fraction or exponent, or an integer beyond 64 bits.
    Float(f64),
}

impl Num {
    /// The comparable form of a serde_json number.
    pub fn from_json(n: &serde_json::Number) -> Num {
        if let Some(i) = n.as_i64() {
            Num::Int(i)
        } else if let Some(u) = n.as_u64() {
            Num::UInt(u)
        } else {
            Num::Float(n.as_f64().unwrap_or(f64::NAN))
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::UInt(u) => u as f64,
            Num::Float(f) => f,
        }
    }

    fn as_i128(self) -> Option<i128> {
        match self {
            Num::Int(i) => Some(i128::from(i)),
            Num::UInt(u) => Some(i128::from(u)),
            Num::Float(_) => None,
        }
    }

    /// Compares by value: `30` equals `30.0`. `None` when either is NaN. An integer and a double compare exactly
    /// (`18446744073709551615` is less than the double 2^64, which `u64::MAX as f64` would equal).
    pub fn compare(self, other: Num) -> Option<Ordering> {
        match (self, self.as_i128(), other, other.as_i128()) {
            (_, Some(a), _, Some(b)) => Some(a.cmp(&b)),
            (_, Some(a), Num::Float(f), None) => int_cmp_float(a, f),
            (Num::Float(f), None, _, Some(b)) => int_cmp_float(b, f).map(Ordering::reverse),
            _ => self.as_f64().partial_cmp(&other.as_f64()),
        }
    }
}

/// `a` (within 64 bits) against `f`, exactly: against `f`'s integer part, then its fraction. The cast saturates,
/// and `a` is never `i128::MIN` or `i128::MAX`, so doubles past the range (and infinities) order correctly.
fn int_cmp_float(a: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    let floor = f.floor();
    let whole = floor as i128;
    Some(a.cmp(&whole).then(if f > floor { Ordering::Less } else { Ordering::Equal }))
}

/// The case folding applied to one character when comparing case-insensitively: upper-casing then lower-casing
/// maps `ß` to `ss`, the final sigma to `σ`, the Kelvin sign to `k`, which is full case folding for practical text.
fn fold(c: char) -> impl DoubleEndedIterator<Item = char> {
    c.to_uppercase().flat_map(char::to_lowercase)
}

fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(fold)
}

/// A hash of `s` that strings equal under [`str_eq`] share, whether `exact` or not: it hashes the folded
/// characters, which exactly equal strings share too. For a set of strings looked up by either comparison, the
/// hash narrows the candidates and `str_eq` decides. Not keyed: strings chosen to collide cost a comparison each,
/// as testing them one by one would.
pub fn fold_hash(s: &str) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0;
    let mut feed = |c: u32| h = (h.rotate_left(5) ^ u64::from(c)).wrapping_mul(K);
    if s.is_ascii() {
        // An ASCII character folds to its lower case, which is what `folded` yields for it.
        s.bytes().for_each(|b| feed(u32::from(b.to_ascii_lowercase())));
    } else {
        folded(s).for_each(|c| feed(u32::from(c)));
    }
    h
}

/// `a` and `b` compare equal.
pub fn str_eq(a: &str, b: &str, exact: bool) -> bool {
    if exact {
        return a == b;
    }
    // Up to the first byte where the two differ beyond ASCII case, both fold alike (their bytes are the same, or
    // ASCII letters of the same case-insensitive value). If the strings end there together, they are equal; if
    // one ends, or both bytes there are ASCII, they are not (folding never yields nothing, and an ASCII byte
    // folds to itself or its lower case). Only a non-ASCII difference needs full folding: `ß` against `SS`.
    let (x, y) = (a.as_bytes(), b.as_bytes());
    // Identical bytes are equal ignoring case too: a common prefix (ids of one kind share long ones) is passed
    // over eight bytes at a time, the rest compared byte by byte.
    let same = if x.first() == y.first() { same_prefix(x, y) } else { 0 };
    let (xs, ys) = (x.get(same..).unwrap_or_default(), y.get(same..).unwrap_or_default());
    let differ =
        same + xs.iter().zip(ys).position(|(p, q)| !p.eq_ignore_ascii_case(q)).unwrap_or(xs.len().min(ys.len()));
    match (x.get(differ), y.get(differ)) {
        (None, None) => true,
        (Some(p), Some(q)) if !(p.is_ascii() && q.is_ascii()) => folded(a).eq(folded(b)),
        _ => false,
    }
}

/// String equality that compares the first eight bytes before calling `memcmp`: in a scan for one member among
/// many (ids of one length, which differ early), most comparisons end there.
#[inline]
pub(crate) fn same_str(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// [`same_str`] on bytes.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && head::<8>(a) == head::<8>(b) && a == b
}

/// How many leading bytes `x` and `y` share, counted in words of eight (a multiple of 8, at most the common
/// length).
#[cold]
fn same_prefix(x: &[u8], y: &[u8]) -> usize {
    let mut same = 0;
    while let (Some(p), Some(q)) = (x.get(same..).and_then(head::<8>), y.get(same..).and_then(head::<8>)) {
        if p != q {
            break;
        }
        same += 8;
    }
    same
}

/// The first `N` bytes of `b` as one value (compared as a machine word), `None` when it is shorter.
#[inline]
pub(crate) fn head<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
    b.get(..N).and_then(|h| h.try_into().ok())
}

/// The last `N` bytes of `b` as one value, `None` when it is shorter.
#[inline]
pub(crate) fn tail<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
    b.get(b.len().checked_sub(N)?..).and_then(|t| t.try_into().ok())
}

/// The order of `a` relative to `b`: code point by code point, after folding when not exact.
pub fn str_cmp(a: &str, b: &str, exact: bool) -> Ordering {
    if exact {
        a.cmp(b)
    } else {
        folded(a).cmp(folded(b))
    }
}

fn starts_with_folded(mut hay: impl Iterator<Item = char>, needle: impl Iterator<Item = char>) -> bool {
    for n in needle {
        if hay.next() != Some(n) {
            return false;
        }
    }
    true
}

/// `hay` starts with `needle`.
pub fn str_starts_with(hay: &str, needle: &str, exact: bool) -> bool {
    if exact {
        hay.starts_with(needle)
    } else if hay.is_ascii() && needle.is_ascii() {
        hay.as_bytes().get(..needle.len()).is_some_and(|h| h.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        starts_with_folded(folded(hay), folded(needle))
    }
}

/// `hay` ends with `needle`.
pub fn str_ends_with(hay: &str, needle: &str, exact: bool) -> bool {
    if exact {
        hay.ends_with(needle)
    } else if hay.is_ascii() && needle.is_ascii() {
        hay.len()
            .checked_sub(needle.len())
            .and_then(|at| hay.as_bytes().get(at..))
            .is_some_and(|h| h.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        starts_with_folded(
            hay.chars().rev().flat_map(|c| fold(c).rev()),
            needle.chars().rev().flat_map(|c| fold(c).rev()),
        )
    }
}

/// `hay` contains `needle`.
pub fn str_contains(hay: &str, needle: &str, exact: bool) -> bool {
    if exact {
        hay.contains(needle)
    } else if hay.is_ascii() && needle.is_ascii() {
        needle.is_empty() || hay.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        hay.char_indices().any(|(i, _)| starts_with_folded(folded(&hay[i..]), folded(needle))) || needle.is_empty()
    }
}

/// An instant: seconds since 1970-01-01T00:00:00Z and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    secs: i64,
    nanos: u32,
}

impl Instant {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub(crate) fn secs(self) -> i64 {
        self.secs
    }

    /// Nanoseconds within the second.
    pub(crate) fn nanos(self) -> u32 {
        self.nanos
    }
}

/// Parses an xsd:dateTime (RFC 7643 §2.3.5): `[-]YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm]`. A value without an
/// offset is taken as UTC. Fraction digits beyond nanoseconds are ignored.
pub fn parse_datetime(s: &str) -> Option<Instant> {
    let b = s.as_bytes();
    let mut p = 0;
    let negative = b.first() == Some(&b'-');
    if negative {
        p += 1;
    }
    let year_len = b.get(p..)?.iter().take_while(|c| c.is_ascii_digit()).count();
    if year_len < 4 || (year_len > 4 && b.get(p) == Some(&b'0')) || year_len > 9 {
        return None;
    }
    let year: i64 = digits(b, p, year_len)?;
    let year = if negative { -year } else { year };
    p += year_len;
    let month = field(b, &mut p, b'-', 2)?;
    let day = field(b, &mut p, b'-', 2)?;
    if !matches!(b.get(p), Some(b'T' | b't')) {
        return None;
    }
    let separator = b.get(p).copied()?;
    let hour = field(b, &mut p, separator, 2)?;
    let minute = field(b, &mut p, b':', 2)?;
    let second = field(b, &mut p, b':', 2)?;
    let mut nanos: u32 = 0;
    if b.get(p) == Some(&b'.') {
        p += 1;
        let n = b.get(p..)?.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for i in 0..9 {
            let d = if i < n { u32::from(b.get(p + i)? - b'0') } else { 0 };
            nanos = nanos * 10 + d;
        }
        p += n;
    }
    let offset_secs: i64 = match b.get(p) {
        None => 0,
        Some(b'Z' | b'z') => {
            p += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, p + 1, 2)?;
            if b.get(p + 3) != Some(&b':') {
                return None;
            }
            let om = digits(b, p + 4, 2)?;
            p += 6;
            if oh > 14 || om > 59 || (oh == 14 && om != 0) {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if sign == b'-' {
                -off
            } else {
                off
            }
        }
        Some(_) => return None,
    };
    if p != b.len() || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // xsd allows 24:00:00 as the end of the day.
    let end_of_day = hour == 24 && minute == 0 && second == 0 && nanos == 0;
    if (hour > 23 && !end_of_day) || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(Instant { secs, nanos })
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let slice = b.get(at..at + n)?;
    slice.iter().try_fold(0i64, |acc, c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

/// Reads `sep` then `n` digits.
fn field(b: &[u8], p: &mut usize, sep: u8, n: usize) -> Option<i64> {
    if b.get(*p) != Some(&sep) {
        return None;
    }
    let v = digits(b, *p + 1, n)?;
    *p += 1 + n;
    Some(v)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_folding() {
        assert!(str_eq("STRASSE", "straße", false));
        assert!(str_eq("ÉMILE", "émile", false));
        assert!(!str_eq("ÉMILE", "émile", true));
        assert!(str_eq("ΣΊΣΥΦΟΣ", "σίσυφος", false));
        assert!(str_eq("ΣΊΣΥΦΟΣ", "σίσυφοσ", false));
        assert!(str_contains("Grüße aus Köln", "KÖLN", false));
        assert!(str_starts_with("Émile Zola", "émile", false));
        assert!(str_ends_with("Émile Zola", "ZOLA", false));
        assert!(str_ends_with("Straße", "SSE", false));
        assert!(!str_ends_with("Zola", "émile", false));
        assert!(str_contains("abc", "", false) && str_contains("äbc", "", false));
        assert_eq!(str_cmp("Ryan", "n", false), Ordering::Greater);
        assert_eq!(str_cmp("Ryan", "n", true), Ordering::Less);
    }

    /// The byte-wise fast path of `str_eq` decides every pair as full folding does, including pairs where a
    /// non-ASCII character folds to ASCII (the Kelvin sign, long s, `ß`) or ends one string early.
    #[test]
    fn equal_strings_share_a_fold_hash() {
        let parts =
            ["", "a", "A", "k", "K", "\u{212A}", "s", "S", "\u{17F}", "ß", "ss", "SS", "é", "É", "σ", "ς", "Σ", "-"];
        let mut strings = Vec::new();
        for x in parts {
            for y in parts {
                strings.push(format!("{x}{y}"));
            }
        }
        let (mut hashes, mut forms) = (std::collections::HashSet::new(), std::collections::HashSet::new());
        for a in &strings {
            hashes.insert(fold_hash(a));
            forms.insert(folded(a).collect::<String>());
            for b in &strings {
                if str_eq(a, b, false) {
                    assert_eq!(fold_hash(a), fold_hash(b), "{a:?} vs {b:?}");
                }
            }
        }
        // Strings that fold apart hash apart here.
        assert_eq!(hashes.len(), forms.len());
        assert!(forms.len() > 40, "{}", forms.len());
    }

    #[test]
    fn str_eq_agrees_with_folding() {
        let parts = [
            "", "a", "A", "k", "K", "\u{212A}", "s", "S", "\u{17F}", "ß", "ss", "SS", "é", "É", "σ", "ς", "Σ", "-", "1",
        ];
        let mut strings = Vec::new();
        for x in parts {
            for y in parts {
                for z in ["", "X"] {
                    strings.push(format!("{x}{y}{z}"));
                }
            }
        }
        for a in &strings {
            for b in &strings {
                assert_eq!(str_eq(a, b, false), folded(a).eq(folded(b)), "{a:?} vs {b:?}");
            }
        }
        // After a common prefix of 7 to 17 bytes (passed over a word at a time), the same endings.
        let endings: Vec<&String> = strings.iter().step_by(7).collect();
        for prefix in ["b0000000", "b0000000-0000-40", "b0000000-0000-400", "b000000"] {
            for x in &endings {
                for y in &endings {
                    let (a, b) = (format!("{prefix}{x}"), format!("{prefix}{y}"));
                    assert_eq!(str_eq(&a, &b, false), folded(&a).eq(folded(&b)), "{a:?} vs {b:?}");
                    let upper = a.to_ascii_uppercase();
                    assert_eq!(str_eq(&upper, &b, false), folded(&upper).eq(folded(&b)), "{upper:?} vs {b:?}");
                }
            }
        }
    }

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(Num::Int(30).compare(Num::Float(30.0)), Some(Ordering::Equal));
        assert_eq!(Num::UInt(u64::MAX).compare(Num::Int(-1)), Some(Ordering::Greater));
        assert_eq!(Num::Float(f64::NAN).compare(Num::Int(1)), None);
        // Exactly, past 2^53 and at 2^64.
        let two_64 = 18_446_744_073_709_551_616.0;
        assert_eq!(Num::UInt(u64::MAX).compare(Num::Float(two_64)), Some(Ordering::Less));
        assert_eq!(Num::Float(two_64).compare(Num::UInt(u64::MAX)), Some(Ordering::Greater));
        assert_eq!(
            Num::Int(9_007_199_254_740_993).compare(Num::Float(9_007_199_254_740_992.0)),
            Some(Ordering::Greater)
        );
        assert_eq!(Num::Int(-3).compare(Num::Float(-2.5)), Some(Ordering::Less));
        assert_eq!(Num::Int(-2).compare(Num::Float(-2.5)), Some(Ordering::Greater));
        assert_eq!(Num::Int(2).compare(Num::Float(2.5)), Some(Ordering::Less));
        assert_eq!(Num::Int(i64::MAX).compare(Num::Float(f64::INFINITY)), Some(Ordering::Less));
        assert_eq!(Num::Int(i64::MIN).compare(Num::Float(-1e300)), Some(Ordering::Greater));
    }

    #[test]
    fn datetimes_are_instants() {
        let a = parse_datetime("2011-05-13T04:42:34Z").unwrap();
        assert_eq!(Some(a), parse_datetime("2011-05-13T06:42:34+02:00"));
        assert_eq!(Some(a), parse_datetime("2011-05-12T23:42:34-05:00"));
        assert_eq!(Some(a), parse_datetime("2011-05-13T04:42:34"));
        assert!(parse_datetime("2011-05-13T04:42:34.5Z").unwrap() > a);
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z").unwrap().secs, 0);
        assert_eq!(parse_datetime("2000-03-01T00:00:00Z").unwrap().secs, 951_868_800);
        assert_eq!(parse_datetime("2024-02-29T24:00:00Z"), parse_datetime("2024-03-01T00:00:00Z"));
        assert!(parse_datetime("2018-02-20T21:30:32.1234567Z").is_some());
        for bad in [
            "",
            "2011-05-13",
            "2011-5-13T04:42:34Z",
            "2011-02-29T00:00:00Z",
            "2011-05-13T04:42:34+2:00",
            "2011-05-13T25:00:00Z",
            "2011-05-13T04:42:34.Z",
            "2011-05-13T04:42:34Zjunk",
            "yesterday",
            "02011-05-13T04:42:34Z",
            "2011-05-13 04:42:34Z",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }
}
