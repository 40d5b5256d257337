//! Payment-code orders (`poscore::order`) for JS: the schedule object; actions, answers and the
//! state as the core's snake_case names.

use poscore::order::{Answer, Order, WalletRules};
use wasm_bindgen::prelude::*;

use crate::{js_error, to_json};

/// One payment-code order's schedule.
#[wasm_bindgen(js_name = PaymentOrder)]
#[derive(Debug)]
pub struct JsOrder(Order);

/// A time from JS (ms since any epoch the caller keeps): a whole number from 0.
fn ms(what: &str, v: f64) -> Result<u64, JsValue> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked just above
        Ok(v as u64)
    } else {
        Err(js_sys::TypeError::new(&format!("{what}: expected a whole number of milliseconds from 0, got {v}")).into())
    }
}

#[wasm_bindgen(js_class = PaymentOrder)]
impl JsOrder {
    #[wasm_bindgen(constructor)]
    pub fn new(wallet: &str, now: f64) -> Result<JsOrder, JsValue> {
        Ok(Self(Order::new(WalletRules::for_wallet(wallet).map_err(js_error)?, ms("now", now)?)))
    }

    /// `pay`, `query` or `cancel` when one is due at `now`, else undefined.
    pub fn poll(&mut self, now: f64) -> Result<Option<String>, JsValue> {
        let now = ms("now", now)?;
        Ok(self.0.poll(now).map(|a| a.name().to_owned()))
    }

    /// When the next request is due, or undefined.
    #[wasm_bindgen(js_name = nextTimeout)]
    #[allow(clippy::cast_precision_loss)] // times below 2^53 ms
    pub fn next_timeout(&self) -> Option<f64> {
        self.0.next_timeout().map(|t| t as f64)
    }

    /// The wallet's answer (`paid`, `in_progress`, ... as in `poscore::order::Answer`).
    pub fn handle(&mut self, answer: &str, now: f64) -> Result<(), JsValue> {
        let a: Answer = serde_json::from_value(serde_json::Value::String(answer.to_owned()))
            .map_err(|e| JsValue::from(js_sys::TypeError::new(&format!("answer: {e}"))))?;
        self.0.handle(a, ms("now", now)?).map_err(js_error)
    }

    pub fn abandon(&mut self, now: f64) -> Result<(), JsValue> {
        self.0.abandon(ms("now", now)?).map_err(js_error)
    }

    #[wasm_bindgen(js_name = retryCancel)]
    pub fn retry_cancel(&mut self, now: f64) -> Result<(), JsValue> {
        self.0.retry_cancel(ms("now", now)?).map_err(js_error)
    }

    /// The state as JSON: `{"state": "querying", "at": 5000}`, `{"state": "revoked", "refunded": true}`...
    pub fn state(&self) -> Result<String, JsValue> {
        to_json(&self.0.state())
    }
}
