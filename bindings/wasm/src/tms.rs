//! `tms` module for JS (wrapped by `Tms` in `web/src/tms.js`). Structured values cross as JSON
//! text in the core's serde form; byte strings as `Uint8Array`.

use poscore::tms::{self, AidParams, Capk, Continuation, DialStats, KeyRef, StatusReport, Step, TerminalParams};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{js_error, to_json};

#[derive(Serialize)]
struct Reply {
    continuation: Continuation,
    /// The entries after the continuation byte, uppercase hex.
    body: String,
}

#[derive(Serialize)]
struct StepInfo {
    step: Step,
    nmi: &'static str,
    mti: String,
}

fn step_info(step: Step) -> StepInfo {
    StepInfo { step, nmi: step.nmi(), mti: step.mti().as_str().to_owned() }
}

fn json<T: serde::de::DeserializeOwned>(what: &'static str, text: &str) -> Result<T, JsValue> {
    tms::from_json(what, text).map_err(js_error)
}

/// An optional JSON argument: empty text is none.
fn opt_json<T: serde::de::DeserializeOwned>(what: &'static str, text: &str) -> Result<Option<T>, JsValue> {
    if text.is_empty() {
        Ok(None)
    } else {
        json(what, text).map(Some)
    }
}

#[wasm_bindgen(js_name = tmsSplitReply)]
pub fn split_reply(field62: &[u8]) -> Result<String, JsValue> {
    let (continuation, body) = tms::split_reply(field62).map_err(js_error)?;
    to_json(&Reply { continuation, body: poscore::iso8583::to_hex(body) })
}

#[wasm_bindgen(js_name = tmsQueryRequest)]
pub fn query_request(start_index: u32) -> Result<Vec<u8>, JsValue> {
    tms::query_request(start_index).map_err(js_error)
}

#[wasm_bindgen(js_name = tmsParseCapkQuery)]
pub fn parse_capk_query(body: &[u8]) -> Result<String, JsValue> {
    to_json(&tms::parse_capk_query(body).map_err(js_error)?)
}

#[wasm_bindgen(js_name = tmsEncodeCapkQuery)]
pub fn encode_capk_query(continuation_json: &str, keys_json: &str) -> Result<Vec<u8>, JsValue> {
    let cont: Continuation = json("continuation", continuation_json)?;
    let keys: Vec<KeyRef> = json("keys", keys_json)?;
    tms::encode_capk_query(cont, &keys).map_err(js_error)
}

#[wasm_bindgen(js_name = tmsCapkDownloadRequest)]
pub fn capk_download_request(key_json: &str) -> Result<Vec<u8>, JsValue> {
    tms::capk_download_request(&json("key", key_json)?).map_err(js_error)
}

#[wasm_bindgen(js_name = tmsParseCapk)]
pub fn parse_capk(entry: &[u8]) -> Result<String, JsValue> {
    to_json(&Capk::parse(entry).map_err(js_error)?)
}

#[wasm_bindgen(js_name = tmsNewCapk)]
pub fn new_capk(rid: &str, index: u8, expiry: &str, modulus: &str, exponent: &str) -> Result<String, JsValue> {
    to_json(&Capk::new(rid, index, expiry, modulus, exponent).map_err(js_error)?)
}

#[wasm_bindgen(js_name = tmsCapkToTlv)]
pub fn capk_to_tlv(capk_json: &str) -> Result<Vec<u8>, JsValue> {
    json::<Capk>("capk", capk_json)?.to_tlv().map_err(js_error)
}

/// `capk_json` empty: the host has no such key (`0`).
#[wasm_bindgen(js_name = tmsEncodeCapkDownload)]
pub fn encode_capk_download(capk_json: &str) -> Result<Vec<u8>, JsValue> {
    let capk: Option<Capk> = opt_json("capk", capk_json)?;
    tms::encode_capk_download(capk.as_ref()).map_err(js_error)
}

#[wasm_bindgen(js_name = tmsParseAidQuery)]
pub fn parse_aid_query(body: &[u8]) -> Result<String, JsValue> {
    to_json(&tms::parse_aid_query(body).map_err(js_error)?)
}

#[wasm_bindgen(js_name = tmsEncodeAidQuery)]
pub fn encode_aid_query(continuation_json: &str, aids_json: &str) -> Result<Vec<u8>, JsValue> {
    let cont: Continuation = json("continuation", continuation_json)?;
    let aids: Vec<String> = json("aids", aids_json)?;
    tms::encode_aid_query(cont, &aids).map_err(js_error)
}

#[wasm_bindgen(js_name = tmsAidDownloadRequest)]
pub fn aid_download_request(aid: &str) -> Result<Vec<u8>, JsValue> {
    tms::aid_download_request(aid).map_err(js_error)
}

#[wasm_bindgen(js_name = tmsParseAid)]
pub fn parse_aid(entry: &[u8]) -> Result<String, JsValue> {
    to_json(&AidParams::parse(entry).map_err(js_error)?)
}

#[wasm_bindgen(js_name = tmsAidToTlv)]
pub fn aid_to_tlv(params_json: &str) -> Result<Vec<u8>, JsValue> {
    json::<AidParams>("aid params", params_json)?.to_tlv().map_err(js_error)
}

/// `params_json` empty: the host has no such AID (`0`).
#[wasm_bindgen(js_name = tmsEncodeAidDownload)]
pub fn encode_aid_download(params_json: &str) -> Result<Vec<u8>, JsValue> {
    let params: Option<AidParams> = opt_json("aid params", params_json)?;
    tms::encode_aid_download(params.as_ref()).map_err(js_error)
}

#[wasm_bindgen(js_name = tmsParseParams)]
pub fn parse_params(field62: &[u8]) -> Result<String, JsValue> {
    to_json(&TerminalParams::parse(field62).map_err(js_error)?)
}

#[wasm_bindgen(js_name = tmsRawParamItems)]
pub fn raw_param_items(field62: &[u8]) -> Result<String, JsValue> {
    to_json(&TerminalParams::raw_items(field62).map_err(js_error)?)
}

#[wasm_bindgen(js_name = tmsEncodeParams)]
pub fn encode_params(params_json: &str) -> Result<Vec<u8>, JsValue> {
    json::<TerminalParams>("terminal params", params_json)?.encode().map_err(js_error)
}

/// `dial_stats_json` empty: no item 51.
#[wasm_bindgen(js_name = tmsStatusUploadRequest)]
pub fn status_upload_request(params_json: &str, dial_stats_json: &str) -> Result<Vec<u8>, JsValue> {
    let params: TerminalParams = json("terminal params", params_json)?;
    let stats: Option<DialStats> = opt_json("dial stats", dial_stats_json)?;
    tms::status_upload_request(&params, stats.as_ref()).map_err(js_error)
}

#[wasm_bindgen(js_name = tmsParseStatusReport)]
pub fn parse_status_report(field62: &[u8]) -> Result<String, JsValue> {
    to_json(&StatusReport::parse(field62).map_err(js_error)?)
}

/// Every step: `[{ step, nmi, mti }]`.
#[wasm_bindgen(js_name = tmsSteps)]
pub fn steps() -> Result<String, JsValue> {
    to_json(&Step::ALL.iter().map(|&s| step_info(s)).collect::<Vec<_>>())
}
