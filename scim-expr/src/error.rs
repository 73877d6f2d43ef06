//! The one error type. Every message the library produces is written in this file.

use std::fmt;
use std::ops::Range;

/// The `scimType` of an RFC 7644 §3.12 error response (Table 9).
///
/// Displays as the RFC string, e.g. `invalidFilter`. Every SCIM error travels with HTTP status 400 except where
/// [`ScimType::status`] says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScimType {
    /// The filter syntax is invalid, or the attribute and comparison combination is not supported.
    InvalidFilter,
    /// The filter yields more results than the server is willing to process.
    TooMany,
    /// One or more attribute values are already in use or reserved.
    Uniqueness,
    /// The modification is incompatible with the target attribute's mutability or current state.
    Mutability,
    /// The request body is not parsable, structurally incorrect or violates the schema.
    InvalidSyntax,
    /// The `path` attribute is invalid or malformed.
    InvalidPath,
    /// The `path` did not yield an attribute or value that could be operated on.
    NoTarget,
    /// A required value is missing, or a value is not compatible with the operation or the attribute type.
    InvalidValue,
    /// The SCIM protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed because of sensitive information in the request URI.
    Sensitive,
}

impl ScimType {
    /// The RFC 7644 string, e.g. `"invalidFilter"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }

    /// The HTTP status an RFC 7644 server answers with: 400 for every scimType of Table 9.
    pub const fn status(self) -> u16 {
        400
    }

    /// Every scimType, in the order of RFC 7644 Table 9.
    pub const ALL: [ScimType; 10] = [
        ScimType::InvalidFilter,
        ScimType::TooMany,
        ScimType::Uniqueness,
        ScimType::Mutability,
        ScimType::InvalidSyntax,
        ScimType::InvalidPath,
        ScimType::NoTarget,
        ScimType::InvalidValue,
        ScimType::InvalidVers,
        ScimType::Sensitive,
    ];
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ScimType {
    type Err = ();

    /// Parses the RFC string exactly (`"invalidFilter"`).
    fn from_str(s: &str) -> Result<Self, ()> {
        ScimType::ALL.into_iter().find(|t| t.as_str() == s).ok_or(())
    }
}

/// What went wrong, as a stable machine-readable kind. [`Error::code`] renders it as a dotted string such as
/// `filter.unterminated_string`; codes never change meaning once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is empty or only whitespace.
    Empty,
    /// The input is longer than the configured limit.
    TooLong,
    /// Parentheses, `not` and brackets nest deeper than the configured limit.
    TooDeep,
    /// The input ended where more was expected.
    UnexpectedEnd,
    /// A token that cannot stand at this place.
    UnexpectedToken,
    /// An attribute path that does not follow `[URI ":"] ATTRNAME *1subAttr`.
    InvalidAttrPath,
    /// Something other than one of the ten comparison operators after an attribute path.
    ExpectedOperator,
    /// Something other than a JSON value after an operator.
    InvalidValue,
    /// A string literal without its closing quote.
    UnterminatedString,
    /// A backslash escape that JSON does not define.
    InvalidEscape,
    /// A raw control character inside a string literal.
    ControlCharacter,
    /// A number that is not a JSON number, or out of range.
    InvalidNumber,
    /// A `(` without its `)`.
    UnclosedParen,
    /// A `[` without its `]`.
    UnclosedBracket,
    /// A valuePath inside the brackets of another valuePath.
    NestedValuePath,
    /// A sub-attribute after a valuePath's `]` in a filter (allowed in PATCH paths only).
    ValuePathSubAttribute,
    /// An operator the attribute's type or the value's type does not support (`gt` on a boolean).
    OperatorNotSupported,
    /// The value's JSON type cannot be compared with the attribute's type.
    TypeMismatch,
    /// A string compared with a dateTime attribute is not an xsd:dateTime.
    InvalidDateTime,
    /// The input bytes are not UTF-8.
    InvalidUtf8,
    /// A schema document that does not follow RFC 7643 §7.
    InvalidSchema,
    /// A resource type name the schemas do not define.
    UnknownResourceType,
    /// A tolerance name [`crate::Quirks`] does not define.
    UnknownQuirk,
    /// A PATCH request (or the resource it applies to) that is not a JSON object.
    NotAnObject,
    /// A PATCH request whose `schemas` does not name the PatchOp URN.
    MissingSchema,
    /// A PATCH request without a non-empty `Operations` array.
    MissingOperations,
    /// An element of `Operations` that is not an object.
    InvalidOperation,
    /// An `op` that is not add, remove or replace.
    UnknownOp,
    /// A key the PatchOp envelope or an operation does not define.
    UnknownField,
    /// A `path` that is not a string.
    InvalidPath,
    /// add or replace without a `value`.
    MissingValue,
    /// remove without a `path`.
    NoPath,
    /// remove with a `value`.
    RemoveWithValue,
    /// A path whose filter matches no value, or that reaches nothing to operate on.
    NoTarget,
    /// A change to a readOnly attribute.
    ReadOnly,
    /// A change to an immutable attribute that has a value.
    Immutable,
    /// Removing a required attribute.
    Required,
    /// A valuePath on a single-valued attribute.
    NotMultiValued,
    /// More than one value with `"primary": true`.
    MultiplePrimary,
    /// A PATCH request with more operations than the configured limit.
    TooManyOperations,
    /// An operation whose value holds more array elements than the configured limit.
    TooManyValues,
    /// A host object that contains itself (bindings).
    Cyclic,
    /// A host value with no JSON equivalent: a function, a symbol, `undefined`, NaN or an infinity, a key that
    /// is not a string, a string that is not valid Unicode (bindings).
    NotJson,
    /// JSON text that does not parse (bindings' JSON-text methods).
    InvalidJson,
}

impl ErrorKind {
    /// The code's last segment, e.g. `unterminated_string`.
    pub const fn name(self) -> &'static str {
        match self {
            ErrorKind::Empty => "empty",
            ErrorKind::TooLong => "too_long",
            ErrorKind::TooDeep => "too_deep",
            ErrorKind::UnexpectedEnd => "unexpected_end",
            ErrorKind::UnexpectedToken => "unexpected_token",
            ErrorKind::InvalidAttrPath => "invalid_attr_path",
            ErrorKind::ExpectedOperator => "expected_operator",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::UnterminatedString => "unterminated_string",
            ErrorKind::InvalidEscape => "invalid_escape",
            ErrorKind::ControlCharacter => "control_character",
            ErrorKind::InvalidNumber => "invalid_number",
            ErrorKind::UnclosedParen => "unclosed_paren",
            ErrorKind::UnclosedBracket => "unclosed_bracket",
            ErrorKind::NestedValuePath => "nested_value_path",
            ErrorKind::ValuePathSubAttribute => "value_path_sub_attribute",
            ErrorKind::OperatorNotSupported => "operator_not_supported",
            ErrorKind::TypeMismatch => "type_mismatch",
            ErrorKind::InvalidDateTime => "invalid_datetime",
            ErrorKind::InvalidUtf8 => "invalid_utf8",
            ErrorKind::InvalidSchema => "invalid_schema",
            ErrorKind::UnknownResourceType => "unknown_resource_type",
            ErrorKind::UnknownQuirk => "unknown_quirk",
            ErrorKind::NotAnObject => "not_an_object",
            ErrorKind::MissingSchema => "missing_schema",
            ErrorKind::MissingOperations => "missing_operations",
            ErrorKind::InvalidOperation => "invalid_operation",
            ErrorKind::UnknownOp => "unknown_op",
            ErrorKind::UnknownField => "unknown_field",
            ErrorKind::InvalidPath => "invalid_path",
            ErrorKind::MissingValue => "missing_value",
            ErrorKind::NoPath => "no_path",
            ErrorKind::RemoveWithValue => "remove_with_value",
            ErrorKind::NoTarget => "no_target",
            ErrorKind::ReadOnly => "read_only",
            ErrorKind::Immutable => "immutable",
            ErrorKind::Required => "required",
            ErrorKind::NotMultiValued => "not_multi_valued",
            ErrorKind::MultiplePrimary => "multiple_primary",
            ErrorKind::TooManyOperations => "too_many_operations",
            ErrorKind::TooManyValues => "too_many_values",
            ErrorKind::Cyclic => "cyclic",
            ErrorKind::NotJson => "not_json",
            ErrorKind::InvalidJson => "invalid_json",
        }
    }
}

/// Which input an error is about; it gives the code its first segment and the error its scimType.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Domain {
    /// A filter (`?filter=` or a `.search` body): scimType `invalidFilter`.
    Filter,
    /// A PATCH `path`, including a filter inside its brackets: scimType `invalidPath`.
    Path,
    /// An RFC 7643 Schema resource given to [`crate::Schemas`]: scimType `invalidValue`.
    Schema,
    /// A PATCH request or its application: the scimType depends on the kind (RFC 7644 §3.5.2, §3.12).
    Patch,
    /// A document, PATCH request or value handed over by a binding that cannot be read as JSON (too deep, cyclic,
    /// NaN, a function): scimType `invalidValue`, or `invalidSyntax` for a request body that is not JSON text.
    Document,
}

impl Domain {
    const fn prefix(self) -> &'static str {
        match self {
            Domain::Filter => "filter",
            Domain::Path => "path",
            Domain::Schema => "schema",
            Domain::Patch => "patch",
            Domain::Document => "document",
        }
    }

    const fn scim_type(self, kind: ErrorKind) -> ScimType {
        match self {
            Domain::Filter => ScimType::InvalidFilter,
            Domain::Path => ScimType::InvalidPath,
            Domain::Schema => ScimType::InvalidValue,
            Domain::Document => match kind {
                ErrorKind::InvalidUtf8 | ErrorKind::InvalidJson => ScimType::InvalidSyntax,
                _ => ScimType::InvalidValue,
            },
            Domain::Patch => match kind {
                // RFC 7644 defines no scimType for a malformed PatchOp envelope; invalidSyntax is the one Table 9
                // gives for a request body that does not follow its schema (rfc-digest §5 A14).
                ErrorKind::NotAnObject
                | ErrorKind::MissingSchema
                | ErrorKind::MissingOperations
                | ErrorKind::InvalidOperation
                | ErrorKind::UnknownOp
                | ErrorKind::UnknownField => ScimType::InvalidSyntax,
                ErrorKind::InvalidPath | ErrorKind::NotMultiValued => ScimType::InvalidPath,
                ErrorKind::NoPath | ErrorKind::NoTarget => ScimType::NoTarget,
                ErrorKind::ReadOnly | ErrorKind::Immutable | ErrorKind::Required => ScimType::Mutability,
                ErrorKind::TooManyOperations | ErrorKind::TooManyValues => ScimType::TooMany,
                _ => ScimType::InvalidValue,
            },
        }
    }
}

/// How a message names the JSON type of a value: "a string", "an object", "null".
pub(crate) fn json_type(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A byte range in the text an error is about.
pub type Span = Range<usize>;

/// Every failure of the library: a stable [`code`](Error::code), the RFC [`scim_type`](Error::scim_type), a
/// human [`message`](Error::message) and, for filters and paths, the byte [`position`](Error::position).
///
/// The `Display` form is the message alone; [`Error::render`] adds an excerpt with a caret under the position.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    domain: Domain,
    scim_type: ScimType,
    code: String,
    message: String,
    span: Option<Span>,
    operation: Option<usize>,
}

impl Error {
    pub(crate) fn new(domain: Domain, kind: ErrorKind, span: Option<Span>, message: String) -> Error {
        Error(Box::new(Inner {
            kind,
            domain,
            scim_type: domain.scim_type(kind),
            code: format!("{}.{}", domain.prefix(), kind.name()),
            message,
            span,
            operation: None,
        }))
    }

    pub(crate) fn at(domain: Domain, kind: ErrorKind, at: usize, message: String) -> Error {
        Error::new(domain, kind, Some(at..at), message)
    }

    pub(crate) fn patch(kind: ErrorKind, message: String) -> Error {
        Error::new(Domain::Patch, kind, None, message)
    }

    /// An error about a document or value that cannot be read as JSON, for bindings converting host objects or
    /// JSON text: `document.too_deep`, `document.cyclic`, `document.not_json`, `document.invalid_utf8`,
    /// `document.invalid_json` (JSON text that does not parse).
    ///
    /// ```
    /// use scim_expr::{Error, ErrorKind};
    /// let e = Error::document(ErrorKind::Cyclic, "the document contains itself at emails[0]");
    /// assert_eq!((e.code(), e.scim_type().as_str()), ("document.cyclic", "invalidValue"));
    /// ```
    pub fn document(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::new(Domain::Document, kind, None, message.into())
    }

    /// The error for JSON text that serde_json could not parse (`e` from parsing `text`): `document.invalid_json`
    /// at the byte where it failed (the end of the text when it ended too soon), or `document.too_deep` when
    /// serde_json's nesting limit stopped it.
    ///
    /// ```
    /// use scim_expr::Error;
    /// let text = r#"{"userName": }"#;
    /// let e = Error::json_text(text, &serde_json::from_str::<serde_json::Value>(text).unwrap_err());
    /// assert_eq!((e.code(), e.position()), ("document.invalid_json", Some(13)));
    /// ```
    pub fn json_text(text: &str, e: &serde_json::Error) -> Error {
        let kind = if e.to_string().starts_with("recursion limit exceeded") {
            ErrorKind::TooDeep
        } else {
            ErrorKind::InvalidJson
        };
        Error::document(kind, format!("the JSON text does not parse: {e}")).with_position(json_position(text, e))
    }

    /// The error for bytes that are not UTF-8 where JSON text was expected: `document.invalid_utf8` at the first
    /// bad byte.
    ///
    /// ```
    /// use scim_expr::Error;
    /// let e = Error::utf8_text(&std::str::from_utf8(b"[\"\xff\"]").unwrap_err());
    /// assert_eq!((e.code(), e.position()), ("document.invalid_utf8", Some(2)));
    /// ```
    pub fn utf8_text(e: &std::str::Utf8Error) -> Error {
        let at = e.valid_up_to();
        Error::document(ErrorKind::InvalidUtf8, format!("the JSON text is not UTF-8: invalid byte at {at}"))
            .with_position(at)
    }

    /// The same error with its position set to byte `at` of the input (for bindings reporting where JSON text
    /// failed to parse).
    pub fn with_position(mut self, at: usize) -> Error {
        self.0.span = Some(at..at);
        self
    }

    /// The same error, for operation `index` of a PATCH request.
    pub(crate) fn at_operation(mut self, index: usize) -> Error {
        self.0.operation = Some(index);
        self
    }

    /// The same error, about operation `index` of a PATCH request: for bindings that find an operation's value
    /// unreadable (a cycle, a BigInt) while converting the request, before the core sees it.
    ///
    /// ```
    /// use scim_expr::{Error, ErrorKind};
    /// let e = Error::document(ErrorKind::NotJson, "the value holds a BigInt").with_operation(2);
    /// assert_eq!((e.code(), e.operation()), ("document.not_json", Some(2)));
    /// ```
    pub fn with_operation(self, index: usize) -> Error {
        self.at_operation(index)
    }

    /// For PATCH, the 0-based index of the operation in `Operations` that failed.
    pub fn operation(&self) -> Option<usize> {
        self.0.operation
    }

    /// The RFC 7644 §3.12 scimType a server returns for this error.
    pub fn scim_type(&self) -> ScimType {
        self.0.scim_type
    }

    /// The HTTP status a server returns for this error.
    pub fn status(&self) -> u16 {
        self.0.scim_type.status()
    }

    /// The stable machine code, e.g. `filter.unterminated_string`.
    pub fn code(&self) -> &str {
        &self.0.code
    }

    /// The kind of failure, independent of the input it occurred in.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The kind of input the error is about.
    pub fn domain(&self) -> Domain {
        self.0.domain
    }

    /// What went wrong, for a person: what was expected, and where.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The byte offset in the filter or path text where the problem starts.
    pub fn position(&self) -> Option<usize> {
        self.0.span.as_ref().map(|s| s.start)
    }

    /// The byte range in the filter or path text the error is about.
    pub fn span(&self) -> Option<Span> {
        self.0.span.clone()
    }

    /// The RFC 7644 §3.12 error body a server returns: `schemas`, `status` (a string), `scimType` and `detail`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": self.status().to_string(),
            "scimType": self.scim_type().as_str(),
            "detail": self.message(),
        })
    }

    /// The message followed by the line of `source` that holds the position and a caret under it.
    ///
    /// ```
    /// let text = r#"userName eq "bjensen"#;
    /// let err = scim_expr::Filter::parse(text).unwrap_err();
    /// assert_eq!(
    ///     err.render(text),
    ///     "invalidFilter (filter.unterminated_string): string starting at byte 12 has no closing quote\n  \
    ///      userName eq \"bjensen\n              ^"
    /// );
    /// ```
    pub fn render(&self, source: &str) -> String {
        let mut out = format!("{} ({}): {}", self.scim_type(), self.code(), self.message());
        let Some(pos) = self.position() else {
            return out;
        };
        let pos = floor_char_boundary(source, pos.min(source.len()));
        let line_start = source[..pos].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[pos..].find('\n').map_or(source.len(), |i| pos + i);
        // Long lines (a 10 MB filter) are cut to a window around the position.
        let (from, prefix) = window_start(source, line_start, pos);
        let to = floor_char_boundary(source, line_end.min(pos + 60));
        let suffix = if to < line_end { "…" } else { "" };
        let column = prefix.chars().count() + source[from..pos].chars().count();
        out.push_str("\n  ");
        out.push_str(prefix);
        out.push_str(&source[from..to]);
        out.push_str(suffix);
        out.push_str("\n  ");
        out.extend(std::iter::repeat(' ').take(column));
        out.push('^');
        out
    }
}

fn window_start(source: &str, line_start: usize, pos: usize) -> (usize, &'static str) {
    if pos - line_start <= 60 {
        (line_start, "")
    } else {
        (floor_char_boundary(source, pos - 40), "…")
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("code", &self.code()).field("scim_type", &self.scim_type());
        if let Some(pos) = self.position() {
            d.field("position", &pos);
        }
        if let Some(op) = self.operation() {
            d.field("operation", &op);
        }
        d.field("message", &self.message()).finish()
    }
}

impl std::error::Error for Error {}

/// The byte of `text` where serde_json's error `e` is: at the end of the input serde_json names the last character
/// read, and the problem is past it.
pub(crate) fn json_position(text: &str, e: &serde_json::Error) -> usize {
    if e.is_eof() {
        text.len()
    } else {
        byte_offset(text, e.line(), e.column())
    }
}

/// The byte offset of serde_json's 1-based line and 1-based byte column (0 at the end of a line it has just left).
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize =
        text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>().min(text.len());
    (line_start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scim_type_round_trips_through_its_string() {
        for t in ScimType::ALL {
            assert_eq!(t.as_str().parse::<ScimType>(), Ok(t));
            assert_eq!(t.to_string(), t.as_str());
        }
        assert!("InvalidFilter".parse::<ScimType>().is_err());
    }

    #[test]
    fn domain_sets_code_prefix_and_scim_type() {
        let e = Error::at(Domain::Filter, ErrorKind::UnexpectedEnd, 3, "m".into());
        assert_eq!(e.code(), "filter.unexpected_end");
        assert_eq!(e.scim_type(), ScimType::InvalidFilter);
        let e = Error::at(Domain::Path, ErrorKind::UnexpectedEnd, 3, "m".into());
        assert_eq!(e.code(), "path.unexpected_end");
        assert_eq!(e.scim_type(), ScimType::InvalidPath);
        assert_eq!(e.position(), Some(3));
    }

    #[test]
    fn render_windows_long_lines_and_multibyte_text() {
        let long = format!("{}é x", "a".repeat(200));
        let e = Error::at(Domain::Filter, ErrorKind::UnexpectedToken, 203, "m".into());
        let r = e.render(&long);
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines.len(), 3);
        let caret_col = lines[2].chars().count() - 1;
        assert_eq!(lines[1].chars().nth(caret_col), Some('x'));
    }

    #[test]
    fn error_body_follows_rfc_7644_3_12() {
        let e = Error::at(Domain::Path, ErrorKind::UnexpectedEnd, 0, "detail text".into());
        let body = e.to_json();
        assert_eq!(body["status"], "400");
        assert_eq!(body["scimType"], "invalidPath");
        assert_eq!(body["detail"], "detail text");
    }
}
