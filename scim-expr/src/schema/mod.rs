//! Attribute characteristics (RFC 7643 §2, §7) and the registry of schemas and resource types that filters and
//! PATCH consult for types, caseExact, multi-valuedness and mutability.

mod builtin;
mod index;
mod load;

use std::sync::{Arc, OnceLock};

use crate::node::Node;

pub use builtin::{ENTERPRISE_USER, GROUP, USER};

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrType {
    /// A sequence of Unicode characters.
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number.
    Decimal,
    /// A whole number.
    Integer,
    /// An xsd:dateTime with date, time and (optionally) an offset.
    DateTime,
    /// Base64 text; always compared exactly.
    Binary,
    /// A URI.
    Reference,
    /// A set of sub-attributes.
    Complex,
}

impl AttrType {
    /// The RFC 7643 name, as in a Schema resource's `type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

/// When an attribute may be changed (RFC 7643 §7 `mutability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Set by the service provider only.
    ReadOnly,
    /// May be updated and read at any time.
    ReadWrite,
    /// May be set while unassigned, never changed afterwards.
    Immutable,
    /// May be set, never returned (`password`).
    WriteOnly,
}

/// When an attribute is returned (RFC 7643 §7 `returned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Returned {
    /// Always returned.
    Always,
    /// Never returned.
    Never,
    /// Returned unless excluded.
    Default,
    /// Returned only when requested.
    Request,
}

/// How unique an attribute's values are (RFC 7643 §7 `uniqueness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Uniqueness {
    /// No uniqueness.
    None,
    /// Unique within the service provider.
    Server,
    /// Globally unique.
    Global,
}

/// One attribute definition with its characteristics. Defaults are those of RFC 7643 §2.2.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The attribute's name as the schema spells it.
    pub name: String,
    /// The data type.
    pub ty: AttrType,
    /// Whether the attribute holds an array of values.
    pub multi_valued: bool,
    /// Whether the attribute must be assigned.
    pub required: bool,
    /// Whether string comparison is case-sensitive.
    pub case_exact: bool,
    /// When the attribute may change.
    pub mutability: Mutability,
    /// When the attribute is returned.
    pub returned: Returned,
    /// How unique its values are.
    pub uniqueness: Uniqueness,
    /// Suggested values (`canonicalValues`).
    pub canonical_values: Vec<String>,
    /// For references, the resource types they may point to (`referenceTypes`).
    pub reference_types: Vec<String>,
    /// For complex attributes, the sub-attributes.
    pub sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// A single-valued, optional, readWrite string attribute: the RFC 7643 §2.2 defaults.
    pub fn new(name: impl Into<String>, ty: AttrType) -> Attribute {
        Attribute {
            name: name.into(),
            ty,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// The sub-attribute named `name`, compared case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        find(&self.sub_attributes, name)
    }

    /// Whether string values compare exactly: `caseExact`, and always for binary.
    pub fn compares_exactly(&self) -> bool {
        self.case_exact || self.ty == AttrType::Binary
    }
}

fn find<'a>(attributes: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attributes.iter().find(|a| index::eq_ignore_case(&a.name, name))
}

/// A schema (RFC 7643 §7): its URN id and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// A human name, e.g. `User`.
    pub name: String,
    /// The top-level attributes.
    pub attributes: Vec<Attribute>,
}

impl Schema {
    /// The top-level attribute named `name`, compared case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        find(&self.attributes, name)
    }
}

/// A resource type (RFC 7643 §6): a core schema and its extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// The name, e.g. `User`.
    pub name: String,
    /// The core schema URN.
    pub schema: String,
    /// The extension schema URNs.
    pub extensions: Vec<String>,
}

/// The schemas and resource types a filter or PATCH is checked against.
///
/// [`Schemas::builtin`] holds User (with EnterpriseUser) and Group as RFC 7643 defines them, with the errata
/// applied; [`Schemas::add_json`] adds or replaces schemas from RFC 7643 Schema and ResourceType resources, the JSON
/// a `/Schemas` or `/ResourceTypes` endpoint returns.
#[derive(Clone, PartialEq)]
pub struct Schemas {
    common: Vec<Attribute>,
    schemas: Vec<Schema>,
    resource_types: Vec<ResourceType>,
    /// Derived from the rest; reset by every change.
    index: index::LazyIndex,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas")
            .field("common", &self.common)
            .field("schemas", &self.schemas)
            .field("resource_types", &self.resource_types)
            .finish()
    }
}

impl Schemas {
    /// User, EnterpriseUser and Group as in RFC 7643 §4 and §8.7.1, errata applied (rfc-digest §3.1).
    pub fn builtin() -> Schemas {
        builtin::schemas()
    }

    /// A shared copy of [`Schemas::builtin`], built once.
    pub(crate) fn shared_builtin() -> Arc<Schemas> {
        static BUILTIN: OnceLock<Arc<Schemas>> = OnceLock::new();
        BUILTIN.get_or_init(|| Arc::new(Schemas::builtin())).clone()
    }

    /// Only the attributes common to every resource (`id`, `externalId`, `meta`, `schemas`), no resource types.
    pub fn empty() -> Schemas {
        Schemas {
            common: builtin::common(),
            schemas: Vec::new(),
            resource_types: Vec::new(),
            index: index::LazyIndex::default(),
        }
    }

    /// The schema with the URN `id`, compared case-insensitively (RFC 7644 §3.10).
    pub fn schema(&self, id: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| index::eq_ignore_case(&s.id, id))
    }

    /// [`Schemas::schema`] of `urn:name`, without joining them.
    pub(crate) fn schema_joined(&self, urn: &str, name: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| {
            s.id.len() == urn.len() + 1 + name.len()
                && s.id.get(..urn.len()).is_some_and(|u| index::eq_ignore_case(u, urn))
                && s.id.as_bytes().get(urn.len()) == Some(&b':')
                && s.id.get(urn.len() + 1..).is_some_and(|n| index::eq_ignore_case(n, name))
        })
    }

    /// Every schema, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Schema> {
        self.schemas.iter()
    }

    /// Every resource type.
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The resource type named `name` (case-insensitive).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types.iter().find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// The attributes every resource has: `id`, `externalId`, `meta`, `schemas` (RFC 7643 §3.1).
    pub fn common_attributes(&self) -> &[Attribute] {
        &self.common
    }

    /// Whether `id` is the core schema of a resource type (as opposed to an extension).
    pub fn is_core_schema(&self, id: &str) -> bool {
        self.resource_types.iter().any(|r| index::eq_ignore_case(&r.schema, id))
    }

    pub(crate) fn resource_type_index(&self, name: &str) -> Option<usize> {
        self.resource_types.iter().position(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// What [`Schemas::unqualified`] computes with its table, by a scan.
    #[cfg(test)]
    fn unqualified_scan(&self, kind: Option<usize>, name: &str) -> Option<&Attribute> {
        if let Some(a) = find(&self.common, name) {
            return Some(a);
        }
        let rt = self.resource_types.get(kind?)?;
        self.schema(&rt.schema)?.attribute(name)
    }

    /// For an unqualified `name` that the core schema of resource type `kind` (or, for `None`, of every resource
    /// type) lacks: the one extension of that resource type (or of any) that defines it. `None` when no or several
    /// extensions do.
    pub(crate) fn unique_extension_of(&self, kind: Option<usize>, name: &str) -> Option<&str> {
        if find(&self.common, name).is_some() {
            return None;
        }
        let types: Vec<&ResourceType> = match kind {
            Some(k) => self.resource_types.get(k).into_iter().collect(),
            None => self.resource_types.iter().collect(),
        };
        if types.iter().any(|rt| self.schema(&rt.schema).is_some_and(|s| s.attribute(name).is_some())) {
            return None;
        }
        let mut found: Option<&str> = None;
        for urn in types.iter().flat_map(|rt| rt.extensions.iter()) {
            if let Some(schema) = self.schema(urn).filter(|s| s.attribute(name).is_some()) {
                match found {
                    Some(f) if !f.eq_ignore_ascii_case(&schema.id) => return None,
                    _ => found = Some(&schema.id),
                }
            }
        }
        found
    }

    /// The attribute `name` of the schema `urn`; a core schema also has the common attributes.
    pub(crate) fn qualified(&self, urn: &str, name: &str) -> Option<&Attribute> {
        let schema = self.schema(urn)?;
        schema.attribute(name).or_else(|| if self.is_core_schema(urn) { find(&self.common, name) } else { None })
    }

    /// The resource type of `doc`: the first core schema URN its `schemas` lists, else `default`.
    pub(crate) fn kind_of<N: Node>(&self, doc: &N, default: Option<usize>) -> Result<Option<usize>, N::Error> {
        use crate::node::View;
        let Some(list) = doc.get("schemas")? else {
            return Ok(default);
        };
        let View::Array(len) = list.view()? else {
            return Ok(default);
        };
        for i in 0..len {
            let Some(item) = list.index(i)? else { continue };
            if let View::String(urn) = item.view()? {
                if let Some(k) = self.resource_types.iter().position(|r| r.schema.eq_ignore_ascii_case(&urn)) {
                    return Ok(Some(k));
                }
            }
        }
        Ok(default)
    }

    /// Adds or replaces a schema. A schema that is no resource type's extension and whose URN does not name an
    /// extension (`…:extension:…`) becomes the core schema of a resource type named after it.
    pub fn add_schema(&mut self, schema: Schema) {
        self.index = index::LazyIndex::default();
        let is_extension =
            self.resource_types.iter().any(|r| r.extensions.iter().any(|e| e.eq_ignore_ascii_case(&schema.id)))
                || schema.id.to_ascii_lowercase().contains(":extension:");
        if !is_extension && !self.is_core_schema(&schema.id) {
            self.resource_types.push(ResourceType {
                name: schema.name.clone(),
                schema: schema.id.clone(),
                extensions: Vec::new(),
            });
        }
        match self.schemas.iter_mut().find(|s| s.id.eq_ignore_ascii_case(&schema.id)) {
            Some(existing) => *existing = schema,
            None => self.schemas.push(schema),
        }
    }

    /// Adds or replaces a resource type; a schema it names as an extension stops being a resource type of its own.
    pub fn add_resource_type(&mut self, rt: ResourceType) {
        self.index = index::LazyIndex::default();
        self.resource_types.retain(|r| {
            !r.name.eq_ignore_ascii_case(&rt.name) && !rt.extensions.iter().any(|e| e.eq_ignore_ascii_case(&r.schema))
        });
        self.resource_types.push(rt);
    }

    /// Adds RFC 7643 Schema and ResourceType resources given as JSON: one resource, an array of them, or a
    /// ListResponse with `Resources` (what `GET /Schemas` returns).
    ///
    /// ```
    /// let mut schemas = scim_expr::Schemas::builtin();
    /// schemas.add_json(&serde_json::json!({
    ///     "id": "urn:example:scim:schemas:core:2.0:Device",
    ///     "name": "Device",
    ///     "attributes": [{"name": "serialNumber", "type": "string", "caseExact": true}]
    /// }))?;
    /// assert!(schemas.resource_type("Device").is_some());
    /// # Ok::<(), scim_expr::Error>(())
    /// ```
    pub fn add_json(&mut self, json: &serde_json::Value) -> Result<(), crate::Error> {
        load::add_json(self, json)
    }

    /// [`Schemas::builtin`] plus the resources in `json` (see [`Schemas::add_json`]).
    pub fn from_json(json: &serde_json::Value) -> Result<Schemas, crate::Error> {
        let mut s = Schemas::builtin();
        s.add_json(json)?;
        Ok(s)
    }
}

impl Default for Schemas {
    fn default() -> Schemas {
        Schemas::builtin()
    }
}
