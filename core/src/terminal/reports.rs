//! Merchant reports built from the journal: the settlement report (结算单) of a closed batch and
//! its reprint, the terminal totals of the open batch (printed without settling), and daily,
//! weekly and monthly statistics. Rendering is [`crate::report`]'s.
//!
//! Statistics must outlive the journal's pruning (old batches are deleted with their card data,
//! see [`super::Config::keep_batches`]), so when a batch closes its figures are kept as a compact
//! per-batch summary (`term/summary/<batch>`: per day, counts and amounts overall and per payment
//! method, card brand, operator and hour; no card data), written in the same atomic write that
//! opens the next batch, next to the settlement report itself (`term/report/last`). The last
//! [`SUMMARIES_KEPT`] summaries are kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::receipt::EntryMode;
use crate::report::{
    Period, ReportBucket, ReportKind, ReportLine, ReportSection, ReportTxn, SettleResult, SettlementReport,
    StatsReport, StatsRow,
};
use crate::store::Op;

use super::error::{Result, TerminalError};
use super::journal::{TxnRecord, TxnStatus};
use super::types::TxnKind;
use super::{clock, Terminal};

/// The last settlement report, for its reprint.
pub(crate) const KEY_LAST_REPORT: &str = "term/report/last";
/// Per-batch statistics summaries.
pub(crate) const SUMMARY_PREFIX: &str = "term/summary/";
/// Batch summaries kept (more than a year of daily settlements).
pub const SUMMARIES_KEPT: usize = 400;

/// One figure: a count and a net amount.
type Figure = (u32, i64);

/// One day of one batch: what the statistics need, nothing of any card.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DaySummary {
    /// Sales (debits: sales, completions, offline sales).
    pub count: u32,
    /// Their sum.
    pub gross: u64,
    /// Refunds.
    pub refunds: u64,
    /// Voids of sales and completions.
    pub voids: u64,
    pub by_method: BTreeMap<String, Figure>,
    pub by_brand: BTreeMap<String, Figure>,
    pub by_operator: BTreeMap<String, Figure>,
    pub by_hour: BTreeMap<String, Figure>,
}

/// `term/summary/<batch>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BatchSummary {
    pub batch: String,
    /// By local date `YYYY-MM-DD`.
    pub days: BTreeMap<String, DaySummary>,
}

/// The report line a journal kind counts on.
fn txn_of(kind: TxnKind) -> Option<ReportTxn> {
    Some(match kind {
        TxnKind::Sale => ReportTxn::Sale,
        TxnKind::Completion => ReportTxn::Completion,
        TxnKind::OfflineSale => ReportTxn::OfflineSale,
        TxnKind::Refund => ReportTxn::Refund,
        TxnKind::Void => ReportTxn::Void,
        TxnKind::CompletionVoid => ReportTxn::CompletionVoid,
        _ => return None,
    })
}

/// The card brand: the card organisation the host named (63.1), else the card number's IIN;
/// `None` for a payment code (its wallet is its method).
fn brand_of(r: &TxnRecord) -> Option<String> {
    if super::log::entry_of(r) == Some(EntryMode::Qr) {
        return None;
    }
    let by_org = r.card_org.as_deref().map(str::trim).and_then(|o| match o {
        "CUP" => Some("union_pay"),
        "VIS" => Some("visa"),
        "MCC" => Some("mastercard"),
        "JCB" => Some("jcb"),
        "AEX" => Some("amex"),
        "DCC" => Some("diners_club"),
        "DFS" => Some("discover"),
        _ => None,
    });
    if let Some(b) = by_org {
        return Some(b.to_owned());
    }
    let pan = r.template.fields.get(&2)?;
    Some(crate::card::brand(pan).as_str().to_owned())
}

/// The payment method: the entry mode, a payment code's wallet.
fn method_of(r: &TxnRecord) -> String {
    match super::log::entry_of(r) {
        Some(EntryMode::Qr) => {
            r.receipt.as_ref().and_then(|rc| rc.wallet).map_or("qr".to_owned(), |w| w.as_str().to_owned())
        }
        Some(e) => e.as_str().to_owned(),
        None => "card".to_owned(),
    }
}

/// The record's signed effect on the merchant's takings, as the batch totals count it
/// ([`TxnKind::sign`]).
fn net_of(r: &TxnRecord) -> i64 {
    i64::from(r.kind.sign()) * i64::try_from(r.amount).unwrap_or(i64::MAX)
}

fn add(map: &mut BTreeMap<String, Figure>, name: String, net: i64) {
    let f = map.entry(name).or_insert((0, 0));
    f.0 = f.0.saturating_add(1);
    f.1 = f.1.saturating_add(net);
}

fn buckets(map: &BTreeMap<String, Figure>) -> Vec<ReportBucket> {
    map.iter()
        .map(|(name, (count, amount))| ReportBucket { name: name.clone(), count: *count, amount: *amount })
        .collect()
}

fn merge(into: &mut BTreeMap<String, Figure>, from: &BTreeMap<String, Figure>) {
    for (k, (c, a)) in from {
        let f = into.entry(k.clone()).or_insert((0, 0));
        f.0 = f.0.saturating_add(*c);
        f.1 = f.1.saturating_add(*a);
    }
}

/// The ISO 8601 week of a date, `2026-W49`.
pub(crate) fn iso_week(date: &str) -> Option<String> {
    let days = clock::days_from_civil(date)?;
    // 1970-01-01 was a Thursday; ISO weekdays run 1 (Monday) to 7.
    let weekday = (days + 3).rem_euclid(7) + 1;
    // The week's Thursday decides its year.
    let thursday = days - weekday + 4;
    let year_of = |d: i64| {
        let (y, _, _) = clock::civil_from_days(d);
        y
    };
    let year = year_of(thursday);
    let jan1 = clock::days_from_civil(&format!("{year:04}-01-01"))?;
    let week = (thursday - jan1) / 7 + 1;
    Some(format!("{year:04}-W{week:02}"))
}

fn label(period: Period, date: &str) -> Option<String> {
    match period {
        Period::Day => Some(date.to_owned()),
        Period::Week => iso_week(date),
        Period::Month => date.get(..7).map(str::to_owned),
    }
}

impl Terminal {
    fn operator_of(&self, r: &TxnRecord) -> String {
        r.receipt.as_ref().and_then(|rc| rc.operator_id.clone()).unwrap_or_else(|| self.cfg.operator_id.clone())
    }

    /// Approved, money-moving records of `batch`.
    fn counted<'a>(&'a self, batch: &'a str) -> impl Iterator<Item = &'a TxnRecord> + 'a {
        self.records
            .values()
            .filter(move |r| r.batch == batch && r.status == TxnStatus::Approved && txn_of(r.kind).is_some())
    }

    /// The summary of `batch` from its records.
    pub(super) fn summarize(&self, batch: &str) -> BatchSummary {
        let mut days: BTreeMap<String, DaySummary> = BTreeMap::new();
        for r in self.counted(batch) {
            let Some(txn) = txn_of(r.kind) else { continue };
            let net = net_of(r);
            let d = days.entry(r.date.clone()).or_default();
            match txn {
                ReportTxn::Refund => d.refunds = d.refunds.saturating_add(r.amount),
                ReportTxn::Void | ReportTxn::CompletionVoid => d.voids = d.voids.saturating_add(r.amount),
                ReportTxn::Sale | ReportTxn::Completion | ReportTxn::OfflineSale => {
                    d.count = d.count.saturating_add(1);
                    d.gross = d.gross.saturating_add(r.amount);
                }
            }
            add(&mut d.by_method, method_of(r), net);
            if let Some(b) = brand_of(r) {
                add(&mut d.by_brand, b, net);
            }
            add(&mut d.by_operator, self.operator_of(r), net);
            add(&mut d.by_hour, r.time.get(..2).unwrap_or("00").to_owned(), net);
        }
        BatchSummary { batch: batch.to_owned(), days }
    }

    /// The settlement report (or, with [`ReportKind::TerminalTotals`], the terminal totals) of
    /// `batch` from the journal; `results` are the host's verdicts for domestic and foreign
    /// cards (field 48 of the 0510).
    pub(super) fn build_settlement_report(
        &self,
        batch: &str,
        kind: ReportKind,
        results: (Option<SettleResult>, Option<SettleResult>),
        now: u64,
    ) -> SettlementReport {
        let (date, time, _, _) = clock::local(now, self.cfg.utc_offset_minutes);
        let mut lines: [BTreeMap<ReportTxn, (u32, u64)>; 2] = [BTreeMap::new(), BTreeMap::new()];
        let (mut by_brand, mut by_method) = (BTreeMap::new(), BTreeMap::new());
        for r in self.counted(batch) {
            let Some(txn) = txn_of(r.kind) else { continue };
            let l = lines[usize::from(r.is_foreign())].entry(txn).or_insert((0, 0));
            l.0 = l.0.saturating_add(1);
            l.1 = l.1.saturating_add(r.amount);
            let net = net_of(r);
            if let Some(b) = brand_of(r) {
                add(&mut by_brand, b, net);
            }
            add(&mut by_method, method_of(r), net);
        }
        let section = |i: usize, result| ReportSection {
            result,
            lines: lines[i]
                .iter()
                .map(|(txn, (count, amount))| ReportLine { txn: *txn, count: *count, amount: *amount })
                .collect(),
        };
        SettlementReport {
            kind,
            merchant_name: self.cfg.merchant_name.clone(),
            merchant_id: self.cfg.merchant_id.clone(),
            terminal_id: self.cfg.terminal_id.clone(),
            operator_id: Some(self.cfg.operator_id.clone()),
            batch: batch.to_owned(),
            date,
            time,
            currency: self.cfg.currency.clone(),
            domestic: section(0, results.0),
            foreign: section(1, results.1),
            by_brand: buckets(&by_brand),
            by_method: buckets(&by_method),
            reprint: false,
        }
    }

    /// The terminal totals of the open batch (终端统计), printed without settling.
    pub fn terminal_totals_report(&self, now: u64) -> SettlementReport {
        self.build_settlement_report(&self.state.batch.clone(), ReportKind::TerminalTotals, (None, None), now)
    }

    /// The report of the last settlement, as it was when the batch closed (for its reprint: set
    /// `reprint` before rendering). `None` before the first settlement.
    pub fn last_settlement_report(&self) -> Result<Option<SettlementReport>> {
        match super::integrity::read_body(&*self.store, KEY_LAST_REPORT, &self.cfg.terminal_id)? {
            Some(b) => super::parse_json(KEY_LAST_REPORT, &b).map(Some),
            None => Ok(None),
        }
    }

    /// The writes that go with closing `batch`: its summary, its settlement report, and the
    /// deletion of summaries beyond [`SUMMARIES_KEPT`].
    pub(super) fn closing_ops(&self, batch: &str, report: &SettlementReport) -> Result<Vec<Op>> {
        let summary = self.summarize(batch);
        let mut ops = vec![
            Op::put(format!("{SUMMARY_PREFIX}{batch}"), super::to_json(&summary)),
            Op::put(KEY_LAST_REPORT, super::to_json(report)),
        ];
        let mut existing = self.store.list(SUMMARY_PREFIX)?;
        existing.retain(|k| k != &format!("{SUMMARY_PREFIX}{batch}"));
        if existing.len() + 1 > SUMMARIES_KEPT {
            // Oldest first by the batch's own order in the key; batch numbers wrap after 999999,
            // which at one settlement a day is thousands of years away.
            existing.sort();
            let excess = existing.len() + 1 - SUMMARIES_KEPT;
            ops.extend(existing.into_iter().take(excess).map(Op::delete));
        }
        Ok(ops)
    }

    /// Sales statistics by day, ISO week or month for the local dates `from` to `to`
    /// (`YYYY-MM-DD`, inclusive): every closed batch from its summary, the others (the open
    /// batch, batches closed before summaries existed) from their records.
    pub fn statistics(&self, period: Period, from: &str, to: &str) -> Result<StatsReport> {
        let bad =
            |field: &'static str| TerminalError::BadRequest { field, reason: "a date YYYY-MM-DD expected".into() };
        crate::receipt::check_date(from).map_err(|_| bad("from"))?;
        crate::receipt::check_date(to).map_err(|_| bad("to"))?;
        if from > to {
            return Err(TerminalError::BadRequest { field: "from", reason: "after `to`".into() });
        }
        let mut summaries: BTreeMap<String, BatchSummary> = BTreeMap::new();
        for key in self.store.list(SUMMARY_PREFIX)? {
            if let Some(b) = super::integrity::read_body(&*self.store, &key, &self.cfg.terminal_id)? {
                let s: BatchSummary = super::parse_json(&key, &b)?;
                summaries.insert(s.batch.clone(), s);
            }
        }
        let batches: std::collections::BTreeSet<String> = self.records.values().map(|r| r.batch.clone()).collect();
        for b in batches {
            summaries.entry(b.clone()).or_insert_with(|| self.summarize(&b));
        }
        let mut rows: BTreeMap<String, DaySummary> = BTreeMap::new();
        let mut all = DaySummary::default();
        for s in summaries.values() {
            for (date, d) in s.days.iter().filter(|(date, _)| date.as_str() >= from && date.as_str() <= to) {
                let Some(l) = label(period, date) else { continue };
                for acc in [rows.entry(l).or_default(), &mut all] {
                    acc.count = acc.count.saturating_add(d.count);
                    acc.gross = acc.gross.saturating_add(d.gross);
                    acc.refunds = acc.refunds.saturating_add(d.refunds);
                    acc.voids = acc.voids.saturating_add(d.voids);
                }
                merge(&mut all.by_method, &d.by_method);
                merge(&mut all.by_brand, &d.by_brand);
                merge(&mut all.by_operator, &d.by_operator);
                merge(&mut all.by_hour, &d.by_hour);
            }
        }
        Ok(StatsReport {
            merchant_name: self.cfg.merchant_name.clone(),
            merchant_id: self.cfg.merchant_id.clone(),
            terminal_id: self.cfg.terminal_id.clone(),
            period,
            from: from.to_owned(),
            to: to.to_owned(),
            currency: self.cfg.currency.clone(),
            rows: rows.into_iter().map(|(l, d)| StatsRow::new(l, d.count, d.gross, d.refunds, d.voids)).collect(),
            by_method: buckets(&all.by_method),
            by_brand: buckets(&all.by_brand),
            by_operator: buckets(&all.by_operator),
            by_hour: buckets(&all.by_hour),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks_at_year_ends() {
        // Published ISO 8601 calendar facts.
        assert_eq!(iso_week("2026-12-06").as_deref(), Some("2026-W49"));
        assert_eq!(iso_week("2021-01-03").as_deref(), Some("2020-W53"));
        assert_eq!(iso_week("2024-12-30").as_deref(), Some("2025-W01"));
        assert_eq!(iso_week("2026-01-01").as_deref(), Some("2026-W01"));
        assert_eq!(iso_week("2027-01-01").as_deref(), Some("2026-W53"));
        assert_eq!(clock::days_from_civil("1970-01-01"), Some(0));
    }
}
