//! RFC 7643 §3.1, §4 and §8.7.1 with the errata the digest lists (rfc-digest §3.1): `photos.value`,
//! `x509Certificates.value` and `manager.value` are caseExact, `addresses.primary` exists, Group `displayName` is
//! required, `members.display` is readOnly.

use super::{AttrType, Attribute, Mutability, ResourceType, Returned, Schema, Schemas, Uniqueness};

/// The core User schema URN.
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The Enterprise User extension URN.
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

// A small builder so the tables below read like the RFC's.
fn attr(name: &str, ty: AttrType) -> Attribute {
    Attribute::new(name, ty)
}
fn string(name: &str) -> Attribute {
    attr(name, AttrType::String)
}
fn complex(name: &str, subs: Vec<Attribute>) -> Attribute {
    Attribute { sub_attributes: subs, ..attr(name, AttrType::Complex) }
}

impl Attribute {
    fn exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }
    fn immutable(mut self) -> Self {
        self.mutability = Mutability::Immutable;
        self
    }
    fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    fn unique(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    fn canonical(mut self, values: &[&str]) -> Self {
        self.canonical_values = values.iter().map(|s| s.to_string()).collect();
        self
    }
    fn refs(mut self, types: &[&str]) -> Self {
        self.reference_types = types.iter().map(|s| s.to_string()).collect();
        self
    }
}

/// The sub-attributes of a multi-valued attribute such as `emails` (RFC 7643 §2.4).
fn multi_value(name: &str, value: Attribute, types: &[&str]) -> Attribute {
    complex(name, vec![value, string("display"), string("type").canonical(types), attr("primary", AttrType::Boolean)])
        .multi()
}

pub(super) fn common() -> Vec<Attribute> {
    vec![
        string("id").exact().read_only().returned(Returned::Always).unique(Uniqueness::Server),
        string("externalId").exact(),
        complex(
            "meta",
            vec![
                string("resourceType").exact().read_only(),
                attr("created", AttrType::DateTime).read_only(),
                attr("lastModified", AttrType::DateTime).read_only(),
                attr("location", AttrType::Reference).exact().read_only().refs(&["uri"]),
                string("version").exact().read_only(),
            ],
        )
        .read_only(),
        // URNs compare case-insensitively (RFC 7644 §3.10), so not caseExact.
        string("schemas").multi().required(),
    ]
}

fn user() -> Schema {
    let attributes = vec![
        string("userName").required().unique(Uniqueness::Server),
        complex(
            "name",
            ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"]
                .into_iter()
                .map(string)
                .collect(),
        ),
        string("displayName"),
        string("nickName"),
        attr("profileUrl", AttrType::Reference).refs(&["external"]),
        string("title"),
        string("userType"),
        string("preferredLanguage"),
        string("locale"),
        string("timezone"),
        attr("active", AttrType::Boolean),
        string("password").exact().returned(Returned::Never).with_mutability(Mutability::WriteOnly),
        multi_value("emails", string("value"), &["work", "home", "other"]),
        multi_value("phoneNumbers", string("value"), &["work", "home", "mobile", "fax", "pager", "other"]),
        multi_value("ims", string("value"), &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
        multi_value("photos", attr("value", AttrType::Reference).exact().refs(&["external"]), &["photo", "thumbnail"]),
        complex(
            "addresses",
            vec![
                string("formatted"),
                string("streetAddress"),
                string("locality"),
                string("region"),
                string("postalCode"),
                string("country"),
                string("type").canonical(&["work", "home", "other"]),
                attr("primary", AttrType::Boolean),
            ],
        )
        .multi(),
        complex(
            "groups",
            vec![
                string("value").read_only(),
                attr("$ref", AttrType::Reference).read_only().refs(&["User", "Group"]),
                string("display").read_only(),
                string("type").read_only().canonical(&["direct", "indirect"]),
            ],
        )
        .multi()
        .read_only(),
        multi_value("entitlements", string("value"), &[]),
        multi_value("roles", string("value"), &[]),
        multi_value("x509Certificates", attr("value", AttrType::Binary).exact(), &[]),
    ];
    Schema { id: USER.into(), name: "User".into(), attributes }
}

fn enterprise_user() -> Schema {
    let attributes = vec![
        string("employeeNumber"),
        string("costCenter"),
        string("organization"),
        string("division"),
        string("department"),
        complex(
            "manager",
            vec![
                string("value").exact(),
                attr("$ref", AttrType::Reference).refs(&["User"]),
                string("displayName").read_only(),
            ],
        ),
    ];
    Schema { id: ENTERPRISE_USER.into(), name: "EnterpriseUser".into(), attributes }
}

fn group() -> Schema {
    let attributes = vec![
        string("displayName").required(),
        complex(
            "members",
            vec![
                string("value").immutable(),
                attr("$ref", AttrType::Reference).immutable().refs(&["User", "Group"]),
                string("type").immutable().canonical(&["User", "Group"]),
                string("display").read_only(),
            ],
        )
        .multi(),
    ];
    Schema { id: GROUP.into(), name: "Group".into(), attributes }
}

impl Attribute {
    fn with_mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
}

pub(super) fn schemas() -> Schemas {
    Schemas {
        common: common(),
        schemas: vec![user(), enterprise_user(), group()],
        resource_types: vec![
            ResourceType { name: "User".into(), schema: USER.into(), extensions: vec![ENTERPRISE_USER.into()] },
            ResourceType { name: "Group".into(), schema: GROUP.into(), extensions: Vec::new() },
        ],
        index: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errata_are_applied() {
        let s = schemas();
        let user = s.schema(USER).unwrap();
        assert!(user.attribute("photos").unwrap().sub_attribute("value").unwrap().case_exact);
        assert!(user.attribute("x509certificates").unwrap().sub_attribute("VALUE").unwrap().compares_exactly());
        assert!(user.attribute("addresses").unwrap().sub_attribute("primary").is_some());
        let ent = s.schema(ENTERPRISE_USER).unwrap();
        assert!(ent.attribute("manager").unwrap().sub_attribute("value").unwrap().case_exact);
        let group = s.schema(GROUP).unwrap();
        assert!(group.attribute("displayName").unwrap().required);
        let display = group.attribute("members").unwrap().sub_attribute("display").unwrap();
        assert_eq!(display.mutability, Mutability::ReadOnly);
    }

    #[test]
    fn core_schemas_see_common_attributes_extensions_do_not() {
        let s = schemas();
        assert!(s.qualified(USER, "id").is_some());
        assert!(s.qualified(ENTERPRISE_USER, "id").is_none());
        assert!(s.is_core_schema(GROUP));
        assert!(!s.is_core_schema(ENTERPRISE_USER));
    }
}
