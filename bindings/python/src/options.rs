//! The options every parse takes: `Quirks` (a preset plus single tolerances), `Limits`, `Schemas` (RFC 7643
//! Schema JSON) and the resource type, turned into a core `Options`.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use scim_expr::{Limits, Options, Quirks};

use crate::convert::{to_value, What};
use crate::errors::scim_error;

const PRESETS: [&str; 4] = ["strict", "entra", "okta", "lenient"];

/// A set of identity-provider tolerances: a preset with single tolerances switched on or off.
#[pyclass(frozen, module = "scim_expr", name = "Quirks")]
#[derive(Debug, Clone)]
pub struct PyQuirks {
    pub quirks: Quirks,
    preset: &'static str,
}

fn preset(name: &str) -> PyResult<(&'static str, Quirks)> {
    let known = PRESETS.iter().find(|p| p.eq_ignore_ascii_case(name));
    match (known, Quirks::preset(name)) {
        (Some(p), Some(q)) => Ok((p, q)),
        _ => Err(PyValueError::new_err(format!("no quirks preset named {name:?}; known: {}", PRESETS.join(", ")))),
    }
}

impl PyQuirks {
    fn with_toggles(&self, py: Python<'_>, toggles: Option<&Bound<'_, PyDict>>) -> PyResult<PyQuirks> {
        let mut out = self.clone();
        for (name, on) in toggles.into_iter().flat_map(|d| d.iter()) {
            let name: String = name.extract()?;
            let on: bool =
                on.extract().map_err(|_| PyTypeError::new_err(format!("tolerance {name:?} takes True or False")))?;
            out.quirks.set(&name, on).map_err(|e| scim_error(py, &e, None, None))?;
        }
        Ok(out)
    }
}

#[pymethods]
impl PyQuirks {
    #[new]
    #[pyo3(signature = (preset_name = "strict", /, **toggles))]
    fn new(py: Python<'_>, preset_name: &str, toggles: Option<&Bound<'_, PyDict>>) -> PyResult<PyQuirks> {
        let (name, quirks) = preset(preset_name)?;
        PyQuirks { quirks, preset: name }.with_toggles(py, toggles)
    }

    /// The same preset and toggles with these tolerances switched on (`True`) or off (`False`).
    #[pyo3(signature = (**toggles))]
    fn replace(&self, py: Python<'_>, toggles: Option<&Bound<'_, PyDict>>) -> PyResult<PyQuirks> {
        self.with_toggles(py, toggles)
    }

    /// The preset this set started from.
    #[getter]
    fn preset(&self) -> &'static str {
        self.preset
    }

    /// The names of the tolerances that are on, in declaration order.
    #[getter]
    fn enabled(&self) -> Vec<&'static str> {
        self.quirks.enabled()
    }

    /// The name of every tolerance.
    #[staticmethod]
    fn names() -> Vec<&'static str> {
        Quirks::NAMES.to_vec()
    }

    /// The preset names.
    #[staticmethod]
    fn presets() -> Vec<&'static str> {
        PRESETS.to_vec()
    }

    fn __getitem__(&self, name: &str) -> PyResult<bool> {
        self.quirks.get(name).ok_or_else(|| PyKeyError::new_err(name.to_string()))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyQuirks>().is_ok_and(|o| o.get().quirks == self.quirks)
    }

    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.quirks.hash(&mut h);
        h.finish()
    }

    fn __repr__(&self) -> String {
        self.repr_string()
    }
}

impl PyQuirks {
    pub fn repr_string(&self) -> String {
        let base = Quirks::preset(self.preset).unwrap_or_default();
        let mut out = format!("Quirks('{}'", self.preset);
        for name in Quirks::NAMES {
            let (now, was) = (self.quirks.get(name), base.get(name));
            if now != was {
                out.push_str(&format!(", {name}={}", if now == Some(true) { "True" } else { "False" }));
            }
        }
        out.push(')');
        out
    }
}

/// Bounds on input size; each exceeded limit is a `ScimError` with its own code.
#[pyclass(frozen, eq, hash, module = "scim_expr", name = "Limits")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyLimits {
    pub limits: Limits,
}

#[pymethods]
impl PyLimits {
    #[new]
    #[pyo3(signature = (*, max_filter_length=None, max_depth=None, max_path_length=None, max_operations=None,
                        max_values=None, max_document_depth=None))]
    fn new(
        max_filter_length: Option<usize>,
        max_depth: Option<usize>,
        max_path_length: Option<usize>,
        max_operations: Option<usize>,
        max_values: Option<usize>,
        max_document_depth: Option<usize>,
    ) -> PyLimits {
        let d = Limits::new();
        PyLimits {
            limits: d
                .with_max_filter_length(max_filter_length.unwrap_or(d.max_filter_length))
                .with_max_depth(max_depth.unwrap_or(d.max_depth))
                .with_max_path_length(max_path_length.unwrap_or(d.max_path_length))
                .with_max_operations(max_operations.unwrap_or(d.max_operations))
                .with_max_values(max_values.unwrap_or(d.max_values))
                .with_max_document_depth(max_document_depth.unwrap_or(d.max_document_depth)),
        }
    }

    #[getter]
    fn max_filter_length(&self) -> usize {
        self.limits.max_filter_length
    }
    #[getter]
    fn max_depth(&self) -> usize {
        self.limits.max_depth
    }
    #[getter]
    fn max_path_length(&self) -> usize {
        self.limits.max_path_length
    }
    #[getter]
    fn max_operations(&self) -> usize {
        self.limits.max_operations
    }
    #[getter]
    fn max_values(&self) -> usize {
        self.limits.max_values
    }
    #[getter]
    fn max_document_depth(&self) -> usize {
        self.limits.max_document_depth
    }

    fn __repr__(&self) -> String {
        let l = self.limits;
        format!(
            "Limits(max_filter_length={}, max_depth={}, max_path_length={}, max_operations={}, max_values={}, \
             max_document_depth={})",
            l.max_filter_length, l.max_depth, l.max_path_length, l.max_operations, l.max_values, l.max_document_depth
        )
    }
}

/// The built-in User, Group and EnterpriseUser schemas plus RFC 7643 Schema and ResourceType resources.
#[pyclass(frozen, module = "scim_expr", name = "Schemas")]
#[derive(Debug)]
pub struct PySchemas {
    pub schemas: Arc<scim_expr::Schemas>,
}

#[pymethods]
impl PySchemas {
    /// `definitions`: one Schema or ResourceType resource (a dict), a list of them, or a ListResponse with
    /// `Resources` (what `GET /Schemas` returns). `None`: the built-in schemas only.
    #[new]
    #[pyo3(signature = (definitions = None, /))]
    fn new(py: Python<'_>, definitions: Option<&Bound<'_, PyAny>>) -> PyResult<PySchemas> {
        let Some(defs) = definitions else {
            return Ok(PySchemas { schemas: Arc::new(scim_expr::Schemas::builtin()) });
        };
        if defs.is_instance_of::<PyString>() || defs.is_instance_of::<PyBytes>() {
            return Err(PyTypeError::new_err("Schemas() takes parsed JSON; use Schemas.from_json() for JSON text"));
        }
        let json = to_value(defs, Limits::new().max_document_depth, What::Schemas)?;
        let schemas = scim_expr::Schemas::from_json(&json).map_err(|e| scim_error(py, &e, None, None))?;
        Ok(PySchemas { schemas: Arc::new(schemas) })
    }

    /// The same as `Schemas(json.loads(text))`, reading `str` or `bytes`.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<PySchemas> {
        let json = crate::json::json_arg(py, text)?;
        let schemas = scim_expr::Schemas::from_json(&json).map_err(|e| scim_error(py, &e, None, None))?;
        Ok(PySchemas { schemas: Arc::new(schemas) })
    }

    /// The resource type names, such as `["User", "Group", "Device"]`.
    #[getter]
    fn resource_types(&self) -> Vec<String> {
        self.schemas.resource_types().iter().map(|r| r.name.clone()).collect()
    }

    fn __repr__(&self) -> String {
        format!("<Schemas resource types: {}>", self.resource_types().join(", "))
    }
}

/// The keyword options of `Filter`, `Path` and `Patch`.
pub fn build(
    py: Python<'_>,
    quirks: Option<&Bound<'_, PyAny>>,
    schemas: Option<&Bound<'_, PySchemas>>,
    resource_type: Option<&str>,
    limits: Option<&Bound<'_, PyLimits>>,
) -> PyResult<Options> {
    let quirks = quirks_arg(quirks)?;
    let mut options = Options::new().with_quirks(quirks.quirks);
    if let Some(s) = schemas {
        options = options.with_schemas(s.get().schemas.clone());
    }
    if let Some(l) = limits {
        options = options.with_limits(l.get().limits);
    }
    if let Some(rt) = resource_type {
        options = options.with_resource_type(rt).map_err(|e| scim_error(py, &e, None, None))?;
    }
    Ok(options)
}

/// `quirks=`: a preset name or a `Quirks`.
pub fn quirks_arg(quirks: Option<&Bound<'_, PyAny>>) -> PyResult<PyQuirks> {
    match quirks {
        None => Ok(PyQuirks { quirks: Quirks::strict(), preset: "strict" }),
        Some(q) => {
            if let Ok(q) = q.cast::<PyQuirks>() {
                return Ok(q.get().clone());
            }
            if let Ok(name) = q.extract::<String>() {
                let (name, quirks) = preset(&name)?;
                return Ok(PyQuirks { quirks, preset: name });
            }
            Err(PyTypeError::new_err(format!(
                "quirks takes a preset name ({}) or a Quirks, not {}",
                PRESETS.join(", "),
                crate::node::type_name(q)
            )))
        }
    }
}
