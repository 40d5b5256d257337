//! What the engine keeps in the [`Store`](crate::store::Store), and the record layout.
//!
//! | key | value (JSON) | written |
//! |---|---|---|
//! | `term/state` | batch number, signed-on flag | sign-on, settlement |
//! | `term/keys` | working keys as field 62 sent them: enciphered under the TMK, with check values | sign-on (same batch as `term/state`); deleted when the host asks for a new sign-on (77/A0) |
//! | `term/stan` | end of the reserved STAN block | once per `stan_block` STANs |
//! | `term/settle` | the settlement owed to the host: batch, totals, phase, uploads done | before the 0500 leaves; after each upload; deleted with the batch change |
//! | `term/tms/params`, `term/tms/capk`, `term/tms/aid` | the host's parameters, CA public keys and AIDs of the last complete download | when a download's end is acknowledged (one put: an interrupted download keeps the previous set) |
//! | `txn/<batch>/<stan>` | one [`TxnRecord`] per reversible request or advice | before send, after the answer |
//!
//! One record per transaction carries both the reversal record and the log entry: written
//! `in_flight` (with the reversal template) **before** the request's bytes are handed out, and
//! overwritten `approved` / `declined` / `pending` when the answer comes. Overwriting one record is
//! one atomic put, so "clear the reversal and log the approval" cannot be torn, and a sale costs
//! exactly two journal writes, the minimum a reversal-first journal needs.
//!
//! What a record keeps of the card is only what a reversal, a repeat, a batch upload, a void or
//! a receipt needs (PCI DSS 3.3.1): the PAN (field 2) and expiry, never track 2 (35/36), the PIN
//! block (52/53/26) nor the track-equivalent and discretionary data inside field 55 (tags 56, 57,
//! 9F1F, 9F20, 9F6B), which carry the card's CVV-like values. See `minimal_template`.

use serde::{Deserialize, Serialize};

use super::types::TxnKind;
use crate::iso8583::MessageJson;
use crate::receipt::ReceiptInput;

pub(crate) const KEY_STATE: &str = "term/state";
pub(crate) const KEY_KEYS: &str = "term/keys";
pub(crate) const KEY_STAN: &str = "term/stan";
pub(crate) const KEY_SETTLE: &str = "term/settle";
pub(crate) const TXN_PREFIX: &str = "txn/";
/// The host's terminal parameters (parameter download, 360).
pub(crate) const KEY_TMS_PARAMS: &str = "term/tms/params";
/// The CA public keys of the last complete download (372/370/371).
pub(crate) const KEY_TMS_CAPK: &str = "term/tms/capk";
/// The AID parameters of the last complete download (382/380/381).
pub(crate) const KEY_TMS_AID: &str = "term/tms/aid";

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
    /// Accepted offline within the merchant's limits (see `offline`): its advice (0220) has not
    /// left yet. Owed to the host; becomes `in_flight` just before the first send, so a resend
    /// after a crash is a repeat (0221).
    Stored,
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
    /// The card organisation the host named in 63.1 of its approval (`CUP` UnionPay, `VIS`,
    /// `MCC`, `JCB`, `AEX`, `DCC`...): the settlement counts any other than `CUP` as a foreign
    /// card (外卡).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_org: Option<String>,
    /// For an offline sale: when it was accepted (unix ms), for the age limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_at: Option<u64>,
    /// Every message sent for it (the request, each reversal or repeat attempt) with its send
    /// and answer times and what came back (记录冲正日志): written in the same journal writes that
    /// record the outcome, so it costs no extra write. The last [`TRAIL_MAX`] are kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trail: Vec<Attempt>,
}

/// Audit notes ([`super::log::AuditEntry`]): what happened outside a transaction's messages
/// (sign-on, settlement, operator decisions, staff alerts), and the messages of transactions
/// whose records were pruned, written with the next journal write under `term/log/<seq>`.
pub(crate) const LOG_PREFIX: &str = "term/log/";
/// `term/log/` records kept (each holds the notes of one journal write).
pub const LOG_KEPT: usize = 500;

/// Attempts kept per record.
pub const TRAIL_MAX: usize = 16;

/// One message sent for a journaled transaction, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The MTI sent (0200, 0400, 0221...).
    pub mti: String,
    /// When its bytes were handed out (unix ms).
    pub sent_at: u64,
    /// When the answer (or the failure) was processed (unix ms).
    pub done_at: u64,
    /// Field 39 of the answer, or the failure (`comm.receive_timeout.after_send`,
    /// `response.mac_failed`...).
    pub result: String,
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
        // Templates never hold track 2 (see `minimal_template`): field 2 is the only PAN there is.
        let pan = self.template.fields.get(&2).cloned();
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
            // Settled records already hold it masked (see the settlement flow).
            masked_pan: pan.and_then(|p| {
                if p.contains('*') {
                    Some(p)
                } else {
                    crate::card::mask_pan(&p, &crate::card::MaskPolicy::default()).ok()
                }
            }),
        }
    }

    /// True while something must still be sent for it (reversal or repeat).
    pub fn needs_delivery(&self) -> bool {
        matches!(self.status, TxnStatus::InFlight | TxnStatus::Pending | TxnStatus::Stored)
    }

    /// True while the host is owed something for it, or it is exhausted: such records are never
    /// masked or pruned.
    pub fn is_owed(&self) -> bool {
        self.needs_delivery() || self.status == TxnStatus::Exhausted
    }

    /// A foreign card (外卡): the host named a card organisation other than UnionPay.
    pub fn is_foreign(&self) -> bool {
        self.card_org.as_deref().is_some_and(|o| !o.trim().is_empty() && o.trim() != "CUP")
    }

    /// Read from a chip (contact or contactless, entry mode 05x / 07x): uploaded one per 0320
    /// with its field 55 at settlement.
    pub fn is_chip(&self) -> bool {
        self.template.fields.get(&22).is_some_and(|e| e.starts_with("05") || e.starts_with("07"))
    }
}

/// `term/state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    pub batch: String,
    pub signed_on: bool,
}

/// `term/keys`: the working keys exactly as the host delivered them in field 62 of the 0810:
/// enciphered under the TMK, each followed by its check value. They are never written in the
/// clear, so even an unsealed store does not give them away; loading them verifies the check
/// values again.
#[derive(Clone, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct StoredKeys {
    /// Field 62, uppercase hex.
    pub field62: String,
}

/// Where a settlement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SettlePhase {
    /// The first 0500 (or its repeat) is owed.
    First,
    /// The host has answered the 0500: the batch upload (0320s) is under way.
    Upload,
    /// The uploads are done: the end-of-upload 0320 (60.3 = 207 balanced, 202 unbalanced) is
    /// owed; its acknowledgement closes the batch.
    #[serde(alias = "final")]
    End,
}

/// One 0320 of a batch upload: its network management code (60.3) and the records it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UploadMsg {
    /// `201` magnetic stripe and payment-code records (up to eight per message, in field 48),
    /// `203` a chip record after a balanced settlement, `205` after an unbalanced one.
    pub code: String,
    /// Journal keys of the records.
    pub keys: Vec<String>,
}

/// `term/settle`: the settlement owed to the host. Written before the first 0500 leaves and
/// deleted in the same atomic write that opens the next batch (or when the host refuses the
/// settlement, which leaves the batch open). While it exists no financial request is sent: the
/// host may already have closed the batch, and nothing may be booked into a closed batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SettleRecord {
    /// The batch being settled (60.2 of every message of the settlement).
    pub batch: String,
    /// The terminal's totals of that batch.
    pub totals: super::types::Totals,
    /// Where it stands.
    pub phase: SettlePhase,
    /// What the host answered to the 0500: both halves of field 48 balanced (对账平).
    #[serde(default)]
    pub balanced: bool,
    /// The 0320s to send (phase `Upload`), in order.
    #[serde(default)]
    pub uploads: Vec<UploadMsg>,
    /// How many of `uploads` the host has acknowledged: the upload resumes there.
    #[serde(default)]
    pub uploaded: usize,
    /// Attempts of the message now owed that got no usable answer.
    #[serde(default)]
    pub attempts: u32,
    /// Set when `attempts` reached the limit: not sent again until the operator settles again.
    #[serde(default)]
    pub exhausted: bool,
    /// The request id that started it (0 after a restart).
    #[serde(default)]
    pub request: u64,
    /// The host's result digits (ASCII) in the 0510's field 48 for domestic and foreign cards
    /// (`1` balanced, `2` unbalanced, `3` error), for the settlement report.
    #[serde(default)]
    pub results: (Option<u8>, Option<u8>),
}

impl SettleRecord {
    /// Transactions in the upload (the end-of-upload 0320 reports the count in field 48).
    pub fn upload_count(&self) -> usize {
        self.uploads.iter().map(|u| u.keys.len()).sum()
    }
}

/// `term/stan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StanLease {
    /// Every STAN below this may have been used.
    pub limit: u32,
}

/// Field 55 tags that carry track data or the card's discretionary (CVV-like) data: track 1
/// (56) and its discretionary data (9F1F), track 2 equivalent (57) and its discretionary data
/// (9F20), and the contactless track 2 data (9F6B). EMV Book 3 Annex A names them; PCI DSS
/// 3.3.1 forbids keeping them after authorisation.
const TRACK_TAGS: [&str; 5] = ["56", "57", "9F1F", "9F20", "9F6B"];

/// The part of a request a journal record may keep: `fields` of the message, without field 35/36
/// (track data), 52/53/26 (PIN) or 64 (MAC), and with field 55 stripped of [`TRACK_TAGS`]. A
/// field 55 that does not parse as BER-TLV is dropped whole rather than kept unexamined.
pub(crate) fn minimal_template(
    m: &crate::iso8583::Message,
    fields: &[u8],
) -> Result<crate::iso8583::Message, crate::iso8583::Iso8583Error> {
    let mut t = crate::iso8583::Message::new(m.mti());
    for &f in fields {
        if matches!(f, 26 | 35 | 36 | 45 | 52 | 53 | 64 | 128) {
            continue;
        }
        let Some(v) = m.get_bytes(f) else { continue };
        if f == 55 {
            if let Some(clean) = strip_track_tags(v) {
                if !clean.is_empty() {
                    t.set_bytes(55, clean)?;
                }
            }
            continue;
        }
        t.set_bytes(f, v.to_vec())?;
    }
    Ok(t)
}

/// Field 55 without the track tags; `None` when it is not BER-TLV.
fn strip_track_tags(icc: &[u8]) -> Option<Vec<u8>> {
    use crate::tlv::{decode, encode, Tag};
    let items = decode(icc).ok()?;
    let banned: Vec<Tag> = TRACK_TAGS.iter().filter_map(|h| Tag::parse(h)).collect();
    let kept: Vec<_> = items.into_iter().filter(|t| !banned.contains(&t.tag)).collect();
    Some(encode(&kept))
}
