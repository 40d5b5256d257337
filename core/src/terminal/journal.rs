//! What the engine keeps in the [`Store`](crate::store::Store), and the record layout.
//!
//! | key | value (JSON) | written |
//! |---|---|---|
//! | `term/state` | batch number, signed-on flag | sign-on, settlement |
//! | `term/keys` | working keys (hex; seal the store) | sign-on (same batch as `term/state`) |
//! | `term/stan` | end of the reserved STAN block | once per `stan_block` STANs |
//! | `txn/<batch>/<stan>` | one [`TxnRecord`] per reversible request or advice | before send, after the answer |
//!
//! One record per transaction carries both the reversal record and the log entry: written
//! `in_flight` (with the reversal template) **before** the request's bytes are handed out, and
//! overwritten `approved` / `declined` / `pending` when the answer comes. Overwriting one record is
//! one atomic put, so "clear the reversal and log the approval" cannot be torn, and a sale costs
//! exactly two journal writes, the minimum a reversal-first journal needs.

use serde::{Deserialize, Serialize};

use super::types::TxnKind;
use crate::iso8583::MessageJson;
use crate::receipt::ReceiptInput;

pub(crate) const KEY_STATE: &str = "term/state";
pub(crate) const KEY_KEYS: &str = "term/keys";
pub(crate) const KEY_STAN: &str = "term/stan";
pub(crate) const TXN_PREFIX: &str = "txn/";

pub(crate) fn txn_key(batch: &str, stan: &str) -> String {
    format!("txn/{batch}/{stan}")
}

/// Where a journaled transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnStatus {
    /// Written before the request left; its answer has not been processed. After a restart this
    /// means "outcome unknown": a reversal (or an advice repeat) is due.
    InFlight,
    /// The host approved; this is the log entry.
    Approved,
    /// The host refused, or the request never left: no money moved.
    Declined,
    /// Outcome unknown or unusable: a reversal (reversible kinds) or a repeat (advices) is due.
    Pending,
    /// The host acknowledged the reversal.
    Reversed,
    /// Delivery failed `max_attempts` times; kept until an operator resolves it.
    Exhausted,
    /// Resolved by hand: the acquirer confirmed nothing is charged.
    Reconciled,
}

/// One transaction in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnRecord {
    /// What it is.
    pub kind: TxnKind,
    /// Batch number (60.2) it belongs to.
    pub batch: String,
    /// Its STAN (field 11).
    pub stan: String,
    /// Where it stands.
    pub status: TxnStatus,
    /// Field 4, minor units.
    pub amount: u64,
    /// Local date `YYYY-MM-DD` and time `HH:MM:SS` it was started.
    pub date: String,
    /// See `date`.
    pub time: String,
    /// The fields a reversal (0400), a repeat (0221) or a batch upload (0320) needs, taken from
    /// the request as sent (no PIN block, no MAC). Holds the PAN: seal the store.
    pub template: MessageJson,
    /// Field 39 of the reversal (98 no answer, A0 MAC, 06 other).
    #[serde(default)]
    pub reason: Option<String>,
    /// Delivery attempts of the reversal or repeat so far.
    #[serde(default)]
    pub attempts: u32,
    /// Field 39 of the final answer.
    #[serde(default)]
    pub response_code: Option<String>,
    /// Field 37.
    #[serde(default)]
    pub rrn: Option<String>,
    /// Field 38.
    #[serde(default)]
    pub auth_code: Option<String>,
    /// For a void: the voided sale's STAN.
    #[serde(default)]
    pub original_stan: Option<String>,
    /// For approvals: the receipt record (PAN masked).
    #[serde(default)]
    pub receipt: Option<ReceiptInput>,
    /// The request id that started it (0 after a restart).
    #[serde(default)]
    pub request: u64,
}

/// A journal record as an operator or a page may see it: no message template (which holds the
/// PAN, track 2 and field 55), the card number masked. What bindings hand out for
/// [`super::Terminal::pending`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnSummary {
    /// What it is.
    pub kind: TxnKind,
    /// Batch number.
    pub batch: String,
    /// STAN.
    pub stan: String,
    /// Where it stands.
    pub status: TxnStatus,
    /// Minor units.
    pub amount: u64,
    /// Local date it was started.
    pub date: String,
    /// Local time it was started.
    pub time: String,
    /// Field 39 of the reversal.
    pub reason: Option<String>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Field 37.
    pub rrn: Option<String>,
    /// The card number, masked (first 6, last 4), when the request carried one.
    pub masked_pan: Option<String>,
}

impl TxnRecord {
    /// The record without its template, PAN masked.
    pub fn summary(&self) -> TxnSummary {
        let pan = self.template.fields.get(&2).cloned().or_else(|| {
            let t2 = self.template.fields.get(&35)?;
            Some(t2.trim_start_matches(';').split(['=', 'D', 'd']).next()?.to_owned())
        });
        TxnSummary {
            kind: self.kind,
            batch: self.batch.clone(),
            stan: self.stan.clone(),
            status: self.status,
            amount: self.amount,
            date: self.date.clone(),
            time: self.time.clone(),
            reason: self.reason.clone(),
            attempts: self.attempts,
            rrn: self.rrn.clone(),
            masked_pan: pan.and_then(|p| crate::card::mask_pan(&p, &crate::card::MaskPolicy::default()).ok()),
        }
    }

    /// True while something must still be sent for it (reversal or repeat).
    pub fn needs_delivery(&self) -> bool {
        matches!(self.status, TxnStatus::InFlight | TxnStatus::Pending)
    }
}

/// `term/state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    pub batch: String,
    pub signed_on: bool,
}

/// `term/keys`: working keys in the clear (hex) — the store must be sealed in production.
#[derive(Clone, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct StoredKeys {
    pub pik: String,
    pub mak: String,
    #[serde(default)]
    pub tdk: Option<String>,
}

/// `term/stan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StanLease {
    /// Every STAN below this may have been used.
    pub limit: u32,
}
