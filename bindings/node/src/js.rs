//! The few raw Node-API calls the conversions need, each checked. This is the only file with `unsafe`: every
//! call gets the `napi_env` of the current callback and handles created in the same callback scope.

use std::ffi::c_char;
use std::ptr;

use napi::sys;

pub type Raw = sys::napi_value;

/// What a JavaScript value is, as far as JSON cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Undefined,
    Null,
    Bool,
    Number,
    String,
    Object,
    Function,
    Symbol,
    BigInt,
    External,
}

/// A handle on the callback's environment.
#[derive(Debug, Clone, Copy)]
pub struct Js {
    env: sys::napi_env,
}

fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        // A pending JavaScript exception (a getter or proxy trap that threw) is rethrown as it is.
        Err(napi::Error::new(napi::Status::from(status), "a Node-API call failed"))
    }
}

impl Js {
    pub fn new(env: &napi::Env) -> Js {
        Js { env: env.raw() }
    }

    pub fn kind(self, v: Raw) -> napi::Result<Kind> {
        let mut t = 0;
        check(unsafe { sys::napi_typeof(self.env, v, &mut t) })?;
        Ok(match t {
            sys::ValueType::napi_undefined => Kind::Undefined,
            sys::ValueType::napi_null => Kind::Null,
            sys::ValueType::napi_boolean => Kind::Bool,
            sys::ValueType::napi_number => Kind::Number,
            sys::ValueType::napi_string => Kind::String,
            sys::ValueType::napi_object => Kind::Object,
            sys::ValueType::napi_function => Kind::Function,
            sys::ValueType::napi_symbol => Kind::Symbol,
            sys::ValueType::napi_bigint => Kind::BigInt,
            _ => Kind::External,
        })
    }

    pub fn bool(self, v: Raw) -> napi::Result<bool> {
        let mut b = false;
        check(unsafe { sys::napi_get_value_bool(self.env, v, &mut b) })?;
        Ok(b)
    }

    pub fn number(self, v: Raw) -> napi::Result<f64> {
        let mut n = 0.0;
        check(unsafe { sys::napi_get_value_double(self.env, v, &mut n) })?;
        Ok(n)
    }

    /// The string as UTF-8; `None` when it holds a lone surrogate (Node-API would silently replace it by U+FFFD).
    pub fn string(self, v: Raw) -> napi::Result<Option<String>> {
        match self.try_string(v)? {
            Some(s) => Ok(s),
            None => Err(napi::Error::new(napi::Status::StringExpected, "a Node-API call failed")),
        }
    }

    /// [`Js::string`] of a value that may not be a string (`None` then): one call instead of a `typeof` first.
    pub fn try_string(self, v: Raw) -> napi::Result<Option<Option<String>>> {
        // Most attribute values are short: one call into a small buffer, a second only when it may have been too
        // small (V8 stops before a character that does not fit, so up to 4 bytes can stay free).
        let mut buf = vec![0u8; 64];
        let mut written = 0;
        let status = unsafe {
            sys::napi_get_value_string_utf8(self.env, v, buf.as_mut_ptr().cast::<c_char>(), 64, &mut written)
        };
        if status == sys::Status::napi_string_expected {
            return Ok(None);
        }
        check(status)?;
        if written >= 64 - 5 {
            let mut len = 0;
            check(unsafe { sys::napi_get_value_string_utf8(self.env, v, ptr::null_mut(), 0, &mut len) })?;
            buf = vec![0u8; len + 1];
            check(unsafe {
                sys::napi_get_value_string_utf8(self.env, v, buf.as_mut_ptr().cast::<c_char>(), len + 1, &mut written)
            })?;
        }
        buf.truncate(written);
        let s = String::from_utf8(buf).map_err(|_| napi::Error::from_reason("Node-API returned invalid UTF-8"))?;
        if s.contains('\u{FFFD}') && !self.well_formed(v)? {
            return Ok(Some(None));
        }
        Ok(Some(Some(s)))
    }

    fn well_formed(self, v: Raw) -> napi::Result<bool> {
        let mut len = 0;
        check(unsafe { sys::napi_get_value_string_utf16(self.env, v, ptr::null_mut(), 0, &mut len) })?;
        let mut buf = vec![0u16; len + 1];
        let mut written = 0;
        check(unsafe { sys::napi_get_value_string_utf16(self.env, v, buf.as_mut_ptr(), len + 1, &mut written) })?;
        buf.truncate(written);
        Ok(char::decode_utf16(buf).all(|c| c.is_ok()))
    }

    pub fn is_array(self, v: Raw) -> napi::Result<bool> {
        let mut b = false;
        check(unsafe { sys::napi_is_array(self.env, v, &mut b) })?;
        Ok(b)
    }

    pub fn array_len(self, v: Raw) -> napi::Result<u32> {
        let mut n = 0;
        check(unsafe { sys::napi_get_array_length(self.env, v, &mut n) })?;
        Ok(n)
    }

    pub fn element(self, v: Raw, i: u32) -> napi::Result<Raw> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::napi_get_element(self.env, v, i, &mut out) })?;
        Ok(out)
    }

    /// Milliseconds since the epoch when `v` is a `Date`.
    pub fn date(self, v: Raw) -> napi::Result<Option<f64>> {
        let mut b = false;
        check(unsafe { sys::napi_is_date(self.env, v, &mut b) })?;
        if !b {
            return Ok(None);
        }
        let mut ms = 0.0;
        check(unsafe { sys::napi_get_date_value(self.env, v, &mut ms) })?;
        Ok(Some(ms))
    }

    /// The own enumerable string keys, as an array of strings (`Object.keys`).
    pub fn keys(self, v: Raw) -> napi::Result<Raw> {
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::napi_get_all_property_names(
                self.env,
                v,
                sys::KeyCollectionMode::own_only,
                sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                sys::KeyConversion::numbers_to_strings,
                &mut out,
            )
        })?;
        Ok(out)
    }

    /// The value of own property `key` (never one inherited from a prototype).
    pub fn own(self, obj: Raw, key: Raw) -> napi::Result<Option<Raw>> {
        let mut has = false;
        check(unsafe { sys::napi_has_own_property(self.env, obj, key, &mut has) })?;
        if !has {
            return Ok(None);
        }
        self.get(obj, key).map(Some)
    }

    pub fn get(self, obj: Raw, key: Raw) -> napi::Result<Raw> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::napi_get_property(self.env, obj, key, &mut out) })?;
        Ok(out)
    }

    pub fn same(self, a: Raw, b: Raw) -> napi::Result<bool> {
        let mut eq = false;
        check(unsafe { sys::napi_strict_equals(self.env, a, b, &mut eq) })?;
        Ok(eq)
    }

    pub fn str(self, s: &str) -> napi::Result<Raw> {
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::napi_create_string_utf8(self.env, s.as_ptr().cast::<c_char>(), s.len() as isize, &mut out)
        })?;
        Ok(out)
    }

    pub fn double(self, n: f64) -> napi::Result<Raw> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::napi_create_double(self.env, n, &mut out) })?;
        Ok(out)
    }

    pub fn boolean(self, b: bool) -> napi::Result<Raw> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::napi_get_boolean(self.env, b, &mut out) })?;
        Ok(out)
    }

    pub fn null(self) -> napi::Result<Raw> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::napi_get_null(self.env, &mut out) })?;
        Ok(out)
    }

    pub fn array(self, len: usize) -> napi::Result<Raw> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::napi_create_array_with_length(self.env, len, &mut out) })?;
        Ok(out)
    }

    pub fn set_element(self, arr: Raw, i: u32, v: Raw) -> napi::Result<()> {
        check(unsafe { sys::napi_set_element(self.env, arr, i, v) })
    }

    pub fn object(self) -> napi::Result<Raw> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::napi_create_object(self.env, &mut out) })?;
        Ok(out)
    }

    /// Defines own data properties (as `JSON.parse` creates them): a key `__proto__` becomes an own property and
    /// never reaches the `Object.prototype.__proto__` setter that a plain assignment would call.
    pub fn define(self, obj: Raw, props: &[(Raw, Raw)]) -> napi::Result<()> {
        let descriptors: Vec<sys::napi_property_descriptor> = props
            .iter()
            .map(|&(name, value)| sys::napi_property_descriptor {
                utf8name: ptr::null(),
                name,
                method: None,
                getter: None,
                setter: None,
                value,
                attributes: sys::PropertyAttributes::writable
                    | sys::PropertyAttributes::enumerable
                    | sys::PropertyAttributes::configurable,
                data: ptr::null_mut(),
            })
            .collect();
        check(unsafe { sys::napi_define_properties(self.env, obj, descriptors.len(), descriptors.as_ptr()) })
    }

    /// Sets a property the binding itself names (never a document key).
    pub fn set_named(self, obj: Raw, name: &std::ffi::CStr, v: Raw) -> napi::Result<()> {
        check(unsafe { sys::napi_set_named_property(self.env, obj, name.as_ptr(), v) })
    }

    pub fn error(self, code: &str, message: &str) -> napi::Result<Raw> {
        let (code, message) = (self.str(code)?, self.str(message)?);
        let mut out = ptr::null_mut();
        check(unsafe { sys::napi_create_error(self.env, code, message, &mut out) })?;
        Ok(out)
    }

    pub fn type_error(self, message: &str) -> napi::Result<Raw> {
        let message = self.str(message)?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::napi_create_type_error(self.env, ptr::null_mut(), message, &mut out) })?;
        Ok(out)
    }

    /// Throws `v`; the returned error tells napi-rs that an exception is already pending.
    pub fn throw(self, v: Raw) -> napi::Error {
        match check(unsafe { sys::napi_throw(self.env, v) }) {
            Ok(()) => napi::Error::new(napi::Status::PendingException, "thrown"),
            Err(e) => e,
        }
    }

    /// Wraps a handle for returning it from a `#[napi]` function.
    pub fn unknown<'env>(self, v: Raw) -> napi::Unknown<'env> {
        unsafe { napi::Unknown::from_raw_unchecked(self.env, v) }
    }
}
