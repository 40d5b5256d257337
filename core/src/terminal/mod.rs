//! The transaction engine: sign-on, sales, voids, refunds, pre-authorisation, inquiries,
//! settlement and durable reversal (冲正), as a sans-IO state machine.
//!
//! Shaped like quinn-proto's `Connection`: the host hands in what happened and polls for what to
//! do. No socket, clock, thread or file is touched here.
//!
//! - [`Terminal::start`] queues a [`Request`];
//! - [`Terminal::poll_transmit`] gives framed bytes (length, TPDU, header, `cup-pos` message) to
//!   write to the acquirer connection;
//! - [`Terminal::handle_received`] takes bytes read from it (any chunking);
//! - [`Terminal::poll_timeout`] says when to call [`Terminal::handle_timeout`];
//! - [`Terminal::handle_comm_error`] reports a connect, send or line failure;
//! - [`Terminal::poll_event`] yields [`Event`]s to show, print and log.
//!
//! Time comes in as `now` (unix ms), randomness through [`crate::rng::Rng`], storage through
//! [`crate::store::Store`].
//!
//! # Reversal-first
//!
//! Before the bytes of a reversible request (sale, void, pre-authorisation, completion) are
//! handed out, its journal record is written with the fields a reversal needs (2/3/4/11/14/22/23/
//! 25/38/41/42/49/55/60, plus 48 for payment codes) and reason 98. What happens next is decided by
//! [`crate::response::Registry::diagnose`], never by a code table here:
//! - `complete` / `decline` / `retry_later` / `sign_on`: the same record is overwritten with the
//!   outcome (one atomic put: the reversal is cleared and the log entry written together);
//! - `reverse` (timeout, line dropped after send, MAC failure, mismatched response): the record
//!   becomes `pending` with the diagnosis' reason. The 0400 goes out before the next request
//!   (or after `reversal_idle_delay_ms` on its own), is retried with doubling backoff up to
//!   `reversal_max_attempts`, then kept as `exhausted`: financial requests are refused until
//!   [`Terminal::resolve_exhausted_reversal`].
//!
//! A settlement is journaled the same way (`term/settle`, see `settlement`): recorded before
//! the 0500 leaves, sent again after a lost answer or a restart before anything that moves money,
//! and the batch upload resumes where it stopped.
//!
//! # Layout
//!
//! This file is the API. The work is split by concern, as quinn-proto splits its connection:
//! `kinds` (the per-kind facts table), `build` (fields per kind, card and PIN fields, MAC,
//! framing, the reversal-first write), `receive` (pairing and MAC of answers), `outcome` (what an
//! answer or its absence does), `settlement`, `schedule` (what is owed goes first, backoff,
//! limits, who may pass), `open` (loading the journal, recovery), [`integrity`] (terminal
//! binding, manifest, rollback guard), `request` (checks, double-tap fingerprint) and `receipt`.
//!
//! A response that arrives after its request timed out is reported as [`Event::LateResponse`]
//! and never acted on. A reversal acknowledged (00/12/25 by the registry) is never sent again.
//! After a crash, a terminal built from the same store finds `in_flight` and `pending` records
//! and sends their reversals first.
//!
//! ```
//! use poscore::keys::{Algorithm, Key, KeyUsage};
//! use poscore::rng::SeededRng;
//! use poscore::store::MemoryStore;
//! use poscore::terminal::{Config, Request, Terminal};
//!
//! let tmk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::KeyEncryption, "0123456789ABCDEFFEDCBA9876543210")?;
//! let mut t = Terminal::new(Config::demo(), tmk, Box::new(MemoryStore::new()), Box::new(SeededRng::new(1)), 0)?;
//! t.start(Request::SignOn, 1_000)?;
//! let tx = t.poll_transmit().expect("an 0800 to send");
//! assert_eq!(tx.mti, "0800");
//! assert_eq!(t.poll_timeout(), Some(31_000));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod build;
mod chip;
mod clock;
#[cfg(feature = "std")]
pub mod driver;
mod error;
mod info;
pub mod integrity;
pub mod journal;
mod kinds;
pub mod log;
mod manage;
mod offline;
mod open;
mod outcome;
mod receipt;
mod receive;
pub mod reports;
mod request;
mod schedule;
mod settlement;
mod types;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub use chip::{ChipCompletion, ChipOutcome, IssuerResponse};
pub use error::TerminalError;
pub use info::{SnCipher, SoftSnCipher};
pub use integrity::{Damage, RollbackGuard};
pub use journal::{TxnRecord, TxnStatus, TxnSummary};
pub use log::{AuditEntry, LogEntry, LogPage, LogQuery};
pub use manage::HostDataView;
pub use types::{
    AlertKind, CardInput, CommFailure, Config, Event, HostTask, OfflineLimits, OfflineReason, PinInput, Request,
    Resolution, SettlementOwed, TerminalInfo, Totals, Transmit, TxnKind,
};

use crate::iso8583::{FrameConfig, FrameDecoder, Mti, Spec, Tpdu};
use crate::keys::{Key, WorkingKeys};
use crate::mac::MacAlgorithm;
use crate::receipt::{EmvData, EntryMode};
use crate::response::{self, CardReadError, CommError, Context, Diagnosis, NextAction, Phase, Registry};
use crate::rng::Rng;
use crate::store::{Op, Store};
use error::Result;
use journal::{SettleRecord, StanLease, State, StoredKeys, KEY_KEYS, KEY_STAN};
use kinds::{facts, Obligation};
use request::fingerprint;

/// The local date `YYYY-MM-DD` at unix ms `now`, `utc_offset_minutes` from UTC: the dates the
/// journal, the log and the statistics use.
pub fn local_date(now: u64, utc_offset_minutes: i32) -> String {
    clock::local(now, utc_offset_minutes).0
}

/// Field 39 of a reversal whose original got no answer (or whose outcome is unknown after a
/// restart): 98, as UnionPay terminals send it.
const REASON_NO_ANSWER: &str = "98";
/// Key prefix under which [`Terminal::recover`] keeps records it could not trust, for audit.
pub const AUDIT_PREFIX: &str = "audit/";
/// How far [`Terminal::recover`] moves the STAN counter on: more than a terminal sends between
/// two lease writes, so a lost or rolled-back lease cannot make it reuse a STAN of the batch.
pub const RECOVERY_STAN_GAP: u32 = 10_000;
/// Field 39 of a reversal for any other reason (card failure after approval): 06.
const REASON_OTHER: &str = "06";

/// What the message in flight is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flight {
    /// A request of this kind (its first transmission).
    Request(TxnKind),
    /// A reversal (0400) of the record under `key`.
    Reversal,
    /// An advice repeat (0221) of the record under `key`.
    Repeat,
    /// A 0500 of the settlement owed (`term/settle`).
    Settlement,
    /// One 0320 of a batch upload.
    Upload,
    /// The 0320 that ends the batch upload (60.3 = 207 / 202).
    UploadEnd,
}

#[derive(Debug)]
struct InFlight {
    request: Option<u64>,
    flight: Flight,
    mti: Mti,
    stan: String,
    amount: Option<String>,
    key: Option<String>,
    deadline: u64,
    /// Entry mode and card, for the receipt.
    card: Option<CardSummary>,
    /// See [`request::fingerprint`].
    fingerprint: Option<String>,
}

#[derive(Debug, Clone)]
struct CardSummary {
    entry: EntryMode,
    masked: String,
    wallet: Option<crate::card::PaymentCodeKind>,
    emv: Option<EmvData>,
}

/// The transaction engine. See the [module docs](self).
pub struct Terminal {
    cfg: Config,
    spec: Cow<'static, Spec>,
    mac_alg: MacAlgorithm,
    registry: Registry,
    frame: FrameConfig,
    tpdu: Tpdu,
    header: Vec<u8>,
    store: Box<dyn Store>,
    rng: Box<dyn Rng>,
    tmk: Key,
    keys: Option<WorkingKeys>,
    state: State,
    stan_next: u32,
    stan_limit: u32,
    records: BTreeMap<String, TxnRecord>,
    /// When each owed message may next be sent (unix ms), by journal key.
    due: BTreeMap<String, u64>,
    /// STANs sent in this engine's life (to tell late responses from mismatches).
    sent_stans: BTreeSet<String>,
    next_id: u64,
    queue: VecDeque<(u64, Request)>,
    inflight: Option<InFlight>,
    /// The settlement owed (`term/settle`).
    settlement: Option<SettleRecord>,
    /// True while no earlier attempt of the message the settlement owes now may have reached
    /// the host (started or moved to this phase in this engine's life, no failed attempt). Only
    /// then is a refusal final (the batch stays open) and a connect failure of the first 0500
    /// a settlement that never happened; otherwise the host may have settled, and the message is
    /// resent.
    settle_clean: bool,
    outbox: VecDeque<Transmit>,
    events: VecDeque<Event>,
    decoder: FrameDecoder,
    halted: Option<String>,
    /// The journal's write counter and live set ([`integrity`]).
    manifest: integrity::Manifest,
    /// The host's monotonic counter, when it has one.
    guard: Option<Box<dyn RollbackGuard>>,
    /// The host's parameters, CA public keys and AIDs (`term/tms/*`).
    host: manage::HostData,
    /// The key or AID download under way.
    download: Option<manage::Download>,
    /// What reply headers asked for, not done yet.
    host_tasks: manage::HostTasks,
    /// The newer application version a reply header offered (reported once).
    update_offered: Option<String>,
    /// Field 59's serial number cipher.
    sn_cipher: Option<Box<dyn SnCipher>>,
    /// Field 59's entries after `A2` (from the configuration, changed at run time).
    info_extra: BTreeMap<String, String>,
    /// When the last message left (unix ms), for the keep-alive echo test.
    last_sent: u64,
    /// Since when the host could not be reached (a connection failed and no answer came since):
    /// what allows an offline sale for that reason ([`offline`]).
    host_unreachable: Option<u64>,
    /// Stored offline payments already reported as too old (by STAN).
    offline_alerted: BTreeSet<String>,
    /// The stored advice whose first send is in flight (its journal key): a connection that
    /// could not be opened puts it back to `stored`.
    first_forward: Option<String>,
    /// When each owed record was first seen owed in this engine's life, and whether its
    /// "pending too long" alert was raised.
    owed_since: BTreeMap<String, (u64, bool)>,
    /// The attempt being concluded (journal key and its log line): the next write of that record
    /// carries it in its trail.
    concluding: Option<(String, journal::Attempt)>,
    /// Audit notes not yet written (they go with the next journal write).
    notes: Vec<log::AuditEntry>,
    /// The `term/log/` keys in the journal, oldest first.
    note_keys: BTreeSet<String>,
    /// The latest `now` the host handed in.
    now: u64,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal")
            .field("terminal_id", &self.cfg.terminal_id)
            .field("batch", &self.state.batch)
            .field("signed_on", &self.state.signed_on)
            .field("records", &self.records.len())
            .field("settlement", &self.settlement.as_ref().map(|s| (s.batch.clone(), s.phase)))
            .field("inflight", &self.inflight.as_ref().map(|i| (i.mti, i.stan.clone())))
            .finish_non_exhaustive()
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| TerminalError::BadRecord { key: key.to_owned(), reason: e.to_string() })
}

fn to_json<T: serde::Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("journal records serialize")
}

fn stan_text(n: u32) -> String {
    format!("{n:06}")
}

impl Terminal {
    /// Builds the engine over `store`, loading the batch, working keys, STAN block and journal.
    /// Records found `in_flight` or `pending` (a crash or an unanswered request) are due at once:
    /// their reversals are the first thing [`Terminal::poll_transmit`] yields once a request or
    /// [`Terminal::handle_timeout`] runs the engine (they are queued immediately).
    ///
    /// A journal that fails its integrity checks (see [`integrity`]: a record deleted, added,
    /// replaced by an older copy or copied from another terminal) is refused with
    /// [`TerminalError::JournalDamaged`]; [`Terminal::recover`] is the way out.
    pub fn new(config: Config, tmk: Key, store: Box<dyn Store>, rng: Box<dyn Rng>, now: u64) -> Result<Self> {
        Self::open(config, tmk, store, rng, now, None, false).map(|(t, _)| t)
    }

    /// [`Terminal::new`] with a monotonic counter outside the journal, so that a restored older
    /// copy of the whole journal is detected too ([`integrity::RollbackGuard`]).
    pub fn with_rollback_guard(
        config: Config,
        tmk: Key,
        store: Box<dyn Store>,
        rng: Box<dyn Rng>,
        now: u64,
        guard: Box<dyn RollbackGuard>,
    ) -> Result<Self> {
        Self::open(config, tmk, store, rng, now, Some(guard), false).map(|(t, _)| t)
    }

    /// Opens a journal that [`Terminal::new`] refused as damaged, after the operator was told
    /// (diagnosis of [`TerminalError::JournalDamaged`]) and a copy of the damaged journal was
    /// kept for audit. Returns the engine and what was wrong.
    ///
    /// What it does, in one atomic write: records from another terminal and unreadable ones are
    /// moved under `audit/` (kept, never read again by the engine); the STAN counter jumps
    /// [`RECOVERY_STAN_GAP`] ahead (a lost or older lease must not reuse STANs); the working keys
    /// are dropped, so the terminal signs on again; the manifest is written anew. What the
    /// journal lost cannot be rebuilt from it: settle with the host (its totals decide, and the
    /// batch upload sends what the terminal still has), and reconcile any sale the host holds
    /// that the terminal no longer shows.
    pub fn recover(
        config: Config,
        tmk: Key,
        store: Box<dyn Store>,
        rng: Box<dyn Rng>,
        now: u64,
        guard: Option<Box<dyn RollbackGuard>>,
    ) -> Result<(Self, Vec<Damage>)> {
        Self::open(config, tmk, store, rng, now, guard, true)
    }

    /// Replaces the response-code registry (an acquirer profile).
    pub fn set_registry(&mut self, registry: Registry) {
        self.registry = registry;
    }

    /// The registry diagnoses come from (to localise them).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The open batch number (60.2).
    pub fn batch(&self) -> &str {
        &self.state.batch
    }

    /// Whether working keys are installed and the host has not asked for a new sign-on.
    pub fn is_signed_on(&self) -> bool {
        self.state.signed_on && self.keys.is_some()
    }

    /// True when nothing is in flight, queued or waiting to be written. Pending reversals and an
    /// owed settlement may still exist (see [`Terminal::pending`], [`Terminal::settlement_owed`]);
    /// they are sent before the next request that must wait for them.
    pub fn is_idle(&self) -> bool {
        self.inflight.is_none() && self.queue.is_empty() && self.outbox.is_empty()
    }

    /// True while a response is awaited.
    pub fn awaiting_response(&self) -> bool {
        self.inflight.is_some()
    }

    /// Journal records that still need a reversal or repeat, or are exhausted.
    pub fn pending(&self) -> Vec<&TxnRecord> {
        self.records.values().filter(|r| r.needs_delivery() || r.status == TxnStatus::Exhausted).collect()
    }

    /// The settlement owed to the host, if one is: its answer was lost, or it is under way (batch
    /// upload). While one is owed, financial requests wait for it (and are refused once it is
    /// exhausted, until the operator settles again).
    pub fn settlement_owed(&self) -> Option<SettlementOwed> {
        self.settlement.as_ref().map(|s| SettlementOwed {
            batch: s.batch.clone(),
            totals: s.totals,
            uploading: s.phase == journal::SettlePhase::Upload,
            attempts: s.attempts,
            exhausted: s.exhausted,
        })
    }

    /// Every journal record (all batches kept in the store), in key order.
    pub fn records(&self) -> impl Iterator<Item = &TxnRecord> {
        self.records.values()
    }

    /// Approved financial transactions of `batch` (the approved log).
    pub fn approved(&self, batch: &str) -> Vec<&TxnRecord> {
        self.records.values().filter(|r| r.batch == batch && r.status == TxnStatus::Approved).collect()
    }

    /// Queues a request; it goes out once the line is free and pending reversals are delivered.
    /// Returns the request id that events carry.
    pub fn start(&mut self, request: Request, now: u64) -> Result<u64> {
        self.check_alive()?;
        self.now = now;
        let kind = request.kind();
        if let Some(refusal) = self.refusal(kind) {
            return Err(refusal);
        }
        self.validate(&request)?;
        // Duplicate-transmission guard: the same money movement (kind, amount, account) asked for
        // again while the first is still queued or in flight is a double tap, not a new sale.
        if let Some(fp) = fingerprint(&request) {
            let queued = self.queue.iter().any(|(_, q)| fingerprint(q).as_deref() == Some(fp.as_str()));
            let flying = self.inflight.as_ref().and_then(|i| i.fingerprint.as_deref()) == Some(fp.as_str());
            if queued || flying {
                return Err(TerminalError::Duplicate { kind: kind.as_str() });
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        if kind == TxnKind::OfflineSale {
            // Nothing to send now: stored (or refused) at once, forwarded when the line allows.
            self.accept_offline(id, &request, now)?;
            self.pump(now);
            return Ok(id);
        }
        if kind == TxnKind::Settle && self.settlement.is_some() {
            // A settlement is already owed: this request resends it now (after exhausted retries
            // too) instead of starting a second one.
            if matches!(
                self.inflight.as_ref().map(|i| i.flight),
                Some(Flight::Settlement | Flight::Upload | Flight::UploadEnd)
            ) {
                return Err(TerminalError::Duplicate { kind: kind.as_str() });
            }
            self.start_settlement(id, now)?;
            self.pump(now);
            return Ok(id);
        }
        self.queue.push_back((id, request));
        self.pump(now);
        Ok(id)
    }

    /// The next framed message to write, if any.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.outbox.pop_front()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Terminal::handle_timeout`] must be called next (unix ms): the response deadline,
    /// or the next reversal, repeat or settlement attempt.
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.halted.is_some() {
            return None;
        }
        if let Some(i) = &self.inflight {
            return Some(i.deadline);
        }
        self.keys.as_ref()?;
        let due =
            [self.next_delivery_at(), self.offline_age_deadline(), self.owed_alert_at()].into_iter().flatten().min();
        match self.keep_alive_at() {
            Some(at) => Some(due.map_or(at, |d| d.min(at))),
            None => due,
        }
    }

    /// When the next owed message (a reversal or an offline advice) is due to be sent, if any:
    /// the timers a driver waits for to deliver what is owed, without the keep-alive echo that
    /// would keep it waiting for ever.
    pub fn next_delivery_at(&self) -> Option<u64> {
        if self.halted.is_some() {
            return None;
        }
        self.keys.as_ref()?;
        // An offline advice waiting for an earlier one is not due on its own (forwarding is in
        // order): its timer would fire without anything to send.
        let next = self.offline_next();
        self.due.iter().filter(|(k, _)| self.offline_turn(k, next)).map(|(_, &at)| at).min()
    }

    /// When the keep-alive echo test is due, if it is on and the engine is idle.
    fn keep_alive_at(&self) -> Option<u64> {
        let interval = self.cfg.echo_interval_ms;
        (interval > 0 && self.is_idle() && self.is_signed_on()).then(|| self.last_sent.saturating_add(interval))
    }

    /// Time has passed: fires the response timeout and due reversal attempts.
    pub fn handle_timeout(&mut self, now: u64) {
        if self.halted.is_some() {
            return;
        }
        self.now = now;
        if self.inflight.as_ref().is_some_and(|i| now >= i.deadline) {
            let event = response::Event::Comm { error: CommError::ReceiveTimeout, phase: Phase::AfterSend };
            self.fail_inflight(event, now);
        }
        self.check_offline_age(now);
        self.check_owed_age(now);
        if self.keep_alive_at().is_some_and(|at| now >= at) {
            let id = self.next_id;
            self.next_id += 1;
            self.queue.push_back((id, Request::EchoTest));
        }
        self.pump(now);
    }

    /// The connection failed. `ConnectFailed` and the TLS handshake failures mean nothing left
    /// the terminal (the request is dropped as not sent); `SendFailed` and `LineDropped` mean it
    /// may have (a reversal follows for reversible requests).
    pub fn handle_comm_error(&mut self, failure: CommFailure, now: u64) {
        if self.halted.is_some() || self.inflight.is_none() {
            return;
        }
        self.now = now;
        let error = match failure {
            CommFailure::ConnectFailed => CommError::ConnectFailed,
            CommFailure::SendFailed => CommError::SendFailed,
            CommFailure::LineDropped => CommError::LineDropped,
            CommFailure::TlsCertificateExpired => CommError::TlsCertificateExpired,
            CommFailure::TlsCertificateUntrusted => CommError::TlsCertificateUntrusted,
            CommFailure::TlsPinMismatch => CommError::TlsPinMismatch,
            CommFailure::TlsNameMismatch => CommError::TlsNameMismatch,
            CommFailure::TlsHandshakeFailed => CommError::TlsHandshakeFailed,
        };
        let phase = if failure.before_send() { Phase::BeforeSend } else { Phase::AfterSend };
        self.decoder = FrameDecoder::new(self.frame.clone());
        // Nothing reached the host: for offline acceptance it is unreachable (a certificate the
        // terminal refuses is as unreachable as a cable pulled out).
        if failure.before_send() {
            self.host_unreachable.get_or_insert(now);
        }
        self.fail_inflight(response::Event::Comm { error, phase }, now);
        self.pump(now);
    }

    /// Bytes read from the acquirer connection (any chunking: frames are reassembled).
    pub fn handle_received(&mut self, bytes: &[u8], now: u64) {
        if self.halted.is_some() {
            return;
        }
        self.now = now;
        self.decoder.push(bytes);
        loop {
            match self.decoder.next_frame() {
                Ok(Some(frame)) => self.on_frame(&frame, now),
                Ok(None) => break,
                Err(e) => {
                    self.events.push_back(Event::Garbage { reason: format!("{}: {e}", e.code()) });
                    self.decoder = FrameDecoder::new(self.frame.clone());
                    break;
                }
            }
        }
        self.pump(now);
    }

    /// The card failed after the host approved (chip second GENERATE AC declined, card pulled
    /// before it): the approval cannot stand. The registry decides (`card.<error>.after_approval`);
    /// when it says reverse, the approved record becomes a pending reversal with the registry's
    /// reason (06 by default) and is sent at once. Returns the diagnosis to show.
    pub fn card_failed_after_approval(&mut self, stan: &str, error: CardReadError, now: u64) -> Result<Diagnosis> {
        self.check_alive()?;
        let key = journal::txn_key(&self.state.batch, stan);
        let r = match self.records.get(&key) {
            Some(r) if r.status == TxnStatus::Approved && facts(r.kind).obligation == Obligation::Reversal => r.clone(),
            _ => return Err(TerminalError::UnknownOriginal { stan: stan.to_owned(), batch: self.state.batch.clone() }),
        };
        let diag = self
            .diagnose(response::Request::Financial, response::Event::CardRead { error, phase: Phase::AfterApproval });
        if diag.action == NextAction::Reverse {
            let mut r = r;
            r.status = TxnStatus::Pending;
            r.reason = diag.reversal_reason.clone().or_else(|| Some(REASON_OTHER.into()));
            let reason = r.reason.clone().unwrap_or_default();
            self.write_record(&key, r)?;
            self.due.insert(key, now);
            self.events.push_back(Event::ReversalPending {
                stan: stan.to_owned(),
                reason,
                diagnosis: Box::new(diag.clone()),
            });
            self.pump(now);
        }
        Ok(diag)
    }

    /// Notes how the message in flight ended (`result`: field 39 or the failure's key), for the
    /// record's trail ([`journal::Attempt`]).
    fn conclude(&mut self, inf: &InFlight, result: String, now: u64) {
        if let Some(key) = &inf.key {
            let sent_at = inf.deadline.saturating_sub(self.cfg.response_timeout_ms);
            let a = journal::Attempt { mti: inf.mti.to_string(), sent_at, done_at: now, result };
            self.concluding = Some((key.clone(), a));
        }
    }

    /// Sends every pending reversal and advice repeat, stored offline payments, and an owed
    /// settlement, now instead of waiting for the next request or its backoff timer (the
    /// operator's "send reversal now" / "forward offline payments now" menu items). Exhausted ones stay exhausted; see [`Terminal::resolve_exhausted_reversal`] (and
    /// `Request::Settle` for a settlement).
    pub fn flush_pending(&mut self, now: u64) {
        for at in self.due.values_mut() {
            *at = (*at).min(now);
        }
        self.pump(now);
    }

    /// Operator resolution of an exhausted reversal after reconciling with the acquirer.
    pub fn resolve_exhausted_reversal(&mut self, stan: &str, resolution: Resolution, now: u64) -> Result<()> {
        self.check_alive()?;
        let key = self
            .records
            .iter()
            .find(|(_, r)| r.stan == stan && r.status == TxnStatus::Exhausted)
            .map(|(k, _)| k.clone())
            .ok_or_else(|| TerminalError::NoSuchReversal { stan: stan.to_owned() })?;
        let mut r = self.records[&key].clone();
        self.now = now;
        let name =
            serde_json::to_value(resolution).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        self.note(format!("reversal_resolved:{name}"), Some(r.batch.clone()), Some(stan.to_owned()), Some(r.amount));
        match resolution {
            Resolution::Retry => {
                r.status = TxnStatus::Pending;
                r.attempts = 0;
                self.due.insert(key.clone(), now);
            }
            Resolution::ReconciledNotCharged => r.status = TxnStatus::Reconciled,
        }
        self.write_record(&key, r)?;
        self.events.push_back(Event::ReversalResolved { stan: stan.to_owned(), resolution });
        self.pump(now);
        Ok(())
    }

    /// The diagnosis of an error this engine returned (see [`TerminalError::event`]), under
    /// this terminal's registry, so bindings can attach it to the error they throw.
    pub fn diagnose_error(&self, e: &TerminalError) -> Option<Diagnosis> {
        e.diagnose(&self.registry)
    }

    fn check_alive(&self) -> Result<()> {
        match &self.halted {
            Some(reason) => Err(TerminalError::Halted { reason: reason.clone() }),
            None => Ok(()),
        }
    }

    fn halt(&mut self, e: &TerminalError) {
        self.halted = Some(e.to_string());
        self.outbox.clear();
        self.inflight = None;
    }

    /// Writes `ops` atomically, or halts the engine: after a failed journal write nothing more may
    /// leave the terminal (the journal no longer says what is owed). The one place that decides
    /// it, and the one place every record is bound to this terminal and the manifest updated
    /// ([`integrity`]).
    pub(super) fn commit(&mut self, ops: &[Op]) -> Result<()> {
        self.check_alive()?;
        let mut ops = ops.to_vec();
        // Audit notes ride along with the write, and the oldest note records go when too many.
        let note_key =
            (!self.notes.is_empty()).then(|| format!("{}{:012}", journal::LOG_PREFIX, self.manifest.seq() + 1));
        let mut dropped = Vec::new();
        if let Some(k) = &note_key {
            ops.push(Op::put(k.clone(), to_json(&self.notes)));
            let excess = (self.note_keys.len() + 1).saturating_sub(journal::LOG_KEPT);
            dropped = self.note_keys.iter().take(excess).cloned().collect();
            ops.extend(dropped.iter().cloned().map(Op::delete));
        }
        let written =
            self.manifest.write(&mut *self.store, self.guard.as_deref_mut(), &self.cfg.terminal_id, ops, Vec::new());
        match written {
            Ok(next) => {
                self.manifest = next;
                if let Some(k) = note_key {
                    self.notes.clear();
                    self.note_keys.insert(k);
                    for d in &dropped {
                        self.note_keys.remove(d);
                    }
                }
                Ok(())
            }
            Err(e) => {
                let e = TerminalError::Store(e);
                self.halt(&e);
                Err(e)
            }
        }
    }

    pub(super) fn write_record(&mut self, key: &str, mut r: TxnRecord) -> Result<()> {
        if self.concluding.as_ref().is_some_and(|(k, _)| k == key) {
            if let Some((_, a)) = self.concluding.take() {
                r.trail.push(a);
                let excess = r.trail.len().saturating_sub(journal::TRAIL_MAX);
                r.trail.drain(..excess);
            }
        }
        self.commit(&[Op::put(key, to_json(&r))])?;
        self.records.insert(key.to_owned(), r);
        Ok(())
    }

    /// Fails request `id` that never reached the wire: no STAN, nothing to reverse.
    pub(super) fn fail_unsent(&mut self, id: u64, kind: TxnKind, event: response::Event) {
        let diagnosis = Box::new(self.diagnose(facts(kind).class, event));
        self.events.push_back(Event::Failed { request: id, kind, stan: None, diagnosis, reversal_pending: false });
    }

    /// Notes `what` for the audit trail (written with the next journal write).
    pub(super) fn note(&mut self, what: String, batch: Option<String>, stan: Option<String>, amount: Option<u64>) {
        self.notes.push(log::AuditEntry {
            at: self.now,
            done_at: None,
            what,
            mti: None,
            result: None,
            kind: None,
            batch,
            stan,
            amount,
            masked_pan: None,
        });
    }

    /// Raises a staff alert (after the event it is about).
    pub(super) fn alert(
        &mut self,
        alert: AlertKind,
        stan: Option<String>,
        batch: Option<String>,
        amount: Option<u64>,
        diagnosis: Diagnosis,
    ) {
        let name = serde_json::to_value(alert).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        self.note(format!("alert:{name}"), batch.clone(), stan.clone(), amount);
        self.events.push_back(Event::StaffAlert { alert, stan, batch, amount, diagnosis: Box::new(diagnosis) });
    }

    /// Alerts for reversals and advices owed longer than `alert_pending_ms`, once each (the
    /// time counts from when this engine first saw them owed).
    fn check_owed_age(&mut self, now: u64) {
        let limit = self.cfg.alert_pending_ms;
        if limit == 0 {
            return;
        }
        let owed: Vec<(String, String, u64)> = self
            .records
            .iter()
            .filter(|(_, r)| {
                matches!(r.status, TxnStatus::Pending | TxnStatus::InFlight) && r.kind != TxnKind::ScriptAdvice
            })
            .map(|(k, r)| (k.clone(), r.stan.clone(), r.amount))
            .collect();
        self.owed_since.retain(|k, _| owed.iter().any(|(o, _, _)| o == k));
        for (key, stan, amount) in owed {
            let (since, alerted) = *self.owed_since.entry(key.clone()).or_insert((now, false));
            if !alerted && now >= since.saturating_add(limit) {
                self.owed_since.insert(key, (since, true));
                let d = self.diagnose(response::Request::Reversal, response::Event::ReversalExhausted);
                let batch = Some(self.state.batch.clone());
                self.alert(AlertKind::ReversalPendingTooLong, Some(stan), batch, Some(amount), d);
            }
        }
    }

    /// When the next "owed too long" alert falls due.
    fn owed_alert_at(&self) -> Option<u64> {
        let limit = self.cfg.alert_pending_ms;
        (limit > 0)
            .then(|| self.owed_since.values().filter(|(_, a)| !a).map(|(s, _)| s.saturating_add(limit)).min())
            .flatten()
    }

    pub(super) fn diagnose(&self, request: response::Request, event: response::Event) -> Diagnosis {
        self.registry.diagnose(&Context { request, event })
    }

    pub(super) fn next_stan(&mut self) -> Result<String> {
        if self.stan_next >= self.stan_limit || self.stan_next > 999_999 {
            if self.stan_next > 999_999 {
                self.stan_next = 1;
            }
            let limit = self.stan_next + self.cfg.stan_block.max(1);
            self.commit(&[Op::put(KEY_STAN, to_json(&StanLease { limit }))])?;
            self.stan_limit = limit;
        }
        let s = stan_text(self.stan_next);
        self.stan_next += 1;
        Ok(s)
    }
}

/// The working keys of `term/keys`: field 62 as the host sent it, deciphered under the TMK and
/// checked against its check values again.
fn load_keys(tmk: &Key, k: &StoredKeys) -> Result<WorkingKeys> {
    let field62 = crate::keys::hex_decode(&k.field62)
        .map_err(|e| TerminalError::BadRecord { key: KEY_KEYS.into(), reason: e.to_string() })?;
    Ok(crate::keys::parse_field62(tmk, &field62).map_err(crate::Error::from)?)
}
