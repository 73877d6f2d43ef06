//! `Patch`: a PatchOp request parsed once and applied to any number of resources. Each apply checks the top-level
//! members the request touches ([`Patch::touches`]) as converting them would, runs the core on the dict itself
//! through its copy-on-write overlay ([`Patch::apply_to`]: the core reads the dict in place and materializes only
//! what it writes), and builds a new dict from the result that shares every other member with the input, and the
//! elements of a patched list that the request left as they were; the input is never modified.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use scim_expr::overlay::Failure as Overlay;
use scim_expr::{Error, ErrorKind, Options, Outcome, Patch};
use serde_json::Value;

use crate::convert::{check_members, overlay_to_py, to_value, KeyTexts, What};
use crate::errors::scim_error;
use crate::json::{json_arg, text_bytes};
use crate::node::{type_name, KeyNames, Keyed, PyNode};
use crate::options::{build, PyLimits, PyQuirks, PySchemas};
use crate::text::{depth_exceeds, parse_json};

/// The PatchOp envelope above an operation's value: the request object, `Operations`, the operation.
const ENVELOPE_DEPTH: usize = 3;

/// A parsed PATCH request: immutable, safe to share between threads.
#[pyclass(frozen, module = "scim_expr", name = "Patch")]
#[derive(Debug)]
pub struct PyPatch {
    inner: Patch,
    quirks: PyQuirks,
    max_document_depth: usize,
    /// Each operation's `path` text, to turn a byte position in an error into code points.
    paths: Vec<Option<String>>,
}

/// What applying a request did: the new resource, whether anything changed, the tolerances that fired.
#[pyclass(frozen, module = "scim_expr", name = "Outcome")]
#[derive(Debug)]
pub struct PyOutcome {
    resource: Py<PyAny>,
    changed: bool,
    quirks_fired: Vec<&'static str>,
}

#[pymethods]
impl PyOutcome {
    /// The resource after the request: a new dict (`apply_outcome`) or JSON text (`apply_json_outcome`).
    #[getter]
    fn resource(&self, py: Python<'_>) -> Py<PyAny> {
        self.resource.clone_ref(py)
    }

    /// Whether an operation modified the resource (keep `meta.lastModified` and the version when not).
    #[getter]
    fn changed(&self) -> bool {
        self.changed
    }

    /// The tolerances that took effect while parsing and applying, sorted by name.
    #[getter]
    fn quirks_fired(&self) -> Vec<&'static str> {
        self.quirks_fired.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Outcome(changed={}, quirks_fired={:?})",
            if self.changed { "True" } else { "False" },
            self.quirks_fired
        )
    }
}

fn member<'v>(obj: &'v serde_json::Map<String, Value>, name: &str) -> Option<&'v Value> {
    obj.get(name).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// Each operation's `path` string, for converting error positions.
fn path_texts(request: &Value) -> Vec<Option<String>> {
    let ops = request.as_object().and_then(|r| member(r, "Operations")).and_then(Value::as_array);
    ops.into_iter()
        .flatten()
        .map(|op| op.as_object().and_then(|o| member(o, "path")).and_then(Value::as_str).map(str::to_string))
        .collect()
}

enum Failure {
    /// The resource's JSON text: its position points into that text.
    Json(Error),
    /// The core's error: its position points into the failing operation's path.
    Patch(Error),
}

impl PyPatch {
    fn parse(py: Python<'_>, request: &Value, options: &Options, quirks: PyQuirks) -> PyResult<PyPatch> {
        let paths = path_texts(request);
        let inner = Patch::parse_with(request, options).map_err(|e| patch_error(py, &e, &paths))?;
        Ok(PyPatch { inner, quirks, max_document_depth: options.limits().max_document_depth, paths })
    }

    fn run<'py>(&self, py: Python<'py>, resource: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Outcome)> {
        let Ok(dict) = resource.cast::<PyDict>() else {
            return Err(PyTypeError::new_err(format!(
                "Patch.apply() takes a resource dict, not {}",
                type_name(resource)
            )));
        };
        let mut keys = KeyTexts::default();
        let touches = |key: &str| self.inner.touches(key);
        let clean = check_members(dict, &touches, self.max_document_depth, &mut keys)?;
        // The core reads the dict in place (with the GIL held: it reads Python objects) and only the members the
        // request touches, which are checked to be JSON: a read that still fails is that error.
        let names = KeyNames::default();
        let (lazy, outcome) = match self.inner.apply_to(Keyed { node: PyNode(dict.clone().into_any()), names: &names })
        {
            Ok(done) => done,
            Err(Overlay::Patch(e)) => return Err(patch_error(py, &e, &self.paths)),
            Err(Overlay::Host(e)) => return Err(e),
        };
        let result = overlay_to_py(py, dict, &lazy, &touches, &clean, self.max_document_depth, &mut keys)?;
        Ok((result.into_any(), outcome))
    }

    fn run_json(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<(String, Outcome)> {
        let bytes = text_bytes(py, text, "the JSON text")?;
        let max = self.max_document_depth;
        let result = py.detach(|| {
            let mut doc = parse_json(&bytes).map_err(Failure::Json)?;
            if depth_exceeds(&doc, max) {
                let msg = format!(
                    "the resource nests arrays and objects deeper than {max} levels (Limits.max_document_depth)"
                );
                return Err(Failure::Json(Error::document(ErrorKind::TooDeep, msg)));
            }
            let outcome = self.inner.apply(&mut doc).map_err(Failure::Patch)?;
            Ok((doc.to_string(), outcome))
        });
        result.map_err(|f| match f {
            Failure::Json(e) => scim_error(py, &e, Some(&bytes), None),
            Failure::Patch(e) => patch_error(py, &e, &self.paths),
        })
    }
}

fn patch_error(py: Python<'_>, e: &Error, paths: &[Option<String>]) -> PyErr {
    let source = e.operation().and_then(|i| paths.get(i)).and_then(Option::as_deref).map(str::as_bytes);
    scim_error(py, e, source, None)
}

fn outcome(resource: Py<PyAny>, o: &Outcome) -> PyOutcome {
    PyOutcome { resource, changed: o.changed(), quirks_fired: o.quirks_fired() }
}

#[pymethods]
impl PyPatch {
    /// Parses a PatchOp request body given as parsed JSON (a dict, as `json.loads` returns it).
    #[new]
    #[pyo3(signature = (request, /, *, quirks = None, schemas = None, resource_type = None, limits = None))]
    fn new(
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        quirks: Option<&Bound<'_, PyAny>>,
        schemas: Option<&Bound<'_, PySchemas>>,
        resource_type: Option<&str>,
        limits: Option<&Bound<'_, PyLimits>>,
    ) -> PyResult<PyPatch> {
        // A str is a JSON value (and a PATCH body that is one is `patch.not_an_object`); bytes are not.
        if request.is_instance_of::<PyBytes>() {
            return Err(PyTypeError::new_err("Patch() takes the parsed request; use Patch.from_json() for JSON text"));
        }
        let options = build(py, quirks, schemas, resource_type, limits)?;
        let q = crate::options::quirks_arg(quirks)?;
        let depth = options.limits().max_document_depth.saturating_add(ENVELOPE_DEPTH);
        let json = to_value(request, depth, What::Request)?;
        PyPatch::parse(py, &json, &options, q)
    }

    /// Parses a PatchOp request body given as JSON text (`str` or `bytes`).
    #[staticmethod]
    #[pyo3(signature = (text, /, *, quirks = None, schemas = None, resource_type = None, limits = None))]
    fn from_json(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        quirks: Option<&Bound<'_, PyAny>>,
        schemas: Option<&Bound<'_, PySchemas>>,
        resource_type: Option<&str>,
        limits: Option<&Bound<'_, PyLimits>>,
    ) -> PyResult<PyPatch> {
        let options = build(py, quirks, schemas, resource_type, limits)?;
        let q = crate::options::quirks_arg(quirks)?;
        let json = json_arg(py, text)?;
        PyPatch::parse(py, &json, &options, q)
    }

    /// The resource after every operation, as a new dict that shares the members the request does not touch (and
    /// the unchanged elements of a patched list) with `resource`, which is not modified. On error nothing is applied.
    fn apply<'py>(&self, py: Python<'py>, resource: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.run(py, resource)?.0)
    }

    /// Like `apply`, with whether anything changed and which tolerances fired.
    fn apply_outcome(&self, py: Python<'_>, resource: &Bound<'_, PyAny>) -> PyResult<PyOutcome> {
        let (doc, o) = self.run(py, resource)?;
        Ok(outcome(doc.unbind(), &o))
    }

    /// The resource given as JSON text (`str` or `bytes`) after every operation, as JSON text.
    fn apply_json(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<String> {
        Ok(self.run_json(py, text)?.0)
    }

    /// Like `apply_json`, with whether anything changed and which tolerances fired.
    fn apply_json_outcome(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<PyOutcome> {
        let (doc, o) = self.run_json(py, text)?;
        let doc = PyString::new(py, &doc).into_any().unbind();
        Ok(outcome(doc, &o))
    }

    /// The tolerances the request was parsed with.
    #[getter]
    fn quirks(&self) -> PyQuirks {
        self.quirks.clone()
    }

    /// The number of operations.
    fn __len__(&self) -> usize {
        self.inner.operations().len()
    }

    fn __repr__(&self) -> String {
        let n = self.inner.operations().len();
        format!("<Patch {n} operation{}, quirks={}>", if n == 1 { "" } else { "s" }, self.quirks.repr_string())
    }
}
