//! wasm-bindgen surface of poscore.
//!
//! This layer only maps types: structured values cross as JSON text (serde on the Rust side,
//! `JSON.parse` in `web/src/`), byte strings as `Uint8Array`, and every error becomes a JS
//! `Error` carrying `module` and a stable `code`, which `web/src/errors.js` turns into the
//! matching `PoscoreError` subclass. All logic is in the `poscore` crate.
#![forbid(unsafe_code)]

use serde::Serialize;
use wasm_bindgen::prelude::*;

// `full` (the default) is the whole package; without it the build is the checkout subset
// (`poscore/checkout`: card data and response-code diagnosis), a fraction of the size.
mod card;
#[cfg(feature = "full")]
mod crypto;
#[cfg(feature = "full")]
mod emv;
#[cfg(feature = "full")]
mod iso8583;
#[cfg(feature = "full")]
mod order;
#[cfg(feature = "full")]
mod receipt;
mod response;
#[cfg(feature = "full")]
mod store;
#[cfg(feature = "full")]
mod terminal;
#[cfg(feature = "full")]
mod tms;

/// Map a poscore error to a JS `Error` with `module`, `code` and (when known) `offset`.
/// A count or length from JS (a number): a whole number from 0 that fits `usize`, or an error
/// naming `what`. wasm-bindgen would take a `usize` argument modulo 2^32 (2^32 + 5 becoming 5,
/// -1 becoming 4294967295), so such arguments cross as `f64` and are checked here.
#[cfg_attr(not(feature = "full"), allow(dead_code))] // the checkout subset takes no counts
pub(crate) fn count(what: &str, v: f64) -> Result<usize, JsValue> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = v as u32;
        if let Ok(n) = usize::try_from(n) {
            return Ok(n);
        }
    }
    Err(js_sys::RangeError::new(&format!("{what}: {v} is not a whole number from 0 to 4294967295")).into())
}

pub(crate) fn js_error(e: impl Into<poscore::Error>) -> JsValue {
    let e: poscore::Error = e.into();
    let err = js_sys::Error::new(&e.to_string());
    let obj: &JsValue = err.as_ref();
    let set = |k: &str, v: JsValue| {
        // Reflect.set on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(obj, &JsValue::from_str(k), &v);
    };
    set("module", JsValue::from_str(e.module()));
    set("code", JsValue::from_str(e.code()));
    let (field, offset) = error_position(&e);
    if let Some(field) = field {
        set("field", JsValue::from_f64(f64::from(field)));
    }
    if let Some(offset) = offset {
        set("offset", JsValue::from_f64(offset as f64));
    }
    err.into()
}

/// Field number and offset the error points at, for the modules that know them.
fn error_position(e: &poscore::Error) -> (Option<u8>, Option<usize>) {
    match e {
        poscore::Error::Card(c) => (None, c.offset()),
        poscore::Error::Iso8583(i) => (i.field(), i.offset()),
        poscore::Error::Tlv(t) => (None, Some(t.offset())),
        poscore::Error::Tms(t) => (None, t.offset()),
        _ => (None, None),
    }
}

/// Serialize a value to the JSON text the JS wrapper parses.
pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String, JsValue> {
    serde_json::to_string(v).map_err(|e| js_sys::Error::new(&e.to_string()).into())
}

/// Version of the core, for diagnostics.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
