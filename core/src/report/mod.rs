//! Merchant reports: the settlement report (结算单), the terminal totals printed without settling
//! (终端统计) and daily / weekly / monthly sales statistics (日报, 周报, 月报).
//!
//! This module only renders. The engine builds the records from its journal — a
//! [`SettlementReport`] from the batch and the 0510's field 48 result digits, a [`StatsReport`]
//! from the per-batch summaries — and hands them over as plain data (or JSON). Each renders as
//! - plain text for 32- or 48-column printers (58 mm / 80 mm), CJK counted as two columns the
//!   way the receipt module counts them;
//! - ESC/POS bytes through the receipt module's encoder (GBK, Chinese mode, feed and cut);
//! - a self-contained HTML page; the statistics page carries an SVG bar chart of net sales per
//!   row, drawn by the core (no script, no chart library);
//! - JSON with a versioned schema ([`ElectronicSettlement`], [`ElectronicStats`]).
//!
//! Labels come from `core/data/report.json` (中文 and English): in `zh` the report prints
//! Chinese with a bilingual title, as terminals in the field do; in `en` English only.
//!
//! The settlement layout follows what UnionPay terminals print, as dsand20142014/openpos
//! (`lib258/trunk/demoApp/qt/unionpay/emv/appsrc/print.c`, commit 6280780) does it:
//! - `PRINT_List`: the title (`POS结算单`, or `终端统计TERM TOTAL` for the totals printed without
//!   settling), merchant name and number, terminal, batch, date and time; then per card scope,
//!   domestic (内卡) first, the host's result (`内卡对帐平` / `对帐不平` / `对帐错误`, not printed
//!   on terminal totals) and a count and amount per kind of transaction (消费, 预授权完成, 离线,
//!   退货), each kind printed even when zero;
//! - `PRINT_SettleTotal`: debit total (借记总计), credit total (贷记总计) and their difference
//!   (借记- 贷记) per scope;
//! - `PRINT_EveryCardDetail`: a count and amount per card brand (RMB, VISA, MASTER, JCB, DINNER,
//!   AMEX), foreign brand names printed in Latin letters on a Chinese slip;
//! - `PRINT_RePrint_List`: the reprint of the last settlement, marked `结算单(重打印)`;
//! - `serv.c` `SERV_SettleOnline`: the result digits at offsets 30 and 61 of the 0510's field 48
//!   ([`SettleResult::from_field48_digit`]).
//!
//! Where it departs: voids and completion voids are counted as credits (the engine's batch
//! totals and field 48 count them so), the per-method table is added (payment-code wallets did
//! not exist then), and amounts are grouped by thousands (`1,234.56`; openpos prints
//! `UTIL_Form_Montant`'s ungrouped digits).
//!
//! ```
//! use poscore::report::{ReportOptions, SettlementReport};
//! let r = SettlementReport::from_json(r#"{
//!   "kind": "settlement", "merchant_name": "测试商户", "merchant_id": "898310048160001",
//!   "terminal_id": "12345678", "batch": "000001", "date": "2026-12-06", "time": "22:30:15",
//!   "currency": "156",
//!   "domestic": {"result": "balanced", "lines": [{"txn": "sale", "count": 2, "amount": 12345}]},
//!   "foreign": {"result": "balanced"}
//! }"#).unwrap();
//! let text = r.render_text(&ReportOptions::default()).unwrap();
//! assert!(text.contains("内卡") && text.contains("对账平") && text.contains("123.45"));
//! ```

// Scheme names (UnionPay, WeChat) fill these docs; they are not code.
#![allow(clippy::doc_markdown)]

mod electronic;
mod html;
mod labels;
mod layout;
mod model;

pub use crate::receipt::{Format, Lang};
pub use electronic::{
    ElectronicBucket, ElectronicLine, ElectronicMerchant, ElectronicSection, ElectronicSettlement, ElectronicStats,
    ElectronicTotals, SCHEMA_VERSION,
};
pub use labels::Labels;
pub use model::{
    Period, ReportBucket, ReportKind, ReportLine, ReportSection, ReportTxn, SectionTotals, SettleResult,
    SettlementReport, StatsReport, StatsRow, StatsTotals,
};

use serde::{Deserialize, Serialize};

use layout::Target;

/// Largest amount of one line, bucket or row, in minor units: n12, what field 4 and each half of
/// field 48 carry. With at most [`MAX_ENTRIES`] entries a list, every sum stays below 2^53, so
/// the JSON figures are exact in JavaScript too.
pub const MAX_AMOUNT: u64 = 999_999_999_999;

/// Most entries a list (lines, rows, buckets) may hold.
pub const MAX_ENTRIES: usize = 1000;

/// Paper widths the reports are laid out for, in columns: 58 mm and 80 mm printers.
pub const WIDTHS: [u16; 2] = [32, 48];

/// Errors from validating or rendering a report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The record is not valid JSON, lacks a required field or has an unknown one.
    #[error("report record: {message} (line {line}, column {column})")]
    BadJson {
        /// Line of the JSON input (1-based, 0 when unknown).
        line: usize,
        /// Column of the JSON input.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// A field has the wrong shape.
    #[error("field {field}: found {found:?}, expected {expected}")]
    BadField {
        /// Path of the field (`foreign.lines[2].amount`, `by_hour[0].name`).
        field: String,
        /// What was found (cut to 40 characters).
        found: String,
        /// What the field must look like.
        expected: &'static str,
    },
    /// A figure disagrees with the others it is computed from (a statistics row's net).
    #[error("field {field}: found {found}, computed {computed}")]
    Inconsistent {
        /// Path of the field.
        field: String,
        /// The value given.
        found: String,
        /// The value computed from the row.
        computed: String,
    },
    /// A list is longer than [`MAX_ENTRIES`].
    #[error("field {field}: {len} entries, at most {max}")]
    TooMany {
        /// Path of the list.
        field: String,
        /// Entries given.
        len: usize,
        /// Most accepted.
        max: usize,
    },
    /// The currency is in neither column of the receipt currency table.
    #[error("currency {currency:?} is not in the currency table")]
    UnknownCurrency {
        /// The code given.
        currency: String,
    },
    /// The paper width is not one the reports are laid out for ([`WIDTHS`]).
    #[error("width {width} columns: expected 32 or 48")]
    BadWidth {
        /// Width asked for.
        width: u16,
    },
    /// A labels file could not be used.
    #[error("report labels file: {message}")]
    BadLabels {
        /// What is wrong (missing key, JSON error...).
        message: String,
    },
}

impl ReportError {
    /// Stable machine-readable code, `report.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadJson { .. } => "report.bad_json",
            Self::BadField { .. } => "report.bad_field",
            Self::Inconsistent { .. } => "report.inconsistent",
            Self::TooMany { .. } => "report.too_many",
            Self::UnknownCurrency { .. } => "report.unknown_currency",
            Self::BadWidth { .. } => "report.bad_width",
            Self::BadLabels { .. } => "report.bad_labels",
        }
    }
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, ReportError> {
    serde_json::from_str(json).map_err(|e| ReportError::BadJson {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

/// How to render: paper width and language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportOptions {
    /// Columns of the paper: 32 (58 mm) or 48 (80 mm). Checked for every format.
    pub width: u16,
    /// Language.
    pub lang: Lang,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self { width: 32, lang: Lang::Zh }
    }
}

impl ReportOptions {
    fn check(&self) -> Result<(), ReportError> {
        if WIDTHS.contains(&self.width) {
            Ok(())
        } else {
            Err(ReportError::BadWidth { width: self.width })
        }
    }
}

/// Either report, for the renderers they share.
#[derive(Debug, Clone, Copy)]
enum Doc<'a> {
    Settlement(&'a SettlementReport),
    Stats(&'a StatsReport),
}

impl Doc<'_> {
    fn validate(self) -> Result<crate::receipt::Currency, ReportError> {
        match self {
            Doc::Settlement(r) => {
                r.validate()?;
                model::currency(&r.currency)
            }
            Doc::Stats(r) => {
                r.validate()?;
                model::currency(&r.currency)
            }
        }
    }

    fn blocks(self, o: &ReportOptions, labels: &Labels, target: Target) -> Result<Vec<layout::Block>, ReportError> {
        o.check()?;
        let cur = self.validate()?;
        Ok(match self {
            Doc::Settlement(r) => layout::settlement(r, o, labels, &cur),
            Doc::Stats(r) => layout::stats(r, o, labels, &cur, target),
        })
    }

    fn lines(self, o: &ReportOptions, labels: &Labels) -> Result<Vec<crate::receipt::Line>, ReportError> {
        let w = o.width as usize;
        Ok(layout::lines(&self.blocks(o, labels, Target::Paper(w))?, w))
    }

    fn json(self, o: &ReportOptions, labels: &Labels) -> Result<String, ReportError> {
        o.check()?;
        let cur = self.validate()?;
        let v = match self {
            Doc::Settlement(r) => serde_json::to_string_pretty(&ElectronicSettlement::new(r, o, labels, &cur)),
            Doc::Stats(r) => serde_json::to_string_pretty(&ElectronicStats::new(r, o, labels, &cur)),
        };
        Ok(v.expect("report JSON serializes") + "\n")
    }

    fn render(self, format: Format, o: &ReportOptions, labels: &Labels) -> Result<Vec<u8>, ReportError> {
        Ok(match format {
            Format::Text => layout::text(&self.lines(o, labels)?).into_bytes(),
            Format::Escpos => crate::receipt::encode_escpos(&self.lines(o, labels)?, o.width),
            Format::Html => html::render(&self.blocks(o, labels, Target::Html)?, o.lang).into_bytes(),
            Format::Json => self.json(o, labels)?.into_bytes(),
        })
    }
}

/// The renderers, the same for both reports.
macro_rules! renderers {
    ($ty:ty, $variant:ident, $electronic:ty) => {
        impl $ty {
            /// Render in `format`: the bytes (UTF-8 for every format but ESC/POS). Validates first.
            pub fn render(&self, format: Format, options: &ReportOptions) -> Result<Vec<u8>, ReportError> {
                Doc::$variant(self).render(format, options, Labels::bundled())
            }

            /// [`Self::render`] with labels loaded at run time.
            pub fn render_with(
                &self,
                format: Format,
                options: &ReportOptions,
                labels: &Labels,
            ) -> Result<Vec<u8>, ReportError> {
                Doc::$variant(self).render(format, options, labels)
            }

            /// Plain text, one `\n`-terminated line per printed line, none wider than
            /// `options.width` display columns (CJK = 2).
            pub fn render_text(&self, options: &ReportOptions) -> Result<String, ReportError> {
                Ok(layout::text(&Doc::$variant(self).lines(options, Labels::bundled())?))
            }

            /// ESC/POS bytes: init, Chinese mode, the lines in GBK, the title bold and double
            /// height, feed and cut (the receipt module's encoder).
            pub fn render_escpos(&self, options: &ReportOptions) -> Result<Vec<u8>, ReportError> {
                let lines = Doc::$variant(self).lines(options, Labels::bundled())?;
                Ok(crate::receipt::encode_escpos(&lines, options.width))
            }

            /// A self-contained HTML page (inline CSS and SVG, all text escaped).
            pub fn render_html(&self, options: &ReportOptions) -> Result<String, ReportError> {
                let blocks = Doc::$variant(self).blocks(options, Labels::bundled(), Target::Html)?;
                Ok(html::render(&blocks, options.lang))
            }

            /// The JSON report, pretty-printed (schema in [`SCHEMA_VERSION`]'s module docs).
            pub fn render_json(&self, options: &ReportOptions) -> Result<String, ReportError> {
                Doc::$variant(self).json(options, Labels::bundled())
            }

            /// The JSON report as a value.
            pub fn electronic(&self, options: &ReportOptions) -> Result<$electronic, ReportError> {
                options.check()?;
                let cur = Doc::$variant(self).validate()?;
                Ok(<$electronic>::new(self, options, Labels::bundled(), &cur))
            }
        }
    };
}

renderers!(SettlementReport, Settlement, ElectronicSettlement);
renderers!(StatsReport, Stats, ElectronicStats);

#[cfg(test)]
mod tests {
    use super::*;

    fn settlement() -> SettlementReport {
        SettlementReport {
            kind: ReportKind::Settlement,
            merchant_name: "测试商户".into(),
            merchant_id: "898310048160001".into(),
            terminal_id: "12345678".into(),
            operator_id: Some("01".into()),
            batch: "000001".into(),
            date: "2026-12-06".into(),
            time: "22:30:15".into(),
            currency: "156".into(),
            domestic: ReportSection {
                result: Some(SettleResult::Balanced),
                lines: vec![
                    ReportLine { txn: ReportTxn::Sale, count: 2, amount: 12_345 },
                    ReportLine { txn: ReportTxn::Void, count: 1, amount: 45 },
                ],
            },
            foreign: ReportSection { result: Some(SettleResult::Unbalanced), lines: vec![] },
            by_brand: vec![ReportBucket { name: "union_pay".into(), count: 3, amount: 12_300 }],
            by_method: vec![],
            reprint: false,
        }
    }

    #[test]
    fn every_format_renders_and_width_is_checked() {
        let r = settlement();
        for f in [Format::Text, Format::Escpos, Format::Html, Format::Json] {
            for width in WIDTHS {
                for lang in [Lang::Zh, Lang::En] {
                    assert!(!r.render(f, &ReportOptions { width, lang }).unwrap().is_empty());
                }
            }
            let e = r.render(f, &ReportOptions { width: 40, lang: Lang::Zh }).unwrap_err();
            assert_eq!(e.code(), "report.bad_width");
        }
        let t = r.render_text(&ReportOptions::default()).unwrap();
        assert!(t.contains("对账平") && t.contains("对账不平") && t.contains("123.00"), "{t}");
        let t = r.render_text(&ReportOptions { width: 48, lang: Lang::En }).unwrap();
        assert!(t.contains("BALANCED") && t.contains("UNBALANCED") && t.contains("UNIONPAY"), "{t}");
    }

    #[test]
    fn bad_records_are_errors_by_field() {
        let o = ReportOptions::default();
        let err = |f: &dyn Fn(&mut SettlementReport)| {
            let mut r = settlement();
            f(&mut r);
            r.render_text(&o).unwrap_err().to_string()
        };
        assert!(err(&|r| r.date = "2026-02-30".into()).starts_with("field date:"));
        assert!(err(&|r| r.time = "24:00:00".into()).starts_with("field time:"));
        assert!(err(&|r| r.batch = "1".into()).starts_with("field batch:"));
        assert!(err(&|r| r.merchant_name = "Shop\u{202e}".into()).starts_with("field merchant_name:"));
        assert!(err(&|r| r.merchant_name = "Shop\u{1b}@".into()).starts_with("field merchant_name:"));
        assert!(err(&|r| r.operator_id = Some("0\u{2028}1".into())).starts_with("field operator_id:"));
        assert!(err(&|r| r.currency = "999".into()).starts_with("currency"));
        assert!(err(&|r| r.kind = ReportKind::TerminalTotals).starts_with("field domestic.result:"));
        assert!(err(&|r| r.domestic.lines[1].txn = ReportTxn::Sale).starts_with("field domestic.lines[1].txn:"));
        assert!(err(&|r| r.foreign.lines.push(ReportLine {
            txn: ReportTxn::Refund,
            count: 1,
            amount: MAX_AMOUNT + 1
        }))
        .starts_with("field foreign.lines[0].amount:"));
        assert!(err(&|r| r.by_brand[0].name = "Visa Card".into()).starts_with("field by_brand[0].name:"));
        assert!(err(&|r| r.by_brand.push(r.by_brand[0].clone())).starts_with("field by_brand[1].name:"));
        let e = SettlementReport::from_json(r#"{"kind":"settlement","extra":1}"#).unwrap_err();
        assert_eq!(e.code(), "report.bad_json");
    }

    #[test]
    fn figures_of_an_unvalidated_record_do_not_panic() {
        let mut r = settlement();
        let huge = ReportLine { txn: ReportTxn::Refund, count: u32::MAX, amount: u64::MAX };
        r.foreign.lines = vec![huge, ReportLine { txn: ReportTxn::CompletionVoid, ..huge }];
        r.domestic.lines.push(ReportLine { txn: ReportTxn::OfflineSale, count: u32::MAX, amount: u64::MAX });
        let t = r.totals();
        assert_eq!((t.debit_amount, t.credit_amount, t.net()), (u64::MAX, u64::MAX, 0));
        assert_eq!(r.foreign.totals().net(), i64::MIN);
        assert_eq!(r.render_text(&ReportOptions::default()).unwrap_err().code(), "report.bad_field");
        let s = StatsReport {
            merchant_name: "M".into(),
            merchant_id: "1".into(),
            terminal_id: "2".into(),
            period: Period::Day,
            from: "2026-12-01".into(),
            to: "2026-12-01".into(),
            currency: "156".into(),
            rows: vec![StatsRow::new("2026-12-01", u32::MAX, u64::MAX, u64::MAX, u64::MAX); 3],
            by_method: vec![],
            by_brand: vec![],
            by_operator: vec![],
            by_hour: vec![],
        };
        assert_eq!(s.totals().net, i64::MIN);
        assert!(s.render_html(&ReportOptions::default()).is_err());
    }

    #[test]
    fn reprint_and_terminal_totals_are_marked() {
        let mut r = settlement();
        r.reprint = true;
        assert!(r.render_text(&ReportOptions::default()).unwrap().contains("重打印 REPRINT"));
        r.kind = ReportKind::TerminalTotals;
        r.domestic.result = None;
        r.foreign.result = None;
        let t = r.render_text(&ReportOptions::default()).unwrap();
        assert!(t.contains("终端统计") && t.contains("未结算") && !t.contains("对账"), "{t}");
    }
}
