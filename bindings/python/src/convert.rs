//! Python values to `serde_json::Value` and back, once each way per PATCH. Both directions use an explicit stack,
//! so a 100,000-deep dict costs no Rust or Python recursion: it stops at the depth bound with `document.too_deep`.
//! A container met again on its own path is `document.cyclic`; what JSON cannot hold is `document.not_json`.

use std::collections::HashSet;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use scim_expr::ErrorKind;
use serde_json::{Map, Number, Value};

use crate::errors::document_error;
use crate::node::type_name;

/// The deepest nesting converted whatever `Limits.max_document_depth` says: deeper values would make the core's
/// recursive drops and comparisons of `serde_json::Value` a risk to the stack.
pub const MAX_CONVERSION_DEPTH: usize = 1000;

/// What is being converted, for messages and for the failing operation's index.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum What {
    Resource,
    Request,
    Schemas,
}

impl What {
    fn noun(self) -> &'static str {
        match self {
            What::Resource => "the resource",
            What::Request => "the PATCH request",
            What::Schemas => "the schema JSON",
        }
    }
}

#[derive(Clone)]
enum Seg {
    Root,
    Key(String),
    Index(usize),
}

enum Frame<'py> {
    Array { items: Bound<'py, PyAny>, len: usize, next: usize, out: Vec<Value> },
    Object { keys: Bound<'py, PyList>, values: Bound<'py, PyList>, next: usize, out: Map<String, Value> },
}

struct Open<'py> {
    frame: Frame<'py>,
    seg: Seg,
    id: usize,
}

/// The next child of a container and where it goes, or what is wrong with its key and where.
type Child<'py> = Result<Option<(Bound<'py, PyAny>, Seg)>, (String, Seg)>;

enum Step<'py> {
    Scalar(Value),
    Container(Frame<'py>),
}

/// Where a value sits: `Operations[1].value.name`.
fn location(stack: &[Open<'_>], last: &Seg) -> String {
    let mut out = String::new();
    for seg in stack.iter().map(|o| &o.seg).chain(std::iter::once(last)) {
        match seg {
            Seg::Root => {}
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        return "the top level".into();
    }
    // A path 100,000 levels deep is cut to its end.
    match out.char_indices().rev().nth(60) {
        Some((i, _)) => format!("…{}", out.get(i..).unwrap_or_default()),
        None => out,
    }
}

/// For a request, the index of the operation a value sits in: `Operations[i]…`.
fn operation_of(what: What, stack: &[Open<'_>], last: &Seg) -> Option<usize> {
    if what != What::Request {
        return None;
    }
    let mut segs = stack.iter().map(|o| &o.seg).chain(std::iter::once(last)).skip(1);
    match (segs.next(), segs.next()) {
        (Some(Seg::Key(k)), Some(Seg::Index(i))) if k.eq_ignore_ascii_case("Operations") => Some(*i),
        _ => None,
    }
}

fn classify<'py>(item: &Bound<'py, PyAny>) -> Result<Step<'py>, String> {
    if let Ok(s) = item.cast::<PyString>() {
        return s.to_cow().map(|s| Step::Scalar(Value::String(s.into_owned()))).map_err(|_| lone_surrogate());
    }
    if let Ok(d) = item.cast::<PyDict>() {
        // Snapshots: nothing here runs Python code, but iterating a dict that changed would make PyO3 panic.
        return Ok(Step::Container(Frame::Object { keys: d.keys(), values: d.values(), next: 0, out: Map::new() }));
    }
    if let Ok(l) = item.cast::<PyList>() {
        let len = l.len();
        return Ok(Step::Container(Frame::Array { items: item.clone(), len, next: 0, out: Vec::with_capacity(len) }));
    }
    if let Ok(b) = item.cast::<PyBool>() {
        return Ok(Step::Scalar(Value::Bool(b.is_true())));
    }
    if let Ok(i) = item.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Step::Scalar(Value::from(v)));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Step::Scalar(Value::from(v)));
        }
        return Err("an integer beyond 64 bits (pass a float to store a double)".into());
    }
    if let Ok(f) = item.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v).map(|n| Step::Scalar(Value::Number(n))).ok_or_else(|| format!("the float {v}"));
    }
    if item.is_none() {
        return Ok(Step::Scalar(Value::Null));
    }
    if let Ok(t) = item.cast::<PyTuple>() {
        let len = t.len();
        return Ok(Step::Container(Frame::Array { items: item.clone(), len, next: 0, out: Vec::with_capacity(len) }));
    }
    Err(format!("a value of type {}", type_name(item)))
}

fn lone_surrogate() -> String {
    "a string with a lone surrogate".into()
}

impl<'py> Open<'py> {
    /// The next member or element, with where it goes.
    fn next_child(&mut self) -> Child<'py> {
        match &mut self.frame {
            Frame::Array { items, len, next, .. } => {
                if *next >= *len {
                    return Ok(None);
                }
                let i = *next;
                *next += 1;
                let child = items.get_item(i).map_err(|e| (e.to_string(), Seg::Index(i)))?;
                Ok(Some((child, Seg::Index(i))))
            }
            Frame::Object { keys, values, next, .. } => {
                let i = *next;
                let (Ok(key), Ok(value)) = (keys.get_item(i), values.get_item(i)) else {
                    return Ok(None);
                };
                *next += 1;
                // Only a failing key is turned into text for the message: `str()` on every key would cost a
                // Python call and an allocation per member of every converted dict.
                let seg_for_error =
                    || Seg::Key(key.str().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
                let Ok(k) = key.cast::<PyString>() else {
                    return Err((format!("a key of type {}", type_name(&key)), seg_for_error()));
                };
                let k = k.to_cow().map_err(|_| ("a key with a lone surrogate".to_string(), seg_for_error()))?;
                Ok(Some((value, Seg::Key(k.into_owned()))))
            }
        }
    }

    fn push(&mut self, seg: Seg, v: Value) {
        match (&mut self.frame, seg) {
            (Frame::Array { out, .. }, _) => out.push(v),
            (Frame::Object { out, .. }, Seg::Key(k)) => {
                out.insert(k, v);
            }
            (Frame::Object { .. }, _) => {}
        }
    }

    fn finish(self) -> Value {
        match self.frame {
            Frame::Array { out, .. } => Value::Array(out),
            Frame::Object { out, .. } => Value::Object(out),
        }
    }
}

/// Converts `obj` to JSON, refusing nesting deeper than `max_depth` (capped at [`MAX_CONVERSION_DEPTH`]).
pub fn to_value(obj: &Bound<'_, PyAny>, max_depth: usize, what: What) -> PyResult<Value> {
    let py = obj.py();
    let max_depth = max_depth.min(MAX_CONVERSION_DEPTH);
    let fail = |kind: ErrorKind, msg: String, stack: &[Open<'_>], seg: &Seg| {
        document_error(py, kind, msg, operation_of(what, stack, seg))
    };
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut open: HashSet<usize> = HashSet::new();
    let mut next: Option<(Bound<'_, PyAny>, Seg)> = Some((obj.clone(), Seg::Root));
    loop {
        if let Some((item, seg)) = next.take() {
            match classify(&item) {
                Ok(Step::Scalar(v)) => match stack.last_mut() {
                    Some(parent) => parent.push(seg, v),
                    None => return Ok(v),
                },
                Ok(Step::Container(frame)) => {
                    let id = item.as_ptr() as usize;
                    if stack.len() + 1 > max_depth {
                        let msg = format!(
                            "{} nests arrays and objects deeper than {max_depth} levels at {} \
                             (Limits.max_document_depth)",
                            what.noun(),
                            location(&stack, &seg)
                        );
                        return Err(fail(ErrorKind::TooDeep, msg, &stack, &seg));
                    }
                    if !open.insert(id) {
                        let msg = format!("{} contains itself at {}", what.noun(), location(&stack, &seg));
                        return Err(fail(ErrorKind::Cyclic, msg, &stack, &seg));
                    }
                    stack.push(Open { frame, seg, id });
                }
                Err(phrase) => {
                    let msg = format!("{phrase} at {} of {} is not a JSON value", location(&stack, &seg), what.noun());
                    return Err(fail(ErrorKind::NotJson, msg, &stack, &seg));
                }
            }
        }
        let Some(top) = stack.last_mut() else {
            return Ok(Value::Null);
        };
        match top.next_child() {
            Ok(Some(child)) => next = Some(child),
            Ok(None) => {
                let Some(done) = stack.pop() else { continue };
                open.remove(&done.id);
                let seg = done.seg.clone();
                let v = done.finish();
                match stack.last_mut() {
                    Some(parent) => parent.push(seg, v),
                    None => return Ok(v),
                }
            }
            Err((phrase, seg)) => {
                let msg = format!("{phrase} at {} of {} is not a JSON value", location(&stack, &seg), what.noun());
                return Err(fail(ErrorKind::NotJson, msg, &stack, &seg));
            }
        }
    }
}

fn shallow<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(_) => PyList::empty(py).into_any(),
        Value::Object(_) => PyDict::new(py).into_any(),
    })
}

/// Converts JSON to new Python objects: `dict`, `list`, `str`, `int`, `float`, `bool`, `None`. Where `original`
/// (the value the JSON was converted from) has a dict at the same place, its keys keep their order there and new
/// keys follow; elsewhere keys come sorted, as serde_json holds them.
pub fn to_py<'py>(py: Python<'py>, v: &Value, original: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    let root = shallow(py, v)?;
    let mut stack = vec![(v, root.clone(), original.cloned())];
    while let Some((v, obj, orig)) = stack.pop() {
        match v {
            Value::Array(items) => {
                let list = obj.cast::<PyList>()?;
                let orig = orig.as_ref().and_then(|o| o.cast::<PyList>().ok());
                for (i, item) in items.iter().enumerate() {
                    let child = shallow(py, item)?;
                    list.append(&child)?;
                    if item.is_array() || item.is_object() {
                        let o = orig.filter(|o| i < o.len()).map(|o| o.get_item(i)).transpose()?;
                        stack.push((item, child, o));
                    }
                }
            }
            Value::Object(members) => {
                let dict = obj.cast::<PyDict>()?;
                let orig = orig.as_ref().and_then(|o| o.cast::<PyDict>().ok());
                let mut order: Vec<(&String, &Value, Option<Bound<'py, PyAny>>)> = Vec::with_capacity(members.len());
                let mut placed: HashSet<&str> = HashSet::new();
                if let Some(o) = orig {
                    for (key, value) in o.keys().iter().zip(o.values().iter()) {
                        let Ok(k) = key.cast::<PyString>() else { continue };
                        let Ok(k) = k.to_cow() else { continue };
                        if let Some((name, item)) = members.get_key_value(k.as_ref()) {
                            if placed.insert(name.as_str()) {
                                order.push((name, item, Some(value)));
                            }
                        }
                    }
                }
                order.extend(members.iter().filter(|(k, _)| !placed.contains(k.as_str())).map(|(k, v)| (k, v, None)));
                for (k, item, o) in order {
                    let child = shallow(py, item)?;
                    dict.set_item(k, &child)?;
                    if item.is_array() || item.is_object() {
                        stack.push((item, child, o));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(root)
}
