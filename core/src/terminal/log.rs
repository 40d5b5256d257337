//! The transaction log as a support desk and a merchant query it (交易查询), and reprints (重打印).
//!
//! The query runs over the journal's records: every batch the journal keeps
//! ([`super::Config::keep_batches`]); older ones are pruned with their card data, and only their
//! per-batch totals survive (the statistics). Results never carry a message template: the card
//! number is masked (first 6, last 4), and a payment code likewise.

use serde::{Deserialize, Serialize};

use crate::card::PaymentCodeKind;
use crate::receipt::{EntryMode, ReceiptInput};

use super::error::{Result, TerminalError};
use super::journal::{TxnRecord, TxnStatus};
use super::types::TxnKind;
use super::Terminal;

/// Most entries one page may hold.
pub const MAX_PAGE: usize = 500;

/// What to look for. Every field is optional; an empty query lists everything, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogQuery {
    /// First local date included, `YYYY-MM-DD`.
    pub from_date: Option<String>,
    /// Last local date included, `YYYY-MM-DD`.
    pub to_date: Option<String>,
    /// STAN (voucher number, 凭证号).
    pub stan: Option<String>,
    /// Retrieval reference number (参考号, field 37).
    pub rrn: Option<String>,
    /// Batch number.
    pub batch: Option<String>,
    /// Any of these statuses.
    pub status: Vec<TxnStatus>,
    /// Any of these kinds.
    pub kind: Vec<TxnKind>,
    /// Any of these entry modes.
    pub entry: Vec<EntryMode>,
    /// The operator who made it (操作员号).
    pub operator: Option<String>,
    /// Smallest amount, minor units.
    pub min_amount: Option<u64>,
    /// Largest amount, minor units.
    pub max_amount: Option<u64>,
    /// Entries to skip (paging).
    pub offset: usize,
    /// Entries per page: 1 to [`MAX_PAGE`]; 0 means 50.
    pub limit: usize,
}

/// One transaction as the log shows it: no template, the card masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// What it is.
    pub kind: TxnKind,
    /// Batch.
    pub batch: String,
    /// STAN.
    pub stan: String,
    /// Where it stands.
    pub status: TxnStatus,
    /// Minor units.
    pub amount: u64,
    /// Local date and time it was started.
    pub date: String,
    /// See `date`.
    pub time: String,
    /// Field 37.
    pub rrn: Option<String>,
    /// Field 38.
    pub auth_code: Option<String>,
    /// Field 39 of the final answer.
    pub response_code: Option<String>,
    /// The card or payment code, masked.
    pub masked_pan: Option<String>,
    /// How it was presented.
    pub entry: Option<EntryMode>,
    /// The wallet of a payment code.
    pub wallet: Option<PaymentCodeKind>,
    /// The card organisation the host named (63.1).
    pub card_org: Option<String>,
    /// Operator.
    pub operator: Option<String>,
    /// For a void: the voided transaction's STAN.
    pub original_stan: Option<String>,
    /// Delivery attempts of its reversal or advice.
    pub attempts: u32,
    /// A slip can be reprinted ([`Terminal::reprint`]).
    pub has_receipt: bool,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPage {
    /// Entries matching the query in all.
    pub total: usize,
    /// The query's offset.
    pub offset: usize,
    /// This page, newest first.
    pub entries: Vec<LogEntry>,
}

/// The entry mode a journal record was presented with (field 22 of its template).
pub(super) fn entry_of(r: &TxnRecord) -> Option<EntryMode> {
    if let Some(e) = r.receipt.as_ref().and_then(|rc| rc.entry_mode) {
        return Some(e);
    }
    let f22 = r.template.fields.get(&22)?;
    Some(match f22.get(..2)? {
        "05" => EntryMode::Chip,
        "07" => EntryMode::Contactless,
        "02" | "90" => EntryMode::Swipe,
        "03" => EntryMode::Qr,
        "01" => EntryMode::Manual,
        _ => return None,
    })
}

impl LogEntry {
    fn of(r: &TxnRecord) -> Self {
        let summary = r.summary();
        let masked = summary.masked_pan.or_else(|| {
            // A payment code travels in 48 (no PAN).
            r.template.fields.get(&48).and_then(|c| crate::card::mask_pan(c, &crate::card::MaskPolicy::default()).ok())
        });
        Self {
            kind: r.kind,
            batch: r.batch.clone(),
            stan: r.stan.clone(),
            status: r.status,
            amount: r.amount,
            date: r.date.clone(),
            time: r.time.clone(),
            rrn: r.rrn.clone(),
            auth_code: r.auth_code.clone(),
            response_code: r.response_code.clone(),
            masked_pan: masked,
            entry: entry_of(r),
            wallet: r.receipt.as_ref().and_then(|rc| rc.wallet),
            card_org: r.card_org.clone(),
            operator: r.receipt.as_ref().and_then(|rc| rc.operator_id.clone()),
            original_stan: r.original_stan.clone(),
            attempts: r.attempts,
            has_receipt: r.receipt.is_some(),
        }
    }
}

fn bad(field: &'static str, reason: &str) -> TerminalError {
    TerminalError::BadRequest { field, reason: reason.to_owned() }
}

fn check_date(field: &'static str, d: Option<&String>) -> Result<()> {
    match d {
        Some(d) if d.len() != 10 || crate::receipt::check_date(d).is_err() => Err(bad(field, "YYYY-MM-DD expected")),
        _ => Ok(()),
    }
}

impl LogQuery {
    fn matches(&self, e: &LogEntry) -> bool {
        let eq = |want: &Option<String>, have: Option<&str>| want.as_deref().is_none_or(|w| have == Some(w));
        self.from_date.as_deref().is_none_or(|d| e.date.as_str() >= d)
            && self.to_date.as_deref().is_none_or(|d| e.date.as_str() <= d)
            && eq(&self.stan, Some(&e.stan))
            && eq(&self.rrn, e.rrn.as_deref())
            && eq(&self.batch, Some(&e.batch))
            && eq(&self.operator, e.operator.as_deref())
            && (self.status.is_empty() || self.status.contains(&e.status))
            && (self.kind.is_empty() || self.kind.contains(&e.kind))
            && (self.entry.is_empty() || e.entry.is_some_and(|m| self.entry.contains(&m)))
            && self.min_amount.is_none_or(|a| e.amount >= a)
            && self.max_amount.is_none_or(|a| e.amount <= a)
    }
}

/// One line of the audit trail: a message sent for a journaled transaction and what became of
/// it (the request, every reversal or advice attempt) with its send and answer times, or a note
/// of what happened around the transactions (sign-on, sign-off, settlement, an operator's
/// decision on an exhausted reversal, a staff alert).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When (unix ms): the message left, or the note was taken.
    pub at: u64,
    /// When a message's answer or failure was processed (unix ms).
    pub done_at: Option<u64>,
    /// `message`, or the note (`signed_on`, `settled`, `settled_unbalanced`,
    /// `reversal_resolved:retry`, `alert:reversal_exhausted`...).
    pub what: String,
    /// The MTI sent.
    pub mti: Option<String>,
    /// Field 39 of the answer, or the failure's key.
    pub result: Option<String>,
    /// The transaction's kind.
    pub kind: Option<TxnKind>,
    /// Batch.
    pub batch: Option<String>,
    /// STAN.
    pub stan: Option<String>,
    /// Minor units.
    pub amount: Option<u64>,
    /// The card, masked.
    pub masked_pan: Option<String>,
}

/// The messages of one record's trail as audit lines.
pub(super) fn trail_entries(r: &TxnRecord) -> Vec<AuditEntry> {
    let masked = LogEntry::of(r).masked_pan;
    r.trail
        .iter()
        .map(|a| AuditEntry {
            at: a.sent_at,
            done_at: Some(a.done_at),
            what: "message".into(),
            mti: Some(a.mti.clone()),
            result: Some(a.result.clone()),
            kind: Some(r.kind),
            batch: Some(r.batch.clone()),
            stan: Some(r.stan.clone()),
            amount: Some(r.amount),
            masked_pan: masked.clone(),
        })
        .collect()
}

impl AuditEntry {
    /// The CSV header line of [`AuditEntry::csv`].
    pub const CSV_HEADER: &'static str = "at,done_at,what,mti,result,kind,batch,stan,amount,masked_pan";

    /// One CSV line (RFC 4180; the card mask is quoted, nothing else needs it).
    pub fn csv(&self) -> String {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        format!(
            "{},{},{},{},{},{},{},{},{},\"{}\"",
            self.at,
            self.done_at.map(|d| d.to_string()).unwrap_or_default(),
            self.what,
            o(&self.mti),
            o(&self.result),
            self.kind.map(TxnKind::as_str).unwrap_or_default(),
            o(&self.batch),
            o(&self.stan),
            self.amount.map(|a| a.to_string()).unwrap_or_default(),
            o(&self.masked_pan)
        )
    }
}

impl Terminal {
    /// The audit trail, oldest first, between `from_ms` and `to_ms` (inclusive): every request,
    /// reversal and advice attempt of the journal's transactions with its send and answer times,
    /// and the notes of sign-ons, settlements, operator decisions and staff alerts; the messages of
    /// transactions pruned with their batch are kept as notes too (the last
    /// [`super::journal::LOG_KEPT`] journal writes that carried any). Cards masked.
    pub fn audit_trail(&self, from_ms: u64, to_ms: u64) -> Result<Vec<AuditEntry>> {
        let in_range = |t: u64| t >= from_ms && t <= to_ms;
        let mut out: Vec<AuditEntry> = self.records.values().flat_map(trail_entries).collect();
        for key in &self.note_keys {
            if let Some(b) = super::integrity::read_body(&*self.store, key, &self.cfg.terminal_id)? {
                out.extend(super::parse_json::<Vec<AuditEntry>>(key, &b)?);
            }
        }
        out.extend(self.notes.iter().cloned());
        out.retain(|e| in_range(e.at));
        out.sort_by(|a, b| (a.at, &a.batch, &a.stan).cmp(&(b.at, &b.batch, &b.stan)));
        Ok(out)
    }

    /// The transaction log: the journal's records matching `q`, newest first, one page. Network
    /// management and script advices are not transactions and never listed.
    pub fn query_log(&self, q: &LogQuery) -> Result<LogPage> {
        check_date("from_date", q.from_date.as_ref())?;
        check_date("to_date", q.to_date.as_ref())?;
        if q.limit > MAX_PAGE {
            return Err(bad("limit", "at most 500 entries per page"));
        }
        let limit = if q.limit == 0 { 50 } else { q.limit };
        let mut all: Vec<LogEntry> = self
            .records
            .values()
            .filter(|r| r.kind.is_financial())
            .map(LogEntry::of)
            .filter(|e| q.matches(e))
            .collect();
        // Newest first: by date and time, then batch and STAN (the journal's own order).
        all.sort_by(|a, b| (&b.date, &b.time, &b.batch, &b.stan).cmp(&(&a.date, &a.time, &a.batch, &a.stan)));
        let total = all.len();
        let entries = all.into_iter().skip(q.offset).take(limit).collect();
        Ok(LogPage { total, offset: q.offset, entries })
    }

    /// The slip of a journaled transaction for a reprint (重打印): the receipt record as it was
    /// printed (card masked). Render it with [`crate::receipt::RenderOptions::reprint`] set, so it
    /// is marked 重打印 REPRINT. `batch` `None`: the open batch, then the newest batch holding
    /// that STAN.
    pub fn reprint(&self, stan: &str, batch: Option<&str>) -> Result<ReceiptInput> {
        let found = match batch {
            Some(b) => self.records.get(&super::journal::txn_key(b, stan)),
            None => self
                .records
                .get(&super::journal::txn_key(&self.state.batch, stan))
                .or_else(|| self.records.values().rev().find(|r| r.stan == stan && r.receipt.is_some())),
        };
        found.and_then(|r| r.receipt.clone()).ok_or_else(|| TerminalError::UnknownOriginal {
            stan: stan.to_owned(),
            batch: batch.unwrap_or(&self.state.batch).to_owned(),
        })
    }
}
