//! The reports as JSON: a stable, versioned schema for apps, back offices and archives, with
//! the figures the renderer computes (section and period totals) and the display names of the
//! chosen language, so a consumer neither recomputes nor translates.
//!
//! Schema (version 1; fields are only ever added within a version, a removal or change of
//! meaning bumps [`SCHEMA_VERSION`]). Amounts are integers in minor units (`exponent` digits
//! after the point); every one fits a JavaScript number exactly.
//!
//! ```text
//! settlement / terminal totals:
//! { "schema_version": 1, "report": "settlement"|"terminal_totals", "lang": "zh"|"en", "title",
//!   "reprint": bool,
//!   "merchant": { "name", "id", "terminal_id", "operator_id"? },
//!   "batch", "date", "time", "currency", "currency_numeric", "exponent",
//!   "sections": [ { "scope": "domestic"|"foreign", "label", "result": "balanced"|"unbalanced"|"error"|null,
//!                   "result_label"?, "lines": [ { "txn", "label", "credit", "count", "amount" } ],
//!                   "totals": { "debit_count", "debit_amount", "credit_count", "credit_amount", "net" } } ],
//!   "totals": { same, both scopes: the batch },
//!   "by_brand": [ { "name", "label", "count", "amount" } ], "by_method": [ ... ] }
//!
//! statistics:
//! { "schema_version": 1, "report": "statistics", "lang", "title", "period": "day"|"week"|"month",
//!   "period_label", "from", "to", "merchant": { "name", "id", "terminal_id", "operator_id": null },
//!   "currency", "currency_numeric", "exponent",
//!   "rows": [ { "label", "count", "gross", "refunds", "voids", "net", "average_ticket" } ],
//!   "totals": { "count", "gross", "refunds", "voids", "net", "average_ticket" },
//!   "by_method", "by_brand", "by_operator", "by_hour": [ { "name", "label", "count", "amount" } ] }
//! ```

use serde::{Deserialize, Serialize};

use crate::receipt::{Currency, Lang};

use super::labels::Labels;
use super::model::{
    ReportBucket, ReportKind, ReportTxn, SectionTotals, SettlementReport, StatsReport, StatsRow, StatsTotals,
};
use super::ReportOptions;

/// Version of the JSON schemas.
pub const SCHEMA_VERSION: u32 = 1;

/// Merchant and terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicMerchant {
    pub name: String,
    pub id: String,
    pub terminal_id: String,
    pub operator_id: Option<String>,
}

/// A line of a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicLine {
    pub txn: ReportTxn,
    pub label: String,
    pub credit: bool,
    pub count: u32,
    pub amount: u64,
}

/// Section or batch totals, with the net.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicTotals {
    pub debit_count: u64,
    pub debit_amount: u64,
    pub credit_count: u64,
    pub credit_amount: u64,
    pub net: i64,
}

impl From<SectionTotals> for ElectronicTotals {
    fn from(t: SectionTotals) -> Self {
        Self {
            debit_count: t.debit_count,
            debit_amount: t.debit_amount,
            credit_count: t.credit_count,
            credit_amount: t.credit_amount,
            net: t.net(),
        }
    }
}

/// One card scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicSection {
    pub scope: String,
    pub label: String,
    pub result: Option<super::SettleResult>,
    pub result_label: Option<String>,
    pub lines: Vec<ElectronicLine>,
    pub totals: ElectronicTotals,
}

/// A bucket with its display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicBucket {
    pub name: String,
    pub label: String,
    pub count: u32,
    pub amount: i64,
}

/// The settlement report or terminal totals as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicSettlement {
    pub schema_version: u32,
    pub report: ReportKind,
    pub lang: Lang,
    pub title: String,
    pub reprint: bool,
    pub merchant: ElectronicMerchant,
    pub batch: String,
    pub date: String,
    pub time: String,
    pub currency: String,
    pub currency_numeric: String,
    pub exponent: u8,
    pub sections: Vec<ElectronicSection>,
    pub totals: ElectronicTotals,
    pub by_brand: Vec<ElectronicBucket>,
    pub by_method: Vec<ElectronicBucket>,
}

/// The statistics report as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicStats {
    pub schema_version: u32,
    pub report: String,
    pub lang: Lang,
    pub title: String,
    pub period: super::Period,
    pub period_label: String,
    pub from: String,
    pub to: String,
    pub merchant: ElectronicMerchant,
    pub currency: String,
    pub currency_numeric: String,
    pub exponent: u8,
    pub rows: Vec<StatsRow>,
    pub totals: StatsTotals,
    pub by_method: Vec<ElectronicBucket>,
    pub by_brand: Vec<ElectronicBucket>,
    pub by_operator: Vec<ElectronicBucket>,
    pub by_hour: Vec<ElectronicBucket>,
}

fn buckets(list: &[ReportBucket], label: impl Fn(&str) -> String) -> Vec<ElectronicBucket> {
    list.iter()
        .map(|b| ElectronicBucket { name: b.name.clone(), label: label(&b.name), count: b.count, amount: b.amount })
        .collect()
}

impl ElectronicSettlement {
    pub(crate) fn new(r: &SettlementReport, o: &ReportOptions, labels: &Labels, cur: &Currency) -> Self {
        let lang = o.lang;
        let section = |scope: &str, s: &super::ReportSection| ElectronicSection {
            scope: scope.to_owned(),
            label: labels.text(scope, lang).to_owned(),
            result: s.result,
            result_label: s.result.map(|r| labels.text(&format!("result_{}", r.as_str()), lang).to_owned()),
            lines: ReportTxn::ALL
                .iter()
                .filter_map(|t| s.lines.iter().find(|l| l.txn == *t))
                .map(|l| ElectronicLine {
                    txn: l.txn,
                    label: labels.text(&format!("txn_{}", l.txn.as_str()), lang).to_owned(),
                    credit: l.txn.is_credit(),
                    count: l.count,
                    amount: l.amount,
                })
                .collect(),
            totals: s.totals().into(),
        };
        let title = match r.kind {
            ReportKind::Settlement => "title_settlement",
            ReportKind::TerminalTotals => "title_terminal_totals",
        };
        Self {
            schema_version: SCHEMA_VERSION,
            report: r.kind,
            lang,
            title: labels.heading(title, lang),
            reprint: r.reprint,
            merchant: ElectronicMerchant {
                name: r.merchant_name.clone(),
                id: r.merchant_id.clone(),
                terminal_id: r.terminal_id.clone(),
                operator_id: r.operator_id.clone(),
            },
            batch: r.batch.clone(),
            date: r.date.clone(),
            time: r.time.clone(),
            currency: cur.alpha.clone(),
            currency_numeric: cur.numeric.clone(),
            exponent: cur.exponent,
            sections: vec![section("domestic", &r.domestic), section("foreign", &r.foreign)],
            totals: r.totals().into(),
            by_brand: buckets(&r.by_brand, |n| labels.bucket("brand", n, lang).to_owned()),
            by_method: buckets(&r.by_method, |n| labels.bucket("method", n, lang).to_owned()),
        }
    }
}

impl ElectronicStats {
    pub(crate) fn new(r: &StatsReport, o: &ReportOptions, labels: &Labels, cur: &Currency) -> Self {
        let lang = o.lang;
        Self {
            schema_version: SCHEMA_VERSION,
            report: "statistics".to_owned(),
            lang,
            title: labels.heading("title_statistics", lang),
            period: r.period,
            period_label: labels.text(&format!("period_{}", r.period.as_str()), lang).to_owned(),
            from: r.from.clone(),
            to: r.to.clone(),
            merchant: ElectronicMerchant {
                name: r.merchant_name.clone(),
                id: r.merchant_id.clone(),
                terminal_id: r.terminal_id.clone(),
                operator_id: None,
            },
            currency: cur.alpha.clone(),
            currency_numeric: cur.numeric.clone(),
            exponent: cur.exponent,
            rows: r.rows.clone(),
            totals: r.totals(),
            by_method: buckets(&r.by_method, |n| labels.bucket("method", n, lang).to_owned()),
            by_brand: buckets(&r.by_brand, |n| labels.bucket("brand", n, lang).to_owned()),
            by_operator: buckets(&r.by_operator, str::to_owned),
            by_hour: buckets(&r.by_hour, |n| format!("{n}:00")),
        }
    }
}
