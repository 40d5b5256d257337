//! `card` module for JS.

use poscore::card;
use wasm_bindgen::prelude::*;

use crate::{js_error, to_json};

#[wasm_bindgen(js_name = cardLuhnValid)]
pub fn luhn_valid(number: &str) -> bool {
    card::luhn_valid(number)
}

#[wasm_bindgen(js_name = cardLuhnCheckDigit)]
pub fn luhn_check_digit(partial: &str) -> Result<u8, JsValue> {
    card::luhn_check_digit(partial).map_err(js_error)
}

/// `policy_json`: `{"keep_first":6,"keep_last":4,"mask_char":"*"}` or empty for the default.
#[wasm_bindgen(js_name = cardMaskPan)]
pub fn mask_pan(pan: &str, policy_json: &str) -> Result<String, JsValue> {
    let policy: card::MaskPolicy = if policy_json.is_empty() {
        card::MaskPolicy::default()
    } else {
        serde_json::from_str(policy_json).map_err(|e| js_sys::Error::new(&format!("mask policy: {e}")))?
    };
    card::mask_pan(pan, &policy).map_err(js_error)
}

#[wasm_bindgen(js_name = cardBrand)]
pub fn brand(pan: &str) -> String {
    card::brand(pan).as_str().to_owned()
}

#[wasm_bindgen(js_name = cardParseTrack2)]
pub fn parse_track2(input: &str) -> Result<String, JsValue> {
    let t = card::Track2::parse(input).map_err(js_error)?;
    to_json(&t.summary())
}

#[wasm_bindgen(js_name = cardClassifyPaymentCode)]
pub fn classify_payment_code(code: &str) -> Option<String> {
    card::classify_payment_code(code).map(|k| k.as_str().to_owned())
}

#[wasm_bindgen(js_name = cardInspect)]
pub fn inspect(input: &str) -> Result<String, JsValue> {
    to_json(&card::inspect(input).map_err(js_error)?)
}
