//! The core's read-only `Node` trait for Python objects: a filter reads dicts, lists and scalars where they are,
//! one attribute at a time, so a `userName eq "x"` check touches one key of the resource and converts nothing.

use std::cell::RefCell;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use scim_expr::overlay::Host;
use scim_expr::{ErrorKind, Node, Num, View};

use crate::errors::document_error;

/// A Python value read as JSON: `dict` (and subclasses) as an object, `list` and `tuple` as arrays, `str`,
/// `int`, `float`, `bool` and `None` as scalars. Anything else, NaN, an infinity, a string with a lone surrogate
/// or a non-`str` key met while reading is a `document.not_json` error. An `int` beyond 64 bits reads as a
/// double, as serde_json reads such a literal in JSON text.
#[derive(Clone)]
pub struct PyNode<'py>(pub Bound<'py, PyAny>);

fn not_json(py: Python<'_>, what: String) -> PyErr {
    document_error(py, ErrorKind::NotJson, format!("{what} is not a JSON value"), None)
}

/// The number an `int` compares as: exactly within 64 bits, else the nearest double.
pub fn int_num(i: &Bound<'_, PyInt>) -> PyResult<Num> {
    if let Ok(v) = i.extract::<i64>() {
        return Ok(Num::Int(v));
    }
    if let Ok(v) = i.extract::<u64>() {
        return Ok(Num::UInt(v));
    }
    match i.extract::<f64>() {
        Ok(v) if v.is_finite() => Ok(Num::Float(v)),
        _ => Err(not_json(i.py(), "an integer too large for a double".into())),
    }
}

/// A float's value, refusing NaN and the infinities, which JSON cannot express.
pub fn finite(f: &Bound<'_, PyFloat>) -> PyResult<f64> {
    let v = f.value();
    if v.is_finite() {
        Ok(v)
    } else {
        Err(not_json(f.py(), format!("the float {v}")))
    }
}

impl<'py> Node for PyNode<'py> {
    type Error = PyErr;

    fn view(&self) -> PyResult<View<'_>> {
        let o = &self.0;
        if let Ok(s) = o.cast::<PyString>() {
            return s.to_cow().map(View::String).map_err(|_| not_json(o.py(), "a string with a lone surrogate".into()));
        }
        if o.cast::<PyDict>().is_ok() {
            return Ok(View::Object);
        }
        if let Ok(l) = o.cast::<PyList>() {
            return Ok(View::Array(l.len()));
        }
        if let Ok(b) = o.cast::<PyBool>() {
            return Ok(View::Bool(b.is_true()));
        }
        if let Ok(i) = o.cast::<PyInt>() {
            return int_num(i).map(View::Number);
        }
        if let Ok(f) = o.cast::<PyFloat>() {
            return finite(f).map(|v| View::Number(Num::Float(v)));
        }
        if o.is_none() {
            return Ok(View::Null);
        }
        if let Ok(t) = o.cast::<PyTuple>() {
            return Ok(View::Array(t.len()));
        }
        Err(not_json(o.py(), format!("a value of type {}", type_name(o))))
    }

    fn get(&self, name: &str) -> PyResult<Option<Self>> {
        self.get_keyed(name, None)
    }

    fn index(&self, i: usize) -> PyResult<Option<Self>> {
        if let Ok(l) = self.0.cast::<PyList>() {
            return if i < l.len() { l.get_item(i).map(|v| Some(PyNode(v))) } else { Ok(None) };
        }
        if let Ok(t) = self.0.cast::<PyTuple>() {
            return if i < t.len() { t.get_item(i).map(|v| Some(PyNode(v))) } else { Ok(None) };
        }
        Ok(None)
    }

    fn any_member(&self, f: &mut dyn FnMut(&Self) -> PyResult<bool>) -> PyResult<bool> {
        let Ok(d) = self.0.cast::<PyDict>() else {
            return Ok(false);
        };
        for v in d.values().iter() {
            if f(&PyNode(v))? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

impl<'py> PyNode<'py> {
    /// [`Node::get`], looking the exact name up by `key` (a str of that text) when given: a str made once and
    /// used for many lookups has its hash computed once.
    fn get_keyed(&self, name: &str, key: Option<&Bound<'py, PyString>>) -> PyResult<Option<Self>> {
        let Ok(d) = self.0.cast::<PyDict>() else {
            return Ok(None);
        };
        let exact = match key {
            Some(k) => d.get_item(k)?,
            None => d.get_item(name)?,
        };
        if let Some(v) = exact {
            return Ok(Some(PyNode(v)));
        }
        // As converting would read it: the smallest key equal to `name` ignoring case.
        match smallest_key_like(d, name)? {
            Some((_, key)) => Ok(d.get_item(key)?.map(PyNode)),
            None => Ok(None),
        }
    }
}

/// The str objects of the names a PATCH looks up, made once per apply: the engine reads `value` of each of a
/// group's 10,000 members, and a str made for each lookup would be hashed each time.
#[derive(Default)]
pub struct KeyNames<'py> {
    made: RefCell<Vec<(String, Bound<'py, PyString>)>>,
}

/// How many names [`KeyNames`] keeps.
const NAMES_KEPT: usize = 32;

impl<'py> KeyNames<'py> {
    fn key(&self, py: Python<'py>, name: &str) -> Bound<'py, PyString> {
        if let Ok(made) = self.made.try_borrow() {
            if let Some((_, k)) = made.iter().find(|(n, _)| n == name) {
                return k.clone();
            }
        }
        let k = PyString::new(py, name);
        if let Ok(mut made) = self.made.try_borrow_mut() {
            if made.len() < NAMES_KEPT {
                made.push((name.to_owned(), k.clone()));
            }
        }
        k
    }
}

/// A Python value as the PATCH engine reads it ([`Host`], for `Patch.apply`'s copy-on-write overlay): a
/// [`PyNode`] whose lookups by name use the apply's [`KeyNames`]. Nothing here runs Python code while a dict is
/// being iterated (the callbacks only read), so no finalizer can change it meanwhile.
#[derive(Clone)]
pub struct Keyed<'py, 'k> {
    pub node: PyNode<'py>,
    pub names: &'k KeyNames<'py>,
}

impl<'py, 'k> Keyed<'py, 'k> {
    fn wrap(&self, node: PyNode<'py>) -> Self {
        Keyed { node, names: self.names }
    }
}

impl<'py> Node for Keyed<'py, '_> {
    type Error = PyErr;

    fn view(&self) -> PyResult<View<'_>> {
        self.node.view()
    }

    fn get(&self, name: &str) -> PyResult<Option<Self>> {
        let key = self.names.key(self.node.0.py(), name);
        Ok(self.node.get_keyed(name, Some(&key))?.map(|n| self.wrap(n)))
    }

    fn index(&self, i: usize) -> PyResult<Option<Self>> {
        Ok(self.node.index(i)?.map(|n| self.wrap(n)))
    }

    fn any_member(&self, f: &mut dyn FnMut(&Self) -> PyResult<bool>) -> PyResult<bool> {
        self.node.any_member(&mut |n| f(&self.wrap(n.clone())))
    }
}

impl<'py> Host for Keyed<'py, '_> {
    fn member(&self, key: &str) -> PyResult<Option<Self>> {
        let Ok(d) = self.node.0.cast::<PyDict>() else {
            return Ok(None);
        };
        Ok(d.get_item(self.names.key(d.py(), key))?.map(|v| self.wrap(PyNode(v))))
    }

    fn members(&self, f: &mut dyn FnMut(&str, Self) -> PyResult<bool>) -> PyResult<()> {
        let Ok(d) = self.node.0.cast::<PyDict>() else {
            return Ok(());
        };
        for (key, value) in d.iter() {
            let Ok(k) = key.cast::<PyString>() else {
                return Err(not_json(d.py(), format!("an object with a key of type {}", type_name(&key))));
            };
            let text = k.to_cow().map_err(|_| not_json(d.py(), "a key with a lone surrogate".into()))?;
            if !f(&text, self.wrap(PyNode(value)))? {
                break;
            }
        }
        Ok(())
    }

    fn key_like(&self, name: &str) -> PyResult<Option<String>> {
        let Ok(d) = self.node.0.cast::<PyDict>() else {
            return Ok(None);
        };
        Ok(smallest_key_like(d, name)?.map(|(text, _)| text))
    }

    fn member_count(&self) -> PyResult<usize> {
        Ok(self.node.0.cast::<PyDict>().map_or(0, |d| d.len()))
    }
}

/// [`Host::key_like`] in one walk over the keys that reads no value and, for an ASCII name (attribute names
/// are), the text of only the keys as long as it: a dict's order says nothing about which key is smallest, so
/// every key is visited, but most are passed over on their length.
fn smallest_key_like<'py>(d: &Bound<'py, PyDict>, name: &str) -> PyResult<Option<(String, Bound<'py, PyAny>)>> {
    let mut found: Option<(String, Bound<'py, PyAny>)> = None;
    // Nothing in the walk runs Python code (a key's __eq__ would, in get_item), so the dict cannot change under it.
    for (key, _) in d.iter() {
        let Ok(k) = key.cast::<PyString>() else {
            return Err(not_json(d.py(), format!("an object with a key of type {}", type_name(&key))));
        };
        if name.is_ascii() && k.code_point_len()? != name.len() {
            continue;
        }
        let text = k.to_cow().map_err(|_| not_json(d.py(), "a key with a lone surrogate".into()))?;
        if text.eq_ignore_ascii_case(name) && found.as_ref().is_none_or(|(f, _)| *text < **f) {
            found = Some((text.into_owned(), key.clone()));
        }
    }
    Ok(found)
}

/// The Python type's name, for messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}
