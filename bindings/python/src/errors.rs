//! Core errors as instances of the Python classes in `scim_expr/errors.py`, with byte positions turned into code
//! points of the text the error is about.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use scim_expr::{Error, ErrorKind};

use crate::text::code_points;

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python exception for `err`. `source` is the text its byte position points into (the filter, the path of
/// the failing operation, the JSON text); `operation` overrides the failing operation's index (for conversion
/// errors found before the core saw the request).
pub fn scim_error(py: Python<'_>, err: &Error, source: Option<&[u8]>, operation: Option<usize>) -> PyErr {
    match build(py, err, source, operation.or(err.operation())) {
        Ok(e) => e,
        Err(e) => e,
    }
}

fn build(py: Python<'_>, err: &Error, source: Option<&[u8]>, operation: Option<usize>) -> PyResult<PyErr> {
    let factory = FROM_NATIVE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("scim_expr.errors")?.getattr("_from_native")?.unbind())
    })?;
    let position = match (err.position(), source) {
        (Some(at), Some(text)) => Some(code_points(text, at)),
        (Some(at), None) => Some(at),
        (None, _) => None,
    };
    let exc = factory.bind(py).call1((
        err.scim_type().as_str(),
        err.code(),
        err.message(),
        err.status(),
        position,
        operation,
    ))?;
    Ok(PyErr::from_value(exc))
}

/// A `document.*` error (a host value with no JSON equivalent, too deep, cyclic) as a Python exception.
pub fn document_error(py: Python<'_>, kind: ErrorKind, message: String, operation: Option<usize>) -> PyErr {
    scim_error(py, &Error::document(kind, message), None, operation)
}
