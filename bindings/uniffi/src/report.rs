//! `report` module for Kotlin (wrapped by `org.poscore.Report`): render a settlement report,
//! terminal totals or statistics (the JSON the engine's `PosTerminal` report calls return).

use poscore::report::{Format, Lang, ReportOptions, SettlementReport, StatsReport};

use crate::PoscoreError;

fn options(width: u16, lang: &str) -> Result<ReportOptions, PoscoreError> {
    Ok(ReportOptions { width, lang: Lang::parse(lang)? })
}

fn format(format: &str) -> Result<Format, PoscoreError> {
    Ok(match format {
        "text" => Format::Text,
        "escpos" => Format::Escpos,
        "html" => Format::Html,
        "json" => Format::Json,
        other => {
            return Err(PoscoreError::Report {
                code: "report.bad_field".into(),
                detail: format!("format {other:?}: text, escpos, html or json"),
            })
        }
    })
}

/// Renders a settlement report or terminal totals (`report_json`: the engine's
/// `SettlementReport` JSON) as `format` (`text`, `escpos`, `html`, `json`) for `width` columns
/// (32 or 48) in `lang` (`zh`, `en`).
#[uniffi::export]
pub fn report_settlement(
    report_json: String,
    format: String,
    width: u16,
    lang: String,
) -> Result<Vec<u8>, PoscoreError> {
    let r = SettlementReport::from_json(&report_json)?;
    Ok(r.render(self::format(&format)?, &options(width, &lang)?)?)
}

/// Renders statistics (`report_json`: the engine's `StatsReport` JSON); `csv` is also accepted
/// as a format (the rows as CSV).
#[uniffi::export]
pub fn report_statistics(
    report_json: String,
    format: String,
    width: u16,
    lang: String,
) -> Result<Vec<u8>, PoscoreError> {
    let r = StatsReport::from_json(&report_json)?;
    if format == "csv" {
        return Ok(r.csv().into_bytes());
    }
    Ok(r.render(self::format(&format)?, &options(width, &lang)?)?)
}
