//! `store` for JS: the record codec the npm package's `IndexedDbStore` keeps its records in, so
//! the checksum, key binding and sealing rules are the core's (`poscore::store::record`), not a
//! second implementation in JS. The JS side only moves the bytes in and out of `IndexedDB`.

use poscore::store::record::{RecordCodec, SealingKey};
use poscore::store::{validate_key, validate_prefix, validate_value_len};
use wasm_bindgen::prelude::*;

use crate::js_error;

/// Encodes and decodes journal records (`store.corrupt` on any damage).
#[wasm_bindgen]
pub struct StoreCodec(RecordCodec);

#[wasm_bindgen]
impl StoreCodec {
    /// `sealing_key`: 32 bytes to seal records with AES-256-GCM, or `undefined` for plain
    /// (checksummed, key-bound) records.
    #[wasm_bindgen(constructor)]
    pub fn new(sealing_key: Option<Vec<u8>>) -> Result<StoreCodec, JsValue> {
        let key = sealing_key.map(SealingKey::from_vec).transpose().map_err(js_error)?;
        Ok(Self(RecordCodec::new(key, None)))
    }

    /// True when records are sealed.
    #[wasm_bindgen(js_name = isSealed)]
    pub fn is_sealed(&self) -> bool {
        self.0.is_sealed()
    }

    /// A new store's header.
    pub fn header(&self) -> Result<Vec<u8>, JsValue> {
        self.0.header().map_err(js_error)
    }

    /// Checks a stored header (`store.sealed_key_mismatch`, `store.corrupt`).
    #[wasm_bindgen(js_name = checkHeader)]
    pub fn check_header(&self, bytes: &[u8]) -> Result<(), JsValue> {
        self.0.check_header(bytes).map_err(js_error)
    }

    /// The record for `key` holding `value` (checks the key rules and the size).
    pub fn encode(&self, key: &str, value: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.0.encode(key, value).map_err(js_error)
    }

    /// The value of `key`'s record.
    pub fn decode(&self, key: &str, bytes: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.0.decode(key, bytes).map_err(js_error)
    }
}

/// Checks a journal key (`store.invalid_key`).
#[wasm_bindgen(js_name = storeValidateKey)]
pub fn store_validate_key(key: &str) -> Result<(), JsValue> {
    validate_key(key).map_err(js_error)
}

/// Checks the size of a value of `len` bytes for `key` (`store.value_too_large`).
#[wasm_bindgen(js_name = storeValidateValue)]
pub fn store_validate_value(key: &str, len: f64) -> Result<(), JsValue> {
    validate_value_len(key, crate::count("len", len)?).map_err(js_error)
}

/// Checks a `list` prefix (`store.invalid_key`).
#[wasm_bindgen(js_name = storeValidatePrefix)]
pub fn store_validate_prefix(prefix: &str) -> Result<(), JsValue> {
    validate_prefix(prefix).map_err(js_error)
}
