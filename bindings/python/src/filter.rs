//! `Filter` (parse once, match many resources in place) and `Path` (a PATCH path, parsed alone).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use scim_expr::{Filter, Options, Path};

use crate::errors::scim_error;
use crate::json::text_bytes;
use crate::node::{type_name, PyNode};
use crate::options::{build, PyLimits, PyQuirks, PySchemas};
use crate::text::parse_json;

/// A parsed SCIM filter: immutable, safe to share between threads.
#[pyclass(frozen, module = "scim_expr", name = "Filter")]
#[derive(Debug)]
pub struct PyFilter {
    inner: Filter,
    quirks: PyQuirks,
}

fn resource_dict<'a, 'py>(obj: &'a Bound<'py, PyAny>, method: &str) -> PyResult<&'a Bound<'py, PyDict>> {
    obj.cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err(format!("Filter.{method}() takes a resource dict, not {}", type_name(obj))))
}

#[pymethods]
impl PyFilter {
    #[new]
    #[pyo3(signature = (text, /, *, quirks = None, schemas = None, resource_type = None, limits = None))]
    fn new(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        quirks: Option<&Bound<'_, PyAny>>,
        schemas: Option<&Bound<'_, PySchemas>>,
        resource_type: Option<&str>,
        limits: Option<&Bound<'_, PyLimits>>,
    ) -> PyResult<PyFilter> {
        let options = build(py, quirks, schemas, resource_type, limits)?;
        let q = crate::options::quirks_arg(quirks)?;
        if !(text.is_instance_of::<PyString>() || text.is_instance_of::<PyBytes>()) {
            return Err(PyTypeError::new_err(format!("Filter() takes str or bytes, not {}", type_name(text))));
        }
        let bytes = text_bytes_lossless(text)?;
        let inner = Filter::parse_bytes_with(&bytes, &options).map_err(|e| scim_error(py, &e, Some(&bytes), None))?;
        Ok(PyFilter { inner, quirks: q })
    }

    /// Whether `resource` (a dict, read in place) satisfies the filter.
    fn matches(&self, resource: &Bound<'_, PyAny>) -> PyResult<bool> {
        let doc = resource_dict(resource, "matches")?;
        self.inner.matches_node(&PyNode(doc.clone().into_any()))
    }

    /// The resources of `resources` (any iterable of dicts) the filter matches, in order.
    fn filter<'py>(&self, py: Python<'py>, resources: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for item in resources.try_iter()? {
            let item = item?;
            let doc = resource_dict(&item, "filter")?;
            if self.inner.matches_node(&PyNode(doc.clone().into_any()))? {
                out.append(&item)?;
            }
        }
        Ok(out)
    }

    /// Whether the resource given as JSON text (`str` or `bytes`) satisfies the filter; parsed and matched
    /// without the GIL.
    fn matches_json(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<bool> {
        let bytes = text_bytes(py, text, "the JSON text")?;
        let result = py.detach(|| parse_json(&bytes).map(|doc| self.inner.matches(&doc)));
        result.map_err(|e| scim_error(py, &e, Some(&bytes), None))
    }

    /// The tolerances the filter was parsed with.
    #[getter]
    fn quirks(&self) -> PyQuirks {
        self.quirks.clone()
    }

    /// The tolerances that took effect while parsing, sorted by name.
    #[getter]
    fn quirks_fired(&self) -> Vec<&'static str> {
        self.inner.quirks_fired()
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> PyResult<String> {
        repr("Filter", &self.inner.to_string(), &self.quirks)
    }

    /// Filters are equal when their syntax trees are.
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyFilter>().is_ok_and(|o| o.get().inner == self.inner)
    }

    /// Equal syntax trees print the same canonical form.
    fn __hash__(&self) -> u64 {
        hash_text(&self.inner.to_string())
    }
}

fn hash_text(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn repr(class: &str, text: &str, quirks: &PyQuirks) -> PyResult<String> {
    let text = Python::attach(|py| -> PyResult<String> { Ok(PyString::new(py, text).repr()?.to_string()) })?;
    if quirks.quirks == scim_expr::Quirks::strict() {
        Ok(format!("{class}({text})"))
    } else {
        Ok(format!("{class}({text}, quirks={})", quirks.repr_string()))
    }
}

/// The bytes of a filter or path argument; a `str` with a lone surrogate keeps it (surrogatepass), so that the
/// core reports `invalid_utf8` at its position.
fn text_bytes_lossless(text: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = text.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    let s = text.cast::<PyString>()?;
    match s.to_cow() {
        Ok(s) => Ok(s.into_owned().into_bytes()),
        Err(_) => Ok(s.call_method1("encode", ("utf-8", "surrogatepass"))?.cast::<PyBytes>()?.as_bytes().to_vec()),
    }
}

/// A PATCH path (RFC 7644 §3.5.2 Figure 7), parsed alone: to validate one, or to print its canonical form.
#[pyclass(frozen, module = "scim_expr", name = "Path")]
#[derive(Debug)]
pub struct PyPath {
    inner: Path,
    quirks: PyQuirks,
}

#[pymethods]
impl PyPath {
    #[new]
    #[pyo3(signature = (text, /, *, quirks = None, schemas = None, resource_type = None, limits = None))]
    fn new(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        quirks: Option<&Bound<'_, PyAny>>,
        schemas: Option<&Bound<'_, PySchemas>>,
        resource_type: Option<&str>,
        limits: Option<&Bound<'_, PyLimits>>,
    ) -> PyResult<PyPath> {
        let options: Options = build(py, quirks, schemas, resource_type, limits)?;
        let q = crate::options::quirks_arg(quirks)?;
        let bytes = text_bytes(py, text, "the path")?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let err = scim_expr::Error::document(scim_expr::ErrorKind::InvalidUtf8, "the path is not UTF-8")
                .with_position(e.valid_up_to());
            scim_error(py, &err, Some(&bytes), None)
        })?;
        let inner = Path::parse_with(text, &options).map_err(|e| scim_error(py, &e, Some(&bytes), None))?;
        Ok(PyPath { inner, quirks: q })
    }

    /// The schema URN the path names (`urn:…:enterprise:2.0:User` for an extension attribute), if any.
    #[getter]
    fn urn(&self) -> Option<&str> {
        self.inner.urn()
    }

    /// The attribute name, if the path names one.
    #[getter]
    fn attribute(&self) -> Option<&str> {
        self.inner.attribute()
    }

    /// The sub-attribute name (`givenName` of `name.givenName`, `value` of `emails[type eq "work"].value`).
    #[getter]
    fn sub_attribute(&self) -> Option<&str> {
        self.inner.sub_attribute()
    }

    /// The canonical form of the bracketed filter, if any.
    #[getter]
    fn filter(&self) -> Option<String> {
        self.inner.filter().map(ToString::to_string)
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> PyResult<String> {
        repr("Path", &self.inner.to_string(), &self.quirks)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyPath>().is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __hash__(&self) -> u64 {
        hash_text(&self.inner.to_string())
    }
}
