//! The filter AST (RFC 7644 Figure 1). Public: build, inspect or rewrite filters; `Display` prints the canonical
//! form, which parses back to an equal AST.

/// `attrPath = [URI ":"] ATTRNAME *1subAttr`: `userName`, `name.givenName`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`. Names keep the case they were
/// written in; lookups ignore it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN prefix, without the `:` that separates it from the name.
    pub urn: Option<String>,
    /// The attribute name.
    pub name: String,
    /// The sub-attribute name.
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// An unqualified path to `name`.
    pub fn new(name: impl Into<String>) -> AttrPath {
        AttrPath { urn: None, name: name.into(), sub_attr: None }
    }

    /// The same path with a sub-attribute.
    pub fn with_sub_attr(mut self, sub: impl Into<String>) -> AttrPath {
        self.sub_attr = Some(sub.into());
        self
    }

    /// The same path qualified by a schema URN.
    pub fn with_urn(mut self, urn: impl Into<String>) -> AttrPath {
        self.urn = Some(urn.into());
        self
    }
}

/// `compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"` (Table 3; `pr` is
/// [`Expr::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// equal
    Eq,
    /// not equal
    Ne,
    /// contains
    Co,
    /// starts with
    Sw,
    /// ends with
    Ew,
    /// greater than
    Gt,
    /// less than
    Lt,
    /// greater than or equal to
    Ge,
    /// less than or equal to
    Le,
}

impl CompareOp {
    /// Every operator.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::Ge,
        CompareOp::Le,
    ];

    /// The operator's keyword in lower case.
    pub const fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Lt => "lt",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }

    /// `gt`, `ge`, `lt`, `le`.
    pub const fn is_ordering(self) -> bool {
        matches!(self, CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le)
    }

    /// `co`, `sw`, `ew`.
    pub const fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

/// `compValue = false / null / true / number / string`, JSON values.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON string, unescaped.
    String(String),
}

/// A filter expression. `and` and `or` chains are n-ary (at least two operands), so a million-term `or` is a
/// flat list rather than a million-deep tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `attrPath SP "pr"`
    Present(AttrPath),
    /// `attrPath SP compareOp SP compValue`
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The value compared with.
        value: CompValue,
    },
    /// `"not" [SP] "(" FILTER ")"`
    Not(Box<Expr>),
    /// `FILTER SP "and" SP FILTER`, flattened.
    And(Vec<Expr>),
    /// `FILTER SP "or" SP FILTER`, flattened.
    Or(Vec<Expr>),
    /// `attrPath "[" valFilter "]"`: one value of the attribute satisfies the whole inner filter.
    ValuePath {
        /// The multi-valued (or complex) attribute.
        path: AttrPath,
        /// The filter over its sub-attributes.
        filter: Box<Expr>,
    },
}
