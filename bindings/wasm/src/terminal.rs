//! `terminal` for JS: the sans-IO engine as a class. The page owns the transport (it moves the
//! bytes `pollTransmit` hands out and reports what comes back) and, optionally, the store.
//!
//! A JS store is any object with synchronous `get(key) -> Uint8Array | undefined`,
//! `list(prefix) -> string[]` and `apply(ops)`; `apply` gets `[{op: 'put', key, value}, {op:
//! 'delete', key}]` and must apply them all or none. A throw from any of them is a `store.io`
//! error inside the engine (the engine then refuses to proceed, as with a failing disk).

use poscore::response::{CardReadError, Registry};
use poscore::rng::{Rng, SeededRng, SystemRng};
use poscore::store::{MemoryStore, Op, Store, StoreError};
use poscore::terminal::{CommFailure, Config, Request, Resolution, Terminal as CoreTerminal, TerminalError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::crypto::Key;
use crate::{js_error, to_json};

/// A [`Store`] over a JS object with `get` / `list` / `apply` methods.
struct JsStore(JsValue);

fn io(op: &'static str, key: &str, e: &JsValue) -> StoreError {
    let message = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "JS store threw".to_owned());
    StoreError::Io { op, path: key.to_owned(), message }
}

/// Calls method `op` of the JS object `obj` (`what`: a store or a rollback guard) with `arg`.
fn js_call(obj: &JsValue, what: &str, op: &'static str, key: &str, arg: &JsValue) -> Result<JsValue, StoreError> {
    let f = js_sys::Reflect::get(obj, &JsValue::from_str(op)).map_err(|e| io(op, key, &e))?;
    let f: js_sys::Function =
        f.dyn_into().map_err(|_| io(op, key, &JsValue::from_str(&format!("{what} has no {op}() method"))))?;
    f.call1(obj, arg).map_err(|e| io(op, key, &e))
}

impl JsStore {
    fn call(&self, op: &'static str, key: &str, arg: &JsValue) -> Result<JsValue, StoreError> {
        js_call(&self.0, "store", op, key, arg)
    }
}

impl Store for JsStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let v = self.call("get", key, &JsValue::from_str(key))?;
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.dyn_into::<js_sys::Uint8Array>()
            .map(|a| Some(a.to_vec()))
            .map_err(|_| io("get", key, &JsValue::from_str("get() must return a Uint8Array or undefined")))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let v = self.call("list", prefix, &JsValue::from_str(prefix))?;
        let arr: js_sys::Array =
            v.dyn_into().map_err(|_| io("list", prefix, &JsValue::from_str("list() must return an array")))?;
        let mut keys: Vec<String> = arr.iter().filter_map(|k| k.as_string()).collect();
        keys.sort();
        Ok(keys)
    }

    fn apply(&mut self, ops: &[Op]) -> Result<(), StoreError> {
        if ops.is_empty() {
            return Ok(());
        }
        let arr = js_sys::Array::new();
        for op in ops {
            let o = js_sys::Object::new();
            let set = |k: &str, v: &JsValue| {
                let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
            };
            match op {
                Op::Put { key, value } => {
                    set("op", &JsValue::from_str("put"));
                    set("key", &JsValue::from_str(key));
                    set("value", &js_sys::Uint8Array::from(value.as_slice()).into());
                }
                Op::Delete { key } => {
                    set("op", &JsValue::from_str("delete"));
                    set("key", &JsValue::from_str(key));
                }
            }
            arr.push(&o);
        }
        self.call("apply", "", &arr.into()).map(|_| ())
    }
}

/// The transaction engine. Requests and events cross as the engine's serde JSON.
/// The core `RollbackGuard` over a JS object with `current() -> number` and `advance(seq)` (a
/// counter the page keeps outside the journal, e.g. on its server). A throw is `store.io`.
struct JsGuard(JsValue);

impl std::fmt::Debug for JsGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsGuard")
    }
}

impl poscore::terminal::RollbackGuard for JsGuard {
    fn current(&self) -> Result<u64, StoreError> {
        let v = js_call(&self.0, "rollback guard", "current", "rollbackGuard", &JsValue::UNDEFINED)?;
        Ok(v.as_f64().map_or(0, ms))
    }

    fn advance(&mut self, seq: u64) -> Result<(), StoreError> {
        #[allow(clippy::cast_precision_loss)]
        let seq = JsValue::from_f64(seq as f64);
        js_call(&self.0, "rollback guard", "advance", "rollbackGuard", &seq).map(|_| ())
    }
}

#[wasm_bindgen]
pub struct Terminal {
    inner: CoreTerminal,
    /// JSON array of what [`Terminal::recover`] found wrong (`[]` otherwise).
    damage: String,
}

fn terminal_error(code: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("module"), &JsValue::from_str("terminal"));
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(code));
    err.into()
}

fn bad_json(what: &str, e: &serde_json::Error) -> JsValue {
    terminal_error("terminal.bad_json", &format!("invalid {what} JSON: {e}"))
}

/// A config that does not parse: `terminal.bad_config`, serde's message naming the key
/// (``unknown field `terminal_i_d`, expected one of ...``, ``missing field `terminal_id` ``;
/// `web/src/terminal.js` puts the caller's own spelling back).
fn bad_config(e: &serde_json::Error) -> JsValue {
    terminal_error("terminal.bad_config", &format!("config: {e}"))
}

#[wasm_bindgen]
impl Terminal {
    /// `config`: JSON of the engine's `Config` (`snake_case` keys; the identity is required,
    /// other missing fields take the defaults, an unknown key is `terminal.bad_config`). `store`:
    /// `undefined` for an in-memory store, or a JS store object. `seed`: deterministic randomness
    /// for tests; otherwise the system generator.
    #[wasm_bindgen(constructor)]
    /// `guard`: `undefined`, or a JS object `{ current(), advance(seq) }` holding a monotonic
    /// counter outside the journal, so a restored older copy of the journal is refused too.
    pub fn new(
        config: &str,
        tmk: &Key,
        store: JsValue,
        seed: Option<u32>,
        now: f64,
        guard: JsValue,
    ) -> Result<Terminal, JsValue> {
        Self::open(config, tmk, store, seed, now, guard, false)
    }

    /// Opens a journal the constructor refused as damaged (`terminal.journal_damaged`, T801),
    /// once a copy was kept for audit: untrusted records move under `audit/`, the STAN counter
    /// jumps ahead, the keys are dropped (sign on again). `recoveryDamage()` says what was wrong.
    pub fn recover(
        config: &str,
        tmk: &Key,
        store: JsValue,
        seed: Option<u32>,
        now: f64,
        guard: JsValue,
    ) -> Result<Terminal, JsValue> {
        Self::open(config, tmk, store, seed, now, guard, true)
    }

    /// JSON array of what `recover` found wrong with the journal (`[]` for a plain open).
    #[wasm_bindgen(js_name = recoveryDamage)]
    pub fn recovery_damage(&self) -> String {
        self.damage.clone()
    }

    /// JSON of the settlement owed to the host (`{batch, totals, uploading, attempts,
    /// exhausted}`), or `undefined` when none is.
    #[wasm_bindgen(js_name = settlementOwed)]
    pub fn settlement_owed(&self) -> Result<Option<String>, JsValue> {
        self.inner.settlement_owed().map(|s| to_json(&s)).transpose()
    }

    /// JSON of what the host's TMS downloads brought and what reply headers asked for:
    /// `{params, ca_public_keys, aid_params, host_tasks}`.
    #[wasm_bindgen(js_name = hostData)]
    pub fn host_data(&self) -> Result<String, JsValue> {
        to_json(&poscore::terminal::HostDataView::of(&self.inner))
    }

    /// Sets (or, with `undefined`, removes) a field 59 entry after A2.
    #[wasm_bindgen(js_name = setTerminalInfoEntry)]
    pub fn set_terminal_info_entry(&mut self, tag: &str, value: Option<String>) -> Result<(), JsValue> {
        self.inner.set_terminal_info_entry(tag, value.as_deref()).map_err(|e| self.fail(e))
    }

    /// Starts a request (JSON of `Request`); returns its id.
    pub fn start(&mut self, request: &str, now: f64) -> Result<f64, JsValue> {
        let request: Request = serde_json::from_str(request).map_err(|e| bad_json("request", &e))?;
        #[allow(clippy::cast_precision_loss)]
        self.inner.start(request, ms(now)).map(|id| id as f64).map_err(|e| self.fail(e))
    }

    /// The card failed after the host approved `stan` (`card_removed`, `chip_declined`...):
    /// JSON of the diagnosis; when it says reverse, the approval turns into a pending reversal.
    #[wasm_bindgen(js_name = cardFailedAfterApproval)]
    pub fn card_failed_after_approval(&mut self, stan: &str, error: &str, now: f64) -> Result<String, JsValue> {
        let error: CardReadError = serde_json::from_value(serde_json::Value::String(error.to_owned()))
            .map_err(|e| bad_json("card error", &e))?;
        let diagnosis = self.inner.card_failed_after_approval(stan, error, ms(now)).map_err(|e| self.fail(e))?;
        to_json(&diagnosis)
    }

    /// The card's second GENERATE AC result (JSON of `ChipCompletion`) for the chip transaction
    /// `stan`; returns JSON of `ChipOutcome`.
    #[wasm_bindgen(js_name = completeChip)]
    pub fn complete_chip(&mut self, stan: &str, result: &str, now: f64) -> Result<String, JsValue> {
        let result: poscore::terminal::ChipCompletion =
            serde_json::from_str(result).map_err(|e| bad_json("chip completion", &e))?;
        let out = self.inner.complete_chip(stan, &result, ms(now)).map_err(|e| self.fail(e))?;
        to_json(&out)
    }

    /// Operator resolution of an exhausted reversal: `retry` or `reconciled_not_charged`.
    #[wasm_bindgen(js_name = resolveExhaustedReversal)]
    pub fn resolve_exhausted_reversal(&mut self, stan: &str, resolution: &str, now: f64) -> Result<(), JsValue> {
        let resolution: Resolution = serde_json::from_value(serde_json::Value::String(resolution.to_owned()))
            .map_err(|e| bad_json("resolution", &e))?;
        self.inner.resolve_exhausted_reversal(stan, resolution, ms(now)).map_err(|e| self.fail(e))
    }

    /// JSON `{bytes: [..], request, mti, stan}` of the next frame to send, or `undefined`.
    #[wasm_bindgen(js_name = pollTransmit)]
    pub fn poll_transmit(&mut self) -> Result<Option<String>, JsValue> {
        self.inner.poll_transmit().map(|t| to_json(&t)).transpose()
    }

    /// Bytes read from the acquirer connection.
    #[wasm_bindgen(js_name = handleReceived)]
    pub fn handle_received(&mut self, bytes: &[u8], now: f64) {
        self.inner.handle_received(bytes, ms(now));
    }

    /// Unix ms of the next timer, or `undefined`.
    #[wasm_bindgen(js_name = pollTimeout)]
    #[allow(clippy::cast_precision_loss)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.inner.poll_timeout().map(|t| t as f64)
    }

    /// The timer fired (or the read timed out).
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) {
        self.inner.handle_timeout(ms(now));
    }

    /// `connect_failed`, `send_failed` or `line_dropped`.
    #[wasm_bindgen(js_name = handleCommError)]
    pub fn handle_comm_error(&mut self, kind: &str, now: f64) -> Result<(), JsValue> {
        let failure: CommFailure = serde_json::from_value(serde_json::Value::String(kind.to_owned()))
            .map_err(|e| bad_json("comm failure", &e))?;
        self.inner.handle_comm_error(failure, ms(now));
        Ok(())
    }

    /// JSON of the next `Event`, or `undefined`.
    #[wasm_bindgen(js_name = pollEvent)]
    pub fn poll_event(&mut self) -> Result<Option<String>, JsValue> {
        self.inner.poll_event().map(|e| to_json(&e)).transpose()
    }

    /// No request in progress and nothing queued.
    #[wasm_bindgen(js_name = isIdle)]
    pub fn is_idle(&self) -> bool {
        self.inner.is_idle()
    }

    /// A request is out and its answer awaited.
    #[wasm_bindgen(js_name = awaitingResponse)]
    pub fn awaiting_response(&self) -> bool {
        self.inner.awaiting_response()
    }

    /// Working keys are installed.
    #[wasm_bindgen(js_name = isSignedOn)]
    pub fn is_signed_on(&self) -> bool {
        self.inner.is_signed_on()
    }

    /// The open batch number.
    pub fn batch(&self) -> String {
        self.inner.batch().to_owned()
    }

    /// JSON array of the journal records still to be delivered (pending reversals, advices),
    /// as summaries: no message template, the PAN masked.
    pub fn pending(&self) -> Result<String, JsValue> {
        to_json(&self.inner.pending().into_iter().map(poscore::terminal::TxnRecord::summary).collect::<Vec<_>>())
    }

    /// Queue pending reversals and advices now instead of before the next request.
    #[wasm_bindgen(js_name = flushPending)]
    pub fn flush_pending(&mut self, now: f64) {
        self.inner.flush_pending(ms(now));
    }

    /// The transaction log: `query` is JSON of `LogQuery` (all fields optional), the answer JSON
    /// of `LogPage` (`{total, offset, entries}`, newest first, cards masked).
    #[wasm_bindgen(js_name = queryLog)]
    pub fn query_log(&self, query: &str) -> Result<String, JsValue> {
        let q: poscore::terminal::LogQuery = serde_json::from_str(query).map_err(|e| bad_json("log query", &e))?;
        to_json(&self.inner.query_log(&q).map_err(|e| self.fail(e))?)
    }

    /// JSON of the open batch's terminal totals (`SettlementReport`).
    #[wasm_bindgen(js_name = terminalTotalsReport)]
    pub fn terminal_totals_report(&self, now: f64) -> Result<String, JsValue> {
        to_json(&self.inner.terminal_totals_report(ms(now)))
    }

    /// JSON of the last settlement's report, or `undefined` before the first settlement.
    #[wasm_bindgen(js_name = lastSettlementReport)]
    pub fn last_settlement_report(&self) -> Result<Option<String>, JsValue> {
        self.inner.last_settlement_report().map_err(|e| self.fail(e))?.map(|r| to_json(&r)).transpose()
    }

    /// JSON of sales statistics (`period`: `day`, `week`, `month`).
    pub fn statistics(&self, period: &str, from: &str, to: &str) -> Result<String, JsValue> {
        let period: poscore::report::Period =
            serde_json::from_value(serde_json::Value::String(period.to_owned())).map_err(|e| bad_json("period", &e))?;
        to_json(&self.inner.statistics(period, from, to).map_err(|e| self.fail(e))?)
    }

    /// JSON array of the audit trail between `from` and `to` (unix ms): messages with their send
    /// and answer times, and notes (sign-on, settlement, operator decisions, staff alerts).
    #[wasm_bindgen(js_name = auditTrail)]
    pub fn audit_trail(&self, from: f64, to: f64) -> Result<String, JsValue> {
        to_json(&self.inner.audit_trail(ms(from), ms(to)).map_err(|e| self.fail(e))?)
    }

    /// JSON of a journaled slip for a reprint (render it with `reprint: true`).
    pub fn reprint(&self, stan: &str, batch: Option<String>) -> Result<String, JsValue> {
        to_json(&self.inner.reprint(stan, batch.as_deref()).map_err(|e| self.fail(e))?)
    }
}

impl Terminal {
    fn open(
        config: &str,
        tmk: &Key,
        store: JsValue,
        seed: Option<u32>,
        now: f64,
        guard: JsValue,
        recover: bool,
    ) -> Result<Terminal, JsValue> {
        let config: Config = serde_json::from_str(config).map_err(|e| bad_config(&e))?;
        let store: Box<dyn Store> = if store.is_undefined() || store.is_null() {
            Box::new(MemoryStore::new())
        } else {
            Box::new(JsStore(store))
        };
        let rng: Box<dyn Rng> = match seed {
            Some(s) => Box::new(SeededRng::new(u64::from(s))),
            None => Box::new(SystemRng::new()),
        };
        let tmk = tmk.0.clone();
        let guard = (!guard.is_undefined() && !guard.is_null())
            .then(|| Box::new(JsGuard(guard)) as Box<dyn poscore::terminal::RollbackGuard>);
        let opened = match (recover, guard) {
            (true, guard) => CoreTerminal::recover(config, tmk, store, rng, ms(now), guard),
            (false, Some(g)) => {
                CoreTerminal::with_rollback_guard(config, tmk, store, rng, ms(now), g).map(|t| (t, Vec::new()))
            }
            (false, None) => CoreTerminal::new(config, tmk, store, rng, ms(now)).map(|t| (t, Vec::new())),
        };
        // Before an engine exists (a damaged journal) the diagnosis comes from the default registry.
        let (inner, damage) = opened.map_err(|e| with_diagnosis(e, &Registry::unionpay()))?;
        Ok(Terminal { inner, damage: to_json(&damage)? })
    }

    /// The JS error for `e` under this terminal's registry.
    fn fail(&self, e: TerminalError) -> JsValue {
        with_diagnosis(e, self.inner.registry())
    }
}

/// The JS error for `e`, with the diagnosis attached (`diagnosis`, JSON text that
/// web/src/errors.js parses) when an operator should see one: not signed on, unresolved
/// reversal or settlement (T701), damaged journal (T801), journal failure.
fn with_diagnosis(e: TerminalError, registry: &Registry) -> JsValue {
    let diagnosis = e.diagnose(registry);
    let err = js_error(e);
    if let Some(json) = diagnosis.and_then(|d| serde_json::to_string(&d).ok()) {
        let _ = js_sys::Reflect::set(&err, &JsValue::from_str("diagnosis"), &JsValue::from_str(&json));
    }
    err
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn ms(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}
