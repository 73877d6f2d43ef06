//! Python values to `serde_json::Value` and back. Both directions use an explicit stack, so a 100,000-deep dict
//! costs no Rust or Python recursion: it stops at the depth bound with `document.too_deep`. A container met again
//! on its own path is `document.cyclic`; what JSON cannot hold is `document.not_json`.
//!
//! A PATCH checks the top-level members its request touches as converting them would ([`check_members`]), lets
//! the core read the dict in place, and builds the result from the core's copy-on-write overlay and the input's
//! other members, shared ([`overlay_to_py`]): only what the request wrote is converted back, and a list element
//! that it left as it was is that element itself when converting it would give the same (value and type).
//!
//! Reading a dict while converting uses `PyDict_Next` with no snapshot: nothing here runs Python code or allocates
//! an object the garbage collector tracks while a dict is being read, so no finalizer can change it meanwhile.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use pyo3::prelude::*;
use pyo3::types::iter::BoundDictIterator;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use scim_expr::overlay::{kept_elements, Host, Lazy};
use scim_expr::ErrorKind;
use serde_json::{Map, Number, Value};

use crate::errors::document_error;
use crate::node::{type_name, Keyed};

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

/// Hashes an object's address: one multiplication instead of SipHash, for the set of open containers.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_usize(&mut self, n: usize) {
        let h = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}

type AddressSet = HashSet<usize, BuildHasherDefault<AddressHasher>>;

/// How many distinct key objects [`KeyTexts`] remembers.
const KEYS_REMEMBERED: usize = 48;

/// The text of dict keys already read, by object. A document repeats a few keys thousands of times, mostly as one
/// object each (`json.loads` hands out one str per distinct key, code shares its literals), and reading a str's
/// UTF-8 costs more than comparing addresses. Each entry holds a reference, so an address is never reused.
#[derive(Default)]
pub struct KeyTexts<'py> {
    seen: Vec<(Bound<'py, PyString>, String)>,
}

impl<'py> KeyTexts<'py> {
    /// The key's text, or `None` for a lone surrogate.
    fn text(&mut self, key: &Bound<'py, PyString>) -> Option<String> {
        self.find(key).map(str::to_owned).or_else(|| self.read(key))
    }

    fn find(&self, key: &Bound<'py, PyString>) -> Option<&str> {
        self.seen.iter().find(|(k, _)| k.is(key)).map(|(_, s)| s.as_str())
    }

    fn read(&mut self, key: &Bound<'py, PyString>) -> Option<String> {
        let text = key.to_cow().ok()?.into_owned();
        if self.seen.len() < KEYS_REMEMBERED {
            self.seen.push((key.clone(), text.clone()));
        }
        Some(text)
    }
}

#[derive(Clone)]
enum Seg {
    Root,
    Key(String),
    Index(usize),
}

enum Frame<'py> {
    List { list: Bound<'py, PyList>, next: usize, out: Vec<Value> },
    Tuple { tuple: Bound<'py, PyTuple>, next: usize, out: Vec<Value> },
    Object { items: BoundDictIterator<'py>, out: Map<String, Value> },
}

struct Open<'py> {
    frame: Frame<'py>,
    seg: Seg,
    id: usize,
    /// Whether a key read so far is a `str` subclass, which converting makes a `str`.
    inexact_key: bool,
}

/// The next child of a container and where it goes, or what is wrong with its key and where.
type Child<'py> = Result<Option<(Bound<'py, PyAny>, Seg)>, (String, Seg)>;

enum Step<'py> {
    Scalar(Value),
    Container(Frame<'py>),
}

/// Which members of the resource's top level to convert (or check).
struct Top<'a> {
    keep: &'a dyn Fn(&str) -> bool,
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

/// What `item` is, as JSON; with `build` false only checked (strings are not copied, frames collect nothing).
fn classify<'py>(item: &Bound<'py, PyAny>, build: bool) -> Result<Step<'py>, String> {
    if let Ok(s) = item.cast::<PyString>() {
        let text = s.to_cow().map_err(|_| lone_surrogate())?;
        return Ok(Step::Scalar(if build { Value::String(text.into_owned()) } else { Value::Null }));
    }
    if let Ok(d) = item.cast::<PyDict>() {
        return Ok(Step::Container(Frame::Object { items: d.iter(), out: Map::new() }));
    }
    if let Ok(l) = item.cast::<PyList>() {
        let out = Vec::with_capacity(if build { l.len() } else { 0 });
        return Ok(Step::Container(Frame::List { list: l.clone(), next: 0, out }));
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
        let out = Vec::with_capacity(if build { t.len() } else { 0 });
        return Ok(Step::Container(Frame::Tuple { tuple: t.clone(), next: 0, out }));
    }
    Err(format!("a value of type {}", type_name(item)))
}

/// A str, int, float, bool or None as JSON; `None` for anything else, or one JSON cannot hold.
fn scalar(item: &Bound<'_, PyAny>) -> Option<Value> {
    if let Ok(s) = item.cast::<PyString>() {
        return s.to_cow().ok().map(|s| Value::String(s.into_owned()));
    }
    if let Ok(b) = item.cast::<PyBool>() {
        return Some(Value::Bool(b.is_true()));
    }
    if let Ok(i) = item.cast::<PyInt>() {
        return i.extract::<i64>().map(Value::from).or_else(|_| i.extract::<u64>().map(Value::from)).ok();
    }
    if let Ok(f) = item.cast::<PyFloat>() {
        return Number::from_f64(f.value()).map(Value::Number);
    }
    item.is_none().then_some(Value::Null)
}

/// A dict of str keys and scalar values (a multi-valued attribute's element, `name`, `meta`) in one pass, without
/// the general path's frames; `None` for any other, which the general path then converts or reports.
fn flat<'py>(dict: &Bound<'py, PyDict>, keys: &mut KeyTexts<'py>) -> Option<Value> {
    let mut out = Map::new();
    for (key, value) in dict.iter() {
        let key = keys.text(key.cast::<PyString>().ok()?)?;
        out.insert(key, scalar(&value)?);
    }
    Some(Value::Object(out))
}

/// Whether [`flat`] would convert `dict`, without converting it: `None` if not, else whether its keys and values
/// are all of the exact types converting gives ([`exact`]).
fn flat_ok<'py>(dict: &Bound<'py, PyDict>, keys: &KeyTexts<'py>) -> Option<bool> {
    let mut all_exact = true;
    for (key, value) in dict.iter() {
        let k = key.cast::<PyString>().ok()?;
        if !(keys.find(k).is_some() || k.to_cow().is_ok()) || !scalar_ok(&value) {
            return None;
        }
        all_exact = all_exact && k.is_exact_instance_of::<PyString>() && exact(&value);
    }
    Some(all_exact)
}

/// Whether `item` is of a type converting gives back (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`), not
/// a subclass or a tuple.
fn exact(item: &Bound<'_, PyAny>) -> bool {
    item.is_none()
        || item.is_exact_instance_of::<PyString>()
        || item.is_exact_instance_of::<PyDict>()
        || item.is_exact_instance_of::<PyInt>()
        || item.is_exact_instance_of::<PyFloat>()
        || item.is_exact_instance_of::<PyBool>()
        || item.is_exact_instance_of::<PyList>()
}

/// Whether [`scalar`] would convert `item`, without converting it.
fn scalar_ok(item: &Bound<'_, PyAny>) -> bool {
    if let Ok(s) = item.cast::<PyString>() {
        return s.to_cow().is_ok();
    }
    if item.cast::<PyBool>().is_ok() || item.is_none() {
        return true;
    }
    if let Ok(i) = item.cast::<PyInt>() {
        return i.extract::<i64>().is_ok() || i.extract::<u64>().is_ok();
    }
    item.cast::<PyFloat>().is_ok_and(|f| f.value().is_finite())
}

fn lone_surrogate() -> String {
    "a string with a lone surrogate".into()
}

impl<'py> Open<'py> {
    /// The next member or element, with where it goes. At the top level of a partial conversion (`top`), a member
    /// that is not kept is recorded there and skipped.
    fn next_child(&mut self, keys: &mut KeyTexts<'py>, top: Option<&Top<'_>>) -> Child<'py> {
        match &mut self.frame {
            Frame::List { list, next, .. } => {
                let i = *next;
                // A list that shrank since it was sized simply ends: nothing ran that could shrink it.
                let Ok(child) = list.get_item(i) else { return Ok(None) };
                *next += 1;
                Ok(Some((child, Seg::Index(i))))
            }
            Frame::Tuple { tuple, next, .. } => {
                let i = *next;
                let Ok(child) = tuple.get_item(i) else { return Ok(None) };
                *next += 1;
                Ok(Some((child, Seg::Index(i))))
            }
            Frame::Object { items, .. } => loop {
                let Some((key, value)) = items.next() else { return Ok(None) };
                // Only a failing key is turned into text for the message: `str()` on every key would cost a
                // Python call and an allocation per member of every converted dict.
                let seg_for_error =
                    || Seg::Key(key.str().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
                let Ok(k) = key.cast::<PyString>() else {
                    return Err((format!("a key of type {}", type_name(&key)), seg_for_error()));
                };
                let Some(k) = keys.text(k) else {
                    return Err(("a key with a lone surrogate".to_string(), seg_for_error()));
                };
                if top.is_some_and(|top| !(top.keep)(&k)) {
                    continue;
                }
                self.inexact_key = self.inexact_key || !key.is_exact_instance_of::<PyString>();
                return Ok(Some((value, Seg::Key(k))));
            },
        }
    }

    fn push(&mut self, seg: Seg, v: Value) {
        match (&mut self.frame, seg) {
            (Frame::List { out, .. } | Frame::Tuple { out, .. }, _) => out.push(v),
            (Frame::Object { out, .. }, Seg::Key(k)) => {
                out.insert(k, v);
            }
            (Frame::Object { .. }, _) => {}
        }
    }

    fn finish(self) -> Value {
        match self.frame {
            Frame::List { out, .. } | Frame::Tuple { out, .. } => Value::Array(out),
            Frame::Object { out, .. } => Value::Object(out),
        }
    }
}

/// Converts `obj` to JSON, refusing nesting deeper than `max_depth` (capped at [`MAX_CONVERSION_DEPTH`]).
pub fn to_value(obj: &Bound<'_, PyAny>, max_depth: usize, what: What) -> PyResult<Value> {
    convert(obj, max_depth, what, &mut KeyTexts::default(), None, None)
}

/// Checks the members of `resource` whose key `keep` accepts as converting them would, with the same errors, and
/// converts nothing: every key must be a str, and those members JSON values (not cyclic, not too deep). The
/// other members' values are not read. Returns the names of the checked members that converting would give back
/// as they are (exact types only, within [`SAME_DEPTH`] levels), when every key of `resource` is an exact str.
pub fn check_members<'py>(
    resource: &Bound<'py, PyDict>,
    keep: &dyn Fn(&str) -> bool,
    max_depth: usize,
    keys: &mut KeyTexts<'py>,
) -> PyResult<Vec<String>> {
    let mut clean = Vec::new();
    convert(resource.as_any(), max_depth, What::Resource, keys, Some(&Top { keep }), Some(&mut clean))?;
    if !resource.keys().iter().all(|k| k.is_exact_instance_of::<PyString>()) {
        clean.clear();
    }
    Ok(clean)
}

fn convert<'py>(
    obj: &Bound<'py, PyAny>,
    max_depth: usize,
    what: What,
    keys: &mut KeyTexts<'py>,
    top: Option<&Top<'_>>,
    mut clean: Option<&mut Vec<String>>,
) -> PyResult<Value> {
    // With `clean`, only checked: nothing is built, and the top-level members found clean are listed there.
    let build = clean.is_none();
    let mut member: Option<(String, bool)> = None;
    let py = obj.py();
    let max_depth = max_depth.min(MAX_CONVERSION_DEPTH);
    let fail = |kind: ErrorKind, msg: String, stack: &[Open<'_>], seg: &Seg| {
        document_error(py, kind, msg, operation_of(what, stack, seg))
    };
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut open = AddressSet::default();
    let mut next: Option<(Bound<'_, PyAny>, Seg)> = Some((obj.clone(), Seg::Root));
    loop {
        if let Some((item, seg)) = next.take() {
            let step = classify(&item, build);
            if let Some(m) = member.as_mut().filter(|m| m.1) {
                let too_deep = stack.len() > SAME_DEPTH && matches!(step, Ok(Step::Container(_)));
                m.1 = !too_deep && exact(&item);
            }
            match step {
                Ok(Step::Scalar(v)) => match stack.last_mut() {
                    Some(parent) if build => parent.push(seg, v),
                    Some(_) => {}
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
                    if let (false, Frame::Object { .. }) = (stack.is_empty(), &frame) {
                        let flat = item.cast::<PyDict>().ok().and_then(|d| {
                            if build {
                                flat(d, keys)
                            } else {
                                let checked = flat_ok(d, keys)?;
                                if let (false, Some(m)) = (checked, member.as_mut()) {
                                    m.1 = false;
                                }
                                Some(Value::Null)
                            }
                        });
                        if let Some(v) = flat {
                            if let Some(parent) = stack.last_mut().filter(|_| build) {
                                parent.push(seg, v);
                            }
                            continue;
                        }
                    }
                    if !open.insert(id) {
                        let msg = format!("{} contains itself at {}", what.noun(), location(&stack, &seg));
                        return Err(fail(ErrorKind::Cyclic, msg, &stack, &seg));
                    }
                    stack.push(Open { frame, seg, id, inexact_key: false });
                }
                Err(phrase) => {
                    let msg = format!("{phrase} at {} of {} is not a JSON value", location(&stack, &seg), what.noun());
                    return Err(fail(ErrorKind::NotJson, msg, &stack, &seg));
                }
            }
        }
        let at_top = stack.len() == 1;
        let Some(parent) = stack.last_mut() else {
            return Ok(Value::Null);
        };
        if at_top {
            if let (Some((name, true)), Some(clean)) = (member.take(), clean.as_deref_mut()) {
                clean.push(name);
            }
        }
        match parent.next_child(keys, if at_top { top } else { None }) {
            Ok(Some(child)) => {
                if let (true, false, Seg::Key(k)) = (at_top, build, &child.1) {
                    member = Some((k.clone(), true));
                } else if parent.inexact_key {
                    if let Some(m) = member.as_mut() {
                        m.1 = false;
                    }
                }
                next = Some(child);
            }
            Ok(None) => {
                let Some(done) = stack.pop() else { continue };
                open.remove(&done.id);
                let seg = done.seg.clone();
                let v = done.finish();
                match stack.last_mut() {
                    Some(parent) if build => parent.push(seg, v),
                    Some(_) => {}
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

/// How many key strings [`Back`] keeps to reuse.
const KEYS_INTERNED: usize = 48;

/// How deep [`Back::same`] compares before it calls two values different (and the caller converts).
const SAME_DEPTH: usize = 8;

/// How many of the input's list elements from the current place are tried against an output element: the elements
/// that a request removed from a list are passed over when fewer than this many sit together.
const LOOKAHEAD: usize = 4;

/// The names already given a place in a dict being built: a list while short, a set past that.
#[derive(Default)]
struct Placed<'v> {
    few: Vec<&'v str>,
    many: HashSet<&'v str>,
}

impl<'v> Placed<'v> {
    /// Adds `name`; false when it was there.
    fn insert(&mut self, name: &'v str) -> bool {
        if self.contains(name) {
            return false;
        }
        if self.few.len() < 16 {
            self.few.push(name);
        } else {
            self.many.insert(name);
        }
        true
    }

    fn contains(&self, name: &str) -> bool {
        self.few.contains(&name) || (!self.many.is_empty() && self.many.contains(name))
    }
}

/// JSON to Python, with the state one conversion shares: key strings made once and reused.
struct Back<'py, 'k> {
    py: Python<'py>,
    names: Vec<(String, Bound<'py, PyString>)>,
    keys: &'k mut KeyTexts<'py>,
    /// Whether the values being built come from a member [`check_members`] found clean: what the request did not
    /// write in it is shared as it is.
    clean: bool,
}

impl<'py> Back<'py, '_> {
    fn key(&mut self, name: &str) -> Bound<'py, PyString> {
        if let Some((_, k)) = self.names.iter().find(|(n, _)| n == name) {
            return k.clone();
        }
        let k = PyString::new(self.py, name);
        if self.names.len() < KEYS_INTERNED {
            self.names.push((name.to_owned(), k.clone()));
        }
        k
    }

    fn shallow(&mut self, v: &Value) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
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

    /// Whether converting `v` would give an object equal to `obj` in value and in type, so that `obj` can stand
    /// for it: exact `dict`, `list`, `str`, `int`, `float` (same bits), `bool`, `None`. Reads `obj` without
    /// running Python code; past [`SAME_DEPTH`] levels it answers no.
    fn same(&mut self, v: &Value, obj: &Bound<'py, PyAny>, depth: usize) -> bool {
        match v {
            Value::Null => obj.is_none(),
            Value::Bool(b) => obj.cast_exact::<PyBool>().is_ok_and(|o| o.is_true() == *b),
            Value::Number(n) => {
                if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                    obj.cast_exact::<PyFloat>().is_ok_and(|o| o.value().to_bits() == f.to_bits())
                } else if let Some(i) = n.as_i64() {
                    obj.cast_exact::<PyInt>().is_ok_and(|o| o.extract::<i64>().is_ok_and(|x| x == i))
                } else if let Some(u) = n.as_u64() {
                    obj.cast_exact::<PyInt>().is_ok_and(|o| o.extract::<u64>().is_ok_and(|x| x == u))
                } else {
                    false
                }
            }
            Value::String(s) => obj.cast_exact::<PyString>().is_ok_and(|o| o == s.as_str()),
            Value::Array(items) => {
                let Ok(list) = obj.cast_exact::<PyList>() else { return false };
                depth > 0
                    && list.len() == items.len()
                    && items
                        .iter()
                        .enumerate()
                        .all(|(i, item)| list.get_item(i).is_ok_and(|o| self.same(item, &o, depth - 1)))
            }
            Value::Object(members) => {
                let Ok(dict) = obj.cast_exact::<PyDict>() else { return false };
                if depth == 0 || dict.len() != members.len() {
                    return false;
                }
                // Distinct str keys have distinct texts: all found means the same members.
                let mut found = 0;
                for (k, o) in dict.iter() {
                    let Ok(k) = k.cast_exact::<PyString>() else { return false };
                    let item = match self.keys.find(k) {
                        Some(t) => members.get(t),
                        None => match self.keys.read(k) {
                            Some(t) => members.get(&t),
                            None => None,
                        },
                    };
                    match item {
                        Some(item) if self.same(item, &o, depth - 1) => found += 1,
                        _ => return false,
                    }
                }
                found == members.len()
            }
        }
    }

    /// Converts `v`. Where `original` has a dict at the same place, its keys keep their order there and new keys
    /// follow; elsewhere keys come sorted, as serde_json holds them. In a list, an element equal to the input's
    /// element it lines up with ([`Back::same`]) is that element.
    fn value(&mut self, v: &Value, original: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let root = self.shallow(v)?;
        let mut stack = vec![(v, root.clone(), original.cloned())];
        while let Some((v, obj, orig)) = stack.pop() {
            match v {
                Value::Array(items) => {
                    let list = obj.cast::<PyList>()?;
                    let orig = orig.as_ref().and_then(|o| o.cast_exact::<PyList>().ok());
                    let mut at: usize = 0;
                    for item in items {
                        if let Some(o) = orig {
                            let found = (at..at.saturating_add(LOOKAHEAD))
                                .map_while(|j| o.get_item(j).ok().map(|e| (j, e)))
                                .find(|(_, e)| self.same(item, e, SAME_DEPTH));
                            if let Some((j, e)) = found {
                                list.append(&e)?;
                                at = j + 1;
                                continue;
                            }
                        }
                        let child = self.shallow(item)?;
                        list.append(&child)?;
                        if item.is_array() || item.is_object() {
                            stack.push((item, child, orig.and_then(|o| o.get_item(at).ok())));
                        }
                        at += 1;
                    }
                }
                Value::Object(members) => {
                    let dict = obj.cast::<PyDict>()?;
                    let orig = orig.as_ref().and_then(|o| o.cast::<PyDict>().ok());
                    let mut order: Vec<(&String, &Value, Option<Bound<'py, PyAny>>)> =
                        Vec::with_capacity(members.len());
                    let mut placed = Placed::default();
                    if let Some(o) = orig {
                        for (key, value) in o.iter() {
                            let Ok(k) = key.cast::<PyString>() else { continue };
                            let Some(k) = self.keys.text(k) else { continue };
                            // A str subclass can make two keys of one text: the first one places it.
                            if let Some((name, item)) = members.get_key_value(&k) {
                                if placed.insert(name.as_str()) {
                                    order.push((name, item, Some(value)));
                                }
                            }
                        }
                    }
                    if order.len() < members.len() {
                        let rest = members.iter().filter(|(k, _)| !placed.contains(k.as_str()));
                        order.extend(rest.map(|(k, v)| (k, v, None)));
                    }
                    for (k, item, o) in order {
                        let child = self.shallow(item)?;
                        dict.set_item(self.key(k), &child)?;
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
}

/// A member of an object being built from the overlay: its key, its value there, the input's value at its place.
type Placing<'a, 'py, 'k> = (&'a str, &'a Lazy<Keyed<'py, 'k>>, Option<Bound<'py, PyAny>>);

/// Whether converting `obj` (already checked to be JSON) would give an object equal to it in value and in type
/// ([`Back::same`] without the conversion): exact `dict` with `str` keys, `list`, `str`, `int`, `float`, `bool`,
/// `None`, at most `depth` levels deep.
fn pure(obj: &Bound<'_, PyAny>, depth: usize) -> bool {
    if obj.is_none()
        || obj.is_exact_instance_of::<PyString>()
        || obj.is_exact_instance_of::<PyBool>()
        || obj.is_exact_instance_of::<PyInt>()
        || obj.is_exact_instance_of::<PyFloat>()
    {
        return true;
    }
    if depth == 0 {
        return false;
    }
    if let Ok(list) = obj.cast_exact::<PyList>() {
        return list.iter().all(|item| pure(&item, depth - 1));
    }
    if let Ok(dict) = obj.cast_exact::<PyDict>() {
        return dict.iter().all(|(k, v)| k.is_exact_instance_of::<PyString>() && pure(&v, depth - 1));
    }
    false
}

impl<'py> Back<'py, '_> {
    /// A value the request did not write: the object itself when converting it would give the same, known for a
    /// member found clean ([`check_members`]) and checked ([`pure`]) for a list element of another; else what
    /// converting gives.
    fn host(&mut self, obj: &Bound<'py, PyAny>, in_list: bool, max_depth: usize) -> PyResult<Bound<'py, PyAny>> {
        if self.clean || (in_list && pure(obj, SAME_DEPTH)) {
            return Ok(obj.clone());
        }
        let v = to_value(obj, max_depth, What::Resource)?;
        let out = self.value(&v, Some(obj));
        self.py.detach(move || drop(v));
        out
    }

    /// The Python value of one place of the overlay. `orig` is the input's value at the same place: its keys keep
    /// their order there, and in a list an element of it that the request left as it was is that element.
    fn lazy(
        &mut self,
        lazy: &Lazy<Keyed<'py, '_>>,
        orig: Option<&Bound<'py, PyAny>>,
        in_list: bool,
        max_depth: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        match lazy {
            Lazy::Host(h) => self.host(&h.node.0, in_list, max_depth),
            Lazy::Owned(v) => self.value(v, orig),
            Lazy::Array(items) => {
                let list = PyList::empty(self.py);
                let orig = orig.and_then(|o| o.cast_exact::<PyList>().ok());
                let mut at: usize = 0;
                for item in items {
                    let o = match item {
                        Lazy::Host(h) => {
                            // Keep in step with the input: the place after this element in it.
                            let found = (at..at.saturating_add(LOOKAHEAD))
                                .map_while(|j| orig.and_then(|o| o.get_item(j).ok()).map(|e| (j, e)))
                                .find(|(_, e)| e.is(&h.node.0));
                            if let Some((j, _)) = found {
                                at = j + 1;
                            }
                            None
                        }
                        _ => {
                            let o = orig.and_then(|o| o.get_item(at).ok());
                            at += 1;
                            o
                        }
                    };
                    list.append(self.lazy(item, o.as_ref(), true, max_depth)?)?;
                }
                Ok(list.into_any())
            }
            Lazy::Spliced { host, removed, appended } => {
                // The input list's kept elements (its own objects where they are clean), then the new values.
                let list = PyList::empty(self.py);
                let elements = host.elements()?;
                for e in kept_elements(&elements, removed) {
                    list.append(self.host(&e.node.0, true, max_depth)?)?;
                }
                for v in appended {
                    list.append(self.value(v, None)?)?;
                }
                Ok(list.into_any())
            }
            Lazy::Object(members) => {
                let dict = PyDict::new(self.py);
                let orig = orig.and_then(|o| o.cast::<PyDict>().ok());
                let mut order: Vec<Placing<'_, 'py, '_>> = Vec::with_capacity(members.len());
                let mut placed = Placed::default();
                if let Some(o) = orig {
                    // The overlay keeps the input's order: the member after the last one found is usually the next.
                    let mut next = 0;
                    for (key, value) in o.iter() {
                        let Ok(k) = key.cast::<PyString>() else { continue };
                        let Ok(k) = k.to_cow() else { continue };
                        let at = match members.get(next) {
                            Some((n, _)) if *n == *k => Some(next),
                            _ => members.iter().position(|(n, _)| *n == *k),
                        };
                        if let Some((name, item)) = at.and_then(|i| members.get(i)) {
                            next = at.map_or(next, |i| i + 1);
                            if placed.insert(name.as_str()) {
                                order.push((name, item, Some(value)));
                            }
                        }
                    }
                }
                if order.len() < members.len() {
                    let mut rest: Vec<Placing<'_, 'py, '_>> = members
                        .iter()
                        .filter(|(k, _)| !placed.contains(k.as_str()))
                        .map(|(k, v)| (k.as_str(), v, None))
                        .collect();
                    // New keys follow in key order, as a converted object holds them.
                    rest.sort_by(|a, b| a.0.cmp(b.0));
                    order.extend(rest);
                }
                for (k, item, o) in order {
                    let child = self.lazy(item, o.as_ref(), false, max_depth)?;
                    dict.set_item(self.key(k), child)?;
                }
                Ok(dict.into_any())
            }
        }
    }
}

/// The resource after a PATCH applied through the overlay ([`Patch::apply_to`](scim_expr::Patch::apply_to)): a new
/// dict with the members in the input's order, each member the request can touch (`keep`) as converting it both
/// ways would give it (or left out when removed), the others the very same objects, then the members the request
/// added, in key order. What the request did not write is the input's own object where converting would give it
/// back as it is (a member found clean; a list element checked), else converted.
pub fn overlay_to_py<'py>(
    py: Python<'py>,
    resource: &Bound<'py, PyDict>,
    lazy: &Lazy<Keyed<'py, '_>>,
    keep: &dyn Fn(&str) -> bool,
    clean: &[String],
    max_depth: usize,
    keys: &mut KeyTexts<'py>,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let root = match lazy {
        Lazy::Object(members) => Some(members.as_slice()),
        _ => None,
    };
    let members = root.unwrap_or_default();
    // Which of the overlay's members are the input's, found by name: the overlay keeps the input's order, so the
    // next one is usually the one after the last found.
    let mut found = vec![false; members.len()];
    let mut next = 0;
    let mut back = Back { py, names: Vec::new(), keys, clean: false };
    // A snapshot: building the result allocates objects the garbage collector tracks.
    let items: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = resource.iter().collect();
    for (key, value) in items {
        // Every key was checked to be a str without lone surrogates.
        let Some(name) = key.cast::<PyString>().ok().and_then(|k| k.to_cow().ok()) else { continue };
        let at = match members.get(next) {
            Some((k, _)) if *k == *name => Some(next),
            _ => members.iter().position(|(k, _)| *k == *name),
        };
        if let Some(i) = at {
            next = i + 1;
            if let Some(f) = found.get_mut(i) {
                *f = true;
            }
        }
        // Two keys of one text (a str subclass hashing apart from str): the engine read and wrote the first, as
        // the one member converting would make of them.
        if out.contains(&*name)? {
            continue;
        }
        if !keep(&name) {
            out.set_item(&key, &value)?;
            continue;
        }
        back.clean = clean.iter().any(|c| *c == *name);
        let item = match (root, at.and_then(|i| members.get(i))) {
            (None, _) => back.host(&value, false, max_depth)?,
            (Some(_), Some((_, item))) => back.lazy(item, Some(&value), false, max_depth)?,
            (Some(_), None) => continue,
        };
        // A key that is a str subclass becomes a str, as converting would make it.
        let key = if key.is_exact_instance_of::<PyString>() { key.clone() } else { back.key(&name).into_any() };
        out.set_item(key, item)?;
    }
    let mut added: Vec<&(String, Lazy<Keyed<'py, '_>>)> =
        members.iter().zip(&found).filter(|(_, found)| !**found).map(|(m, _)| m).collect();
    added.sort_by(|a, b| a.0.cmp(&b.0));
    back.clean = false;
    for (name, item) in added {
        let child = back.lazy(item, None, false, max_depth)?;
        out.set_item(back.key(name), child)?;
    }
    Ok(out)
}
