//! `receipt` module for JS: one render call; the JS layer decodes text formats.

use poscore::receipt::{self, Format, ReceiptData, RenderOptions};
use wasm_bindgen::prelude::*;

use crate::js_error;

/// A rendering format by name (`text`, `escpos`, `html`, `json`), shared by receipts and reports.
fn parse_format(what: &str, name: &str) -> Result<Format, JsValue> {
    Ok(match name {
        "text" => Format::Text,
        "escpos" => Format::Escpos,
        "html" => Format::Html,
        "json" => Format::Json,
        other => return Err(js_sys::Error::new(&format!("unknown {what} format {other:?}")).into()),
    })
}

/// Render the completed-transaction JSON in `format` (`text`, `escpos`, `html`, `json`) with
/// `options_json` (`{"width":32,"lang":"zh","copy":"merchant",...}`; empty for defaults).
#[wasm_bindgen(js_name = receiptRender)]
pub fn render(txn_json: &str, format: &str, options_json: &str) -> Result<Vec<u8>, JsValue> {
    let format = parse_format("receipt", format)?;
    let options: RenderOptions = if options_json.is_empty() {
        RenderOptions::default()
    } else {
        serde_json::from_str(options_json).map_err(|e| js_sys::Error::new(&format!("receipt options: {e}")))?
    };
    let data = ReceiptData::from_json(txn_json).map_err(js_error)?;
    receipt::render(&data, format, &options).map_err(js_error)
}

/// Render a merchant report: `kind` `settlement` (a `SettlementReport`, terminal totals too) or
/// `stats` (a `StatsReport`), as `format` (`text`, `escpos`, `html`, `json`, and `csv` for
/// statistics) with `options_json` (`{"width":32,"lang":"zh"}`; empty for defaults).
#[wasm_bindgen(js_name = reportRender)]
pub fn render_report(kind: &str, report_json: &str, format: &str, options_json: &str) -> Result<Vec<u8>, JsValue> {
    use poscore::report::{ReportOptions, SettlementReport, StatsReport};
    let options: ReportOptions = if options_json.is_empty() {
        ReportOptions::default()
    } else {
        serde_json::from_str(options_json).map_err(|e| js_sys::Error::new(&format!("report options: {e}")))?
    };
    if format == "csv" && kind == "stats" {
        return Ok(StatsReport::from_json(report_json).map_err(js_error)?.csv().into_bytes());
    }
    let fmt = parse_format("report", format)?;
    match kind {
        "settlement" => {
            SettlementReport::from_json(report_json).map_err(js_error)?.render(fmt, &options).map_err(js_error)
        }
        "stats" => StatsReport::from_json(report_json).map_err(js_error)?.render(fmt, &options).map_err(js_error),
        other => Err(js_sys::Error::new(&format!("unknown report kind {other:?}: settlement or stats")).into()),
    }
}
