//! The table that resolves an unqualified attribute name for every resource type with one hash lookup, built the
//! first time a filter or path needs it and rebuilt after the schemas change. Without it each name was a
//! case-insensitive scan of the common attributes and of every core schema.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use super::{Attribute, Schemas};
use crate::filter::parser::KnownPath;

/// How many resolved paths [`PathCache`] keeps; the paths found after it is full are resolved every time.
const PATHS_KEPT: usize = 64;
/// The longest path [`PathCache`] keeps.
const PATH_KEPT_LEN: usize = 256;

/// Attribute paths at the resource that filters compared, with what their comparisons need of the schemas
/// ([`KnownPath`]), so that a path is resolved once per `Schemas` rather than once per parse. Part of the lazily
/// built index, so every change of the schemas empties it; bounded by `PATHS_KEPT`.
///
/// A kept path never changes, so a lookup takes no lock (a lock's two atomic read-modify-writes were a tenth of
/// the parse of one comparison): a writer claims the next slot (`claimed`) and sets it once; a reader looks at
/// the slots claimed so far, skipping one not set yet. Two threads keeping the same path at once may both keep
/// it, which costs a slot and changes no lookup.
#[derive(Debug, Default)]
pub(crate) struct PathCache {
    claimed: AtomicUsize,
    /// `PATHS_KEPT` slots, allocated when the first path is kept.
    slots: OnceLock<Box<[OnceLock<Kept>]>>,
}

/// A kept path: its [`fold_hash`], the path in ASCII lower case, and what its comparisons need.
type Kept = (u64, Box<str>, KnownPath);

impl PathCache {
    /// The paths kept so far: (hash, path in ASCII lower case, what it needs).
    fn kept(&self) -> impl Iterator<Item = &Kept> {
        let claimed = self.claimed.load(Ordering::Acquire);
        let slots = if claimed == 0 { &[] } else { self.slots.get().map_or(&[][..], |s| &s[..]) };
        slots.iter().take(claimed).filter_map(OnceLock::get)
    }
}

impl Clone for PathCache {
    /// An empty cache: a copy resolves its paths anew.
    fn clone(&self) -> PathCache {
        PathCache::default()
    }
}

/// One unqualified name: the common attribute it names, else per resource type the core schema's attribute.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The name in ASCII lower case.
    key: Box<str>,
    common: Option<u32>,
    /// Per resource type: (schema index, attribute index).
    kinds: Box<[Option<(u32, u32)>]>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct NameIndex {
    /// Open addressing, linear probing: 0 is empty, else an index into `entries` plus one. At most half full.
    table: Box<[u32]>,
    entries: Vec<Entry>,
    paths: PathCache,
}

/// A hash of `s` that ignores ASCII case: every byte is folded with `| 0x20`, which maps upper to lower case
/// letters (and some punctuation onto other punctuation, which only costs a key comparison).
fn fold_hash(s: &str) -> u64 {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let b = s.as_bytes();
    let (mut h, mut at) = (b.len() as u64, 0);
    // Eight bytes at a time, the last word padded with zeros.
    while at < b.len() {
        h = (h.rotate_left(26) ^ (word_at(b, at) | FOLD)).wrapping_mul(K);
        at += 8;
    }
    h ^ (h >> 32)
}

/// `w` with its ASCII upper-case letters in lower case, eight bytes at once: a byte gets 0x20 added when its low
/// seven bits are at least `A` and below `[` and its top bit is clear.
fn lower_word(w: u64) -> u64 {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HI: u64 = 0x8080_8080_8080_8080;
    let heptets = w & LO7;
    let at_least_a = heptets + 0x3f3f_3f3f_3f3f_3f3f;
    let past_z = heptets + 0x2525_2525_2525_2525;
    let upper = at_least_a & !past_z & !w & HI;
    w | (upper >> 2)
}

/// Up to eight bytes of `b` from `at` as a little-endian word, zero-padded.
#[inline(always)]
fn word_at(b: &[u8], at: usize) -> u64 {
    let rest = b.get(at..).unwrap_or(&[]);
    match rest.get(..8) {
        Some(chunk) => u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default()),
        None => {
            let mut buf = [0u8; 8];
            if let Some(dst) = buf.get_mut(..rest.len()) {
                dst.copy_from_slice(rest);
            }
            u64::from_le_bytes(buf)
        }
    }
}

/// Whether `name` is `lower` (already in ASCII lower case) ignoring ASCII case, eight bytes at a time.
fn eq_lowered(lower: &str, name: &str) -> bool {
    let (l, n) = (lower.as_bytes(), name.as_bytes());
    if l.len() != n.len() {
        return false;
    }
    let mut at = 0;
    while at < n.len() {
        if lower_word(word_at(n, at)) != word_at(l, at) {
            return false;
        }
        at += 8;
    }
    true
}

/// `a.eq_ignore_ascii_case(b)`, eight bytes at a time.
pub(crate) fn eq_ignore_case(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let (mut ac, mut bc) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in ac.by_ref().zip(bc.by_ref()) {
        let (x, y) = (word_at(x, 0), word_at(y, 0));
        if x != y && lower_word(x) != lower_word(y) {
            return false;
        }
    }
    ac.remainder().eq_ignore_ascii_case(bc.remainder())
}

impl Attribute {
    /// [`Attribute::sub_attribute`], comparing names eight bytes at a time.
    pub(crate) fn sub_named(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes.iter().find(|a| eq_ignore_case(&a.name, name))
    }
}

impl NameIndex {
    fn build(s: &Schemas) -> NameIndex {
        let kinds = s.resource_types.len();
        let mut index = NameIndex::default();
        let find_or_add = |index: &mut NameIndex, name: &str| -> usize {
            match index.entries.iter().position(|e| e.key.eq_ignore_ascii_case(name)) {
                Some(i) => i,
                None => {
                    index.entries.push(Entry {
                        key: name.to_ascii_lowercase().into(),
                        common: None,
                        kinds: vec![None; kinds].into_boxed_slice(),
                    });
                    index.entries.len() - 1
                }
            }
        };
        // The first definition wins, as in a scan.
        for (i, a) in s.common.iter().enumerate() {
            let e = find_or_add(&mut index, &a.name);
            if let Some(entry) = index.entries.get_mut(e) {
                entry.common.get_or_insert(i as u32);
            }
        }
        for (k, rt) in s.resource_types.iter().enumerate() {
            let Some(si) = s.schemas.iter().position(|x| x.id.eq_ignore_ascii_case(&rt.schema)) else { continue };
            let Some(schema) = s.schemas.get(si) else { continue };
            for (ai, a) in schema.attributes.iter().enumerate() {
                let e = find_or_add(&mut index, &a.name);
                if let Some(slot) = index.entries.get_mut(e).and_then(|entry| entry.kinds.get_mut(k)) {
                    slot.get_or_insert((si as u32, ai as u32));
                }
            }
        }
        let size = (index.entries.len() * 2).next_power_of_two().max(8);
        let mut table = vec![0u32; size];
        let mask = size - 1;
        for (n, entry) in index.entries.iter().enumerate() {
            let mut i = fold_hash(&entry.key) as usize & mask;
            while let Some(slot) = table.get_mut(i) {
                if *slot == 0 {
                    *slot = n as u32 + 1;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        index.table = table.into_boxed_slice();
        index
    }

    fn get(&self, name: &str) -> Option<&Entry> {
        let mask = self.table.len().checked_sub(1)?;
        let mut i = fold_hash(name) as usize & mask;
        loop {
            let n = *self.table.get(i)?;
            let entry = self.entries.get(n.checked_sub(1)? as usize)?;
            if eq_lowered(&entry.key, name) {
                return Some(entry);
            }
            i = (i + 1) & mask;
        }
    }
}

/// The index as a lazily built, derived part of [`Schemas`]: it takes no part in equality or `Debug`.
#[derive(Clone, Default)]
pub(super) struct LazyIndex(OnceLock<NameIndex>);

impl PartialEq for LazyIndex {
    fn eq(&self, _: &LazyIndex) -> bool {
        true
    }
}

impl fmt::Debug for LazyIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LazyIndex")
    }
}

impl Schemas {
    /// What the table holds for the unqualified `name`; [`Schemas::in_slot`] reads it.
    pub(crate) fn name_entry(&self, name: &str) -> Option<&Entry> {
        self.index.0.get_or_init(|| NameIndex::build(self)).get(name)
    }

    /// What the cache holds for the path `token` (compared ignoring ASCII case).
    pub(crate) fn known_path(&self, token: &str) -> Option<KnownPath> {
        let index = self.index.0.get_or_init(|| NameIndex::build(self));
        let hash = fold_hash(token);
        index.paths.kept().find(|(h, key, _)| *h == hash && eq_lowered(key, token)).map(|(.., known)| known.clone())
    }

    /// Keeps what a comparison of `token` needs, while the cache has room.
    pub(crate) fn keep_path(&self, token: &str, known: KnownPath) {
        if token.len() > PATH_KEPT_LEN {
            return;
        }
        let index = self.index.0.get_or_init(|| NameIndex::build(self));
        let paths = &index.paths;
        let hash = fold_hash(token);
        if paths.claimed.load(Ordering::Relaxed) >= PATHS_KEPT
            || paths.kept().any(|(h, key, _)| *h == hash && eq_lowered(key, token))
        {
            return;
        }
        let slots = paths.slots.get_or_init(|| (0..PATHS_KEPT).map(|_| OnceLock::new()).collect());
        // Past the end when other threads took the last slots meanwhile: then there is no room.
        if let Some(slot) = slots.get(paths.claimed.fetch_add(1, Ordering::AcqRel)) {
            // Each claimed index is set by its claimer alone, so this is the first set.
            let _ = slot.set((hash, token.to_ascii_lowercase().into(), known));
        }
    }

    /// The common attribute a name (its [`Schemas::name_entry`]) means whatever the resource type, if any.
    pub(crate) fn common_of(&self, entry: Option<&Entry>) -> Option<&Attribute> {
        self.common.get(entry?.common? as usize)
    }

    /// The attribute a name (its [`Schemas::name_entry`]) means in resource type `kind` (`None`: type unknown).
    pub(crate) fn in_slot(&self, entry: Option<&Entry>, kind: Option<usize>) -> Option<&Attribute> {
        let entry = entry?;
        if let Some(i) = entry.common {
            return self.common.get(i as usize);
        }
        let (si, ai) = (*entry.kinds.get(kind?)?)?;
        self.schemas.get(si as usize)?.attributes.get(ai as usize)
    }

    /// The attribute an unqualified name means in resource type `kind` (`None`: type unknown, common attributes
    /// only).
    pub(crate) fn unqualified(&self, kind: Option<usize>, name: &str) -> Option<&Attribute> {
        self.in_slot(self.name_entry(name), kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{AttrType, Schema};

    /// The table agrees with the scan for every name of every schema, in every case, and for names it lacks.
    #[test]
    fn agrees_with_the_scan() {
        let mut schemas = Schemas::builtin();
        schemas.add_schema(Schema {
            id: "urn:example:2.0:Device".into(),
            name: "Device".into(),
            attributes: vec![
                Attribute::new("serialNumber", AttrType::String),
                Attribute::new("SERIALNUMBER", AttrType::Integer),
                Attribute::new("displayName", AttrType::Integer),
                Attribute::new("id", AttrType::Integer),
            ],
        });
        let mut names: Vec<String> = schemas.iter().flat_map(|s| s.attributes.iter().map(|a| a.name.clone())).collect();
        names.extend(["nope", "", "userNam", "userNamex", "$ref", "ID", "id"].map(String::from));
        for name in names.iter().flat_map(|n| [n.clone(), n.to_ascii_uppercase(), n.to_ascii_lowercase()]) {
            let entry = schemas.name_entry(&name);
            let all: Vec<_> =
                (0..=schemas.resource_types().len()).map(|slot| schemas.in_slot(entry, slot.checked_sub(1))).collect();
            assert_eq!(all.len(), schemas.resource_types().len() + 1);
            for (slot, got) in all.into_iter().enumerate() {
                let want = schemas.unqualified_scan(slot.checked_sub(1), &name);
                let one = schemas.unqualified(slot.checked_sub(1), &name);
                assert_eq!(one.map(|a| a as *const Attribute), want.map(|a| a as *const Attribute));
                assert_eq!(got.map(|a| a as *const Attribute), want.map(|a| a as *const Attribute), "{name} {slot}");
            }
        }
    }

    /// The word-at-a-time comparison agrees with `eq_ignore_ascii_case` for every byte against every byte, at
    /// every offset of names of several lengths.
    #[test]
    fn eq_lowered_agrees_with_eq_ignore_ascii_case() {
        for len in [1usize, 7, 8, 9, 16, 17] {
            for at in 0..len {
                for a in 0..=255u8 {
                    let lower = a.to_ascii_lowercase();
                    let base = "x".repeat(len);
                    let mut key = base.clone().into_bytes();
                    key[at] = lower;
                    for b in [a, lower, a.to_ascii_uppercase(), a ^ 0x20, a.wrapping_add(1), 0x80 | a] {
                        let mut name = base.clone().into_bytes();
                        name[at] = b;
                        let (Ok(key), Ok(name)) = (String::from_utf8(key.clone()), String::from_utf8(name)) else {
                            continue;
                        };
                        assert_eq!(eq_lowered(&key, &name), key.eq_ignore_ascii_case(&name), "{key:?} {name:?}");
                        let upper = key.to_ascii_uppercase();
                        assert_eq!(
                            eq_ignore_case(&upper, &name),
                            upper.eq_ignore_ascii_case(&name),
                            "{key:?} {name:?}"
                        );
                    }
                }
            }
        }
        for (a, b) in [("userName", "USERNAME"), ("lastModified", "lastmodified"), ("a", "b"), ("ab", "a"), ("", "")] {
            assert_eq!(eq_ignore_case(a, b), a.eq_ignore_ascii_case(b), "{a} {b}");
            assert_eq!(eq_ignore_case(b, a), a.eq_ignore_ascii_case(b), "{b} {a}");
        }
        assert!(!eq_lowered("username", "userNam"));
        assert!(eq_lowered("username", "USERNAME"));
    }

    #[test]
    fn rebuilt_after_a_change() {
        let mut schemas = Schemas::builtin();
        assert!(schemas.unqualified(Some(2), "serialNumber").is_none());
        schemas.add_schema(Schema {
            id: "urn:example:2.0:Device".into(),
            name: "Device".into(),
            attributes: vec![Attribute::new("serialNumber", AttrType::String)],
        });
        assert!(schemas.unqualified(Some(2), "SerialNumber").is_some());
    }
}
