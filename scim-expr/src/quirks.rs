//! Identity-provider tolerances. Each is one named field below that says who sends the payload it accepts, which
//! RFC rule it bends, and what the payload looks like (ids such as E3 are those of `idp-quirks.md`). Presets switch
//! on the set a provider needs; a server starts from one and switches single tolerances on or off.
//!
//! Every mode, strict included, accepts the RFC readings of `rfc-digest.md` §5: `op` in any case, `not(` and
//! `not (`, keyword case, extra whitespace, and a complex attribute without a sub-attribute comparing its `value`.

use crate::error::{Domain, Error, ErrorKind};

macro_rules! quirks {
    ($( $(#[doc = $doc:literal])* $name:ident: entra = $entra:literal, lenient = $lenient:literal; )*) => {
        /// The set of tolerances in force. Presets: [`Quirks::strict`], [`Quirks::entra`], [`Quirks::okta`],
        /// [`Quirks::lenient`]; single tolerances are public fields, or switched by name with [`Quirks::set`].
        ///
        /// ```
        /// use scim_expr::Quirks;
        /// let mut q = Quirks::entra();
        /// q.remove_value_list = false;                 // by field
        /// q.set("unquoted_values", true)?;             // or by name, as the bindings do
        /// assert_eq!(q.get("boolean_strings"), Some(true));
        /// assert!(q.enabled().contains(&"unquoted_values"));
        /// # Ok::<(), scim_expr::Error>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub struct Quirks {
            $( $(#[doc = $doc])* pub $name: bool, )*
        }

        impl Quirks {
            /// The name of every tolerance, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];

            /// RFC 7644 as written, with the readings of rfc-digest §5. Refuses everything a tolerance would
            /// accept, with the RFC error.
            pub const fn strict() -> Quirks {
                Quirks { $($name: false,)* }
            }

            /// What Microsoft Entra ID's provisioning service sends (idp-quirks §1, §9).
            pub const fn entra() -> Quirks {
                Quirks { $($name: $entra,)* }
            }

            /// Everything `entra` accepts, plus unquoted filter values and legacy `<URN>.<attr>` paths.
            pub const fn lenient() -> Quirks {
                Quirks { $($name: $lenient,)* }
            }

            /// Whether the tolerance `name` is on; `None` for an unknown name.
            pub fn get(&self, name: &str) -> Option<bool> {
                match name {
                    $(stringify!($name) => Some(self.$name),)*
                    _ => None,
                }
            }

            /// Switches the tolerance `name` on or off.
            pub fn set(&mut self, name: &str, on: bool) -> Result<(), Error> {
                match name {
                    $(stringify!($name) => self.$name = on,)*
                    _ => return Err(Error::new(
                        Domain::Schema,
                        ErrorKind::UnknownQuirk,
                        None,
                        format!("no tolerance named \"{name}\"; known: {}", Quirks::NAMES.join(", ")),
                    )),
                }
                Ok(())
            }

            pub(crate) const fn index(q: Quirk) -> u32 {
                q as u32
            }
        }

        /// A tolerance, for recording which ones took effect.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(non_camel_case_types)]
        pub(crate) enum Quirk {
            $($name,)*
        }
    };
}

quirks! {
    /// Entra sends booleans as strings: `{"op":"Replace","path":"active","value":"False"}` (E3),
    /// `emails[type eq "work"].primary` with `"true"` (E3b), and filters `roles[primary eq "True"]` (E3c). With this
    /// on, `"True"`/`"False"` in any case count as booleans for boolean-typed attributes; other strings stay errors.
    /// Bends RFC 7643 §2.3.2 (booleans are JSON `true`/`false`).
    boolean_strings: entra = true, lenient = true;
    /// Entra sets the manager with a bare id: `{"op":"Add","path":"urn:…:enterprise:2.0:User:manager","value":"<id>"}`
    /// (E4). With this on, a string for a single-valued complex attribute becomes `{"value": s}`, and replace drops
    /// the old sub-attributes. Bends RFC 7643 §2.3.8 (a complex value is an object).
    string_to_complex: entra = true, lenient = true;
    /// Bare strings for the values of a multi-valued complex attribute (`"members": ["<id>"]`) become
    /// `{"value": s}`. Seen from hand-written integrations, not from a documented provider.
    strings_to_complex_values: entra = false, lenient = true;
    /// Entra's tutorial "Example 5" adds the manager as a one-element array
    /// `{"op":"Add","path":"manager","value":[{"$ref":"…","value":"<id>"}]}` (E4c). With this on, a one-element array
    /// for a single-valued complex attribute is its element.
    single_element_array: entra = true, lenient = true;
    /// Entra (and its SCIM Validator) clears attributes with an empty string:
    /// `{"op":"replace","path":"…:manager","value":""}` (E4b, E6). With this on, `""` removes the attribute. RFC
    /// 7643 §2.5 makes only null and `[]` unassigned.
    empty_string_clears: entra = true, lenient = true;
    /// Entra with the `aadOptscim062020` flag keys pathless values by path:
    /// `{"op":"replace","value":{"name.givenName":"Kkom","urn:…:enterprise:2.0:User:employeeNumber":"Aklq"}}` (E8).
    /// With this on, such keys are read as paths (split at the last `:`, never at the `.` of `2.0`). RFC 7644
    /// §3.5.2 makes the keys attribute names.
    path_keys: entra = true, lenient = true;
    /// Entra adds or replaces through a filter that matches nothing, expecting the value to be created:
    /// `{"op":"add","path":"emails[type eq \"work\"].value","value":"x"}` (E9). With this on, one value is built from
    /// the filter's `eq` terms and a later operation finds it. RFC 7644 §3.5.2.3 requires `noTarget` (erratum 8097
    /// leaves add open).
    create_on_absent: entra = true, lenient = true;
    /// Entra (and JumpCloud, authentik) remove members with a value list and no filter:
    /// `{"op":"Remove","path":"members","value":[{"value":"u1091"}]}` (E11). With this on, exactly the listed values
    /// are removed, matched on `value`; an absent one is ignored; never all. RFC 7644 §3.5.2.2 defines no `value`
    /// for remove, and the literal reading empties the group.
    remove_value_list: entra = true, lenient = true;
    /// Entra names extension attributes without their URN: `"path":"manager"` (E4c), filters
    /// `id eq "…" and manager eq "…"` (EF5). With this on, a name the core schema lacks and exactly one extension of
    /// the resource type defines names that extension's attribute. RFC 7644 §3.10 says extension names SHOULD be
    /// qualified.
    unqualified_extension: entra = true, lenient = true;
    /// Entra's AppRoleAssignmentsComplex sends JSON inside the role's value:
    /// `{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"06b0…\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}`
    /// (E5). With this on, such a value becomes the object's fields (`displayName` as `display`, `id` dropped).
    role_json_text: entra = true, lenient = false;
    /// The Microsoft SCIM Validator sends `{"schemas":[PatchOp],"Operations":[]}` and expects success (E2b). With
    /// this on, an empty `Operations` is a request that changes nothing. RFC 7644 §3.5.2 requires at least one.
    empty_operations: entra = true, lenient = true;
    /// Microsoft's reference suite puts a top-level `"id"` in the PatchOp and `"name":"addMember"` in operations
    /// (E2). With this on, unknown members of the request and its operations are ignored.
    ignore_unknown_fields: entra = true, lenient = true;
    /// Entra's retired `customappsso` job wrote extension attributes as `urn:…:enterprise:2.0:User.department`
    /// (E2c). With this on, `<extension URN>.<attr>` means `<URN>:<attr>`.
    legacy_extension_dot: entra = false, lenient = true;
    /// Entra matches users by email with `emails[type eq "work"].value eq "user@contoso.com"`, older docs with
    /// `emails[type eq "work"] eq "…"` (EF4). With this on, these mean `emails[type eq "work" and value eq "…"]`:
    /// one email satisfying both. Figure 1 allows neither.
    value_path_comparison: entra = true, lenient = true;
    /// Microsoft's docs and reference suite write unquoted values: `externalId eq jyoung`, `userName sw O`,
    /// `meta.Created gt 2015-10-10T14:38:21.8617979-07:00` (EF3, EF8). With this on, a bare word where a value is
    /// expected is a string. compValue is JSON in Figure 1. Live Entra traffic quotes values, so `entra` leaves it off.
    unquoted_values: entra = false, lenient = true;
}

impl Quirks {
    /// What Okta sends. Every Okta request is RFC-valid (idp-quirks §2), so this is strict under Okta's name.
    pub const fn okta() -> Quirks {
        Quirks::strict()
    }

    /// The preset called `name` (`strict`, `entra`, `okta`, `lenient`), case-insensitively.
    pub fn preset(name: &str) -> Option<Quirks> {
        match name.to_ascii_lowercase().as_str() {
            "strict" => Some(Quirks::strict()),
            "entra" => Some(Quirks::entra()),
            "okta" => Some(Quirks::okta()),
            "lenient" => Some(Quirks::lenient()),
            _ => None,
        }
    }

    /// The names of the tolerances that are on.
    pub fn enabled(&self) -> Vec<&'static str> {
        Quirks::NAMES.iter().copied().filter(|n| self.get(n) == Some(true)).collect()
    }
}

/// Which tolerances took effect while parsing or applying, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Fired(u32);

impl Fired {
    pub fn add(&mut self, q: Quirk) {
        self.0 |= 1 << Quirks::index(q);
    }

    pub fn union(self, other: Fired) -> Fired {
        Fired(self.0 | other.0)
    }

    /// The names, sorted.
    pub fn names(self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> =
            Quirks::NAMES.iter().enumerate().filter(|(i, _)| self.0 & (1 << i) != 0).map(|(_, n)| *n).collect();
        names.sort_unstable();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_follow_the_rule_table() {
        assert!(Quirks::strict().enabled().is_empty());
        assert_eq!(Quirks::okta(), Quirks::strict());
        let entra = Quirks::entra();
        assert!(entra.boolean_strings && entra.remove_value_list && entra.role_json_text);
        assert!(!entra.unquoted_values && !entra.legacy_extension_dot && !entra.strings_to_complex_values);
        let lenient = Quirks::lenient();
        for name in entra.enabled() {
            if name != "role_json_text" {
                assert_eq!(lenient.get(name), Some(true), "lenient accepts everything entra does: {name}");
            }
        }
        assert!(lenient.unquoted_values && lenient.legacy_extension_dot && !lenient.role_json_text);
    }

    #[test]
    fn toggles_by_name() {
        let mut q = Quirks::strict();
        q.set("boolean_strings", true).unwrap();
        assert_eq!(q.enabled(), vec!["boolean_strings"]);
        assert_eq!(q.set("nope", true).unwrap_err().code(), "schema.unknown_quirk");
        assert_eq!(Quirks::preset("ENTRA"), Some(Quirks::entra()));
        assert_eq!(Quirks::NAMES.len(), 15);
    }

    #[test]
    fn fired_names_are_sorted() {
        let mut f = Fired::default();
        f.add(Quirk::unquoted_values);
        f.add(Quirk::boolean_strings);
        assert_eq!(f.names(), vec!["boolean_strings", "unquoted_values"]);
    }
}
