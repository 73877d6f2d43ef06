//! Identity-provider tolerances. Each one is a named field that says who sends the payload it accepts, which RFC
//! rule it bends, and what the payload looks like; presets switch on the set a provider needs.
//!
//! This release has the strict preset only: the RFC readings of `rfc-digest.md` §5, which already accept what every
//! mode accepts (case-insensitive `op`, `not(` and `not (`, keyword case, extra whitespace). The Entra, Okta and
//! lenient tolerances are the next milestone.

/// The set of tolerances in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct Quirks {}

impl Quirks {
    /// RFC 7644 as written, with the digest's readings of its ambiguities. Refuses everything a tolerance would
    /// accept, with the RFC error.
    pub const fn strict() -> Quirks {
        Quirks {}
    }

    /// The preset's name (`"strict"`).
    pub fn name(&self) -> &'static str {
        "strict"
    }

    /// The preset called `name` (`"strict"`), case-insensitively.
    pub fn preset(name: &str) -> Option<Quirks> {
        name.eq_ignore_ascii_case("strict").then(Quirks::strict)
    }
}
