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
//! let mut t = Terminal::new(Config::default(), tmk, Box::new(MemoryStore::new()), Box::new(SeededRng::new(1)), 0)?;
//! t.start(Request::SignOn, 1_000)?;
//! let tx = t.poll_transmit().expect("an 0800 to send");
//! assert_eq!(tx.mti, "0800");
//! assert_eq!(t.poll_timeout(), Some(31_000));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod clock;
#[cfg(feature = "std")]
pub mod driver;
pub mod journal;
mod types;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub use journal::{TxnRecord, TxnStatus, TxnSummary};
pub use types::{CardInput, CommFailure, Config, Event, PinInput, Request, Resolution, Totals, Transmit, TxnKind};

use crate::iso8583::{Frame, FrameConfig, FrameDecoder, Message, MessageRef, Mti, Spec, Tpdu};
use crate::keys::{Algorithm, KcvMethod, Key, KeyUsage, WorkingKeys};
use crate::mac::{MacAlgorithm, Padding};
use crate::receipt::{EmvData, EntryMode, ReceiptInput, TxnType};
use crate::response::{
    self, CardReadError, CommError, Context, Diagnosis, NextAction, Phase, Registry, ResponseProblem,
};
use crate::rng::Rng;
use crate::store::{Op, Store, StoreError};
use journal::{StanLease, State, StoredKeys, KEY_KEYS, KEY_STAN, KEY_STATE, TXN_PREFIX};

/// Errors from the engine's API: refusals (with the reason a terminal shows) and failures of the
/// injected store or of message building.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TerminalError {
    /// A request other than sign-on before a successful sign-on (or after the host asked for a
    /// new one, 77/A0).
    #[error("not signed on: sign on (签到) first")]
    NotSignedOn,
    /// A reversal could not be delivered within the retry limit and is unresolved: financial
    /// requests, settlement and sign-off are refused until it is resolved.
    #[error("reversal for STAN {stan} is exhausted and unresolved: reconcile it first (T701)")]
    ReversalUnresolved {
        /// The original's STAN.
        stan: String,
    },
    /// A void names a STAN with no approved, unvoided sale in the open batch.
    #[error("no approved sale with STAN {stan} in batch {batch} to void")]
    UnknownOriginal {
        /// The STAN given.
        stan: String,
        /// The open batch.
        batch: String,
    },
    /// No exhausted reversal has that STAN.
    #[error("no exhausted reversal with STAN {stan}")]
    NoSuchReversal {
        /// The STAN given.
        stan: String,
    },
    /// A request field is unusable.
    #[error("request field {field}: {reason}")]
    BadRequest {
        /// Which field (`amount`, `card.pan`, `pin`...).
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The configuration is unusable.
    #[error("config {field}: {reason}")]
    BadConfig {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The journal could not be read or written. The engine stops (every later call fails with
    /// [`TerminalError::Halted`]); build a new one from the store, which is consistent.
    #[error("journal: {0}")]
    Store(#[from] StoreError),
    /// A journal record does not parse.
    #[error("journal record {key}: {reason}")]
    BadRecord {
        /// The key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// Building a message, PIN block or MAC failed (wrong key, bad card data).
    #[error("{code}: {message}")]
    Build {
        /// The underlying stable code (`pin.pin_length`, `iso8583.too_long`...).
        code: &'static str,
        /// The underlying message.
        message: String,
    },
    /// The same money movement (kind, amount, card) is already queued or in flight: a double
    /// tap is refused rather than sent twice.
    #[error("an identical {kind} is already queued or in flight")]
    Duplicate {
        /// The request kind.
        kind: &'static str,
    },
    /// An earlier journal failure stopped the engine.
    #[error("engine halted after a journal failure: {reason}")]
    Halted {
        /// The failure.
        reason: String,
    },
}

impl TerminalError {
    /// Stable machine-readable code, `terminal.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotSignedOn => "terminal.not_signed_on",
            Self::ReversalUnresolved { .. } => "terminal.reversal_unresolved",
            Self::UnknownOriginal { .. } => "terminal.unknown_original",
            Self::NoSuchReversal { .. } => "terminal.no_such_reversal",
            Self::BadRequest { .. } => "terminal.bad_request",
            Self::BadConfig { .. } => "terminal.bad_config",
            Self::Store(_) => "terminal.store",
            Self::BadRecord { .. } => "terminal.bad_record",
            Self::Build { .. } => "terminal.build",
            Self::Duplicate { .. } => "terminal.duplicate",
            Self::Halted { .. } => "terminal.halted",
        }
    }

    /// The response-registry event of a refusal or terminal fault, for [`Registry::diagnose`]
    /// (`keys.not_signed_on`, `reversal.exhausted`, `general` for a failing journal), so it is
    /// shown to the operator like any failure. `None` for mistakes of the calling program (bad
    /// request or config, double tap), which an operator cannot fix.
    pub fn event(&self) -> Option<response::Event> {
        match self {
            Self::NotSignedOn => Some(response::Event::Keys { problem: response::KeyProblem::NotSignedOn }),
            Self::ReversalUnresolved { .. } => Some(response::Event::ReversalExhausted),
            Self::Store(_) | Self::Halted { .. } | Self::BadRecord { .. } => Some(response::Event::General),
            _ => None,
        }
    }
}

impl From<crate::Error> for TerminalError {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::Store(s) => Self::Store(s),
            other => Self::Build { code: other.code(), message: other.to_string() },
        }
    }
}

impl From<crate::iso8583::Iso8583Error> for TerminalError {
    fn from(e: crate::iso8583::Iso8583Error) -> Self {
        Self::from(crate::Error::from(e))
    }
}

type Result<T, E = TerminalError> = core::result::Result<T, E>;

/// What the message in flight is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flight {
    /// A request of this kind (its first transmission).
    Request(TxnKind),
    /// A reversal (0400) of the record under `key`.
    Reversal,
    /// An advice repeat (0221) of the record under `key`.
    Repeat,
    /// One 0320 of a batch upload.
    Upload,
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
    /// See [`fingerprint`].
    fingerprint: Option<String>,
}

#[derive(Debug, Clone)]
struct CardSummary {
    entry: EntryMode,
    masked: String,
    wallet: Option<crate::card::PaymentCodeKind>,
    emv: Option<EmvData>,
}

#[derive(Debug)]
struct Settlement {
    request: u64,
    totals: Totals,
    /// Keys still to upload; `None` before the host said "unbalanced".
    uploads: Option<VecDeque<String>>,
    uploaded: usize,
    /// The 0500 after the upload has been sent.
    second: bool,
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
    /// When each deliverable record may next be sent (unix ms).
    due: BTreeMap<String, u64>,
    /// STANs sent in this engine's life (to tell late responses from mismatches).
    sent_stans: BTreeSet<String>,
    next_id: u64,
    queue: VecDeque<(u64, Request)>,
    inflight: Option<InFlight>,
    settlement: Option<Settlement>,
    outbox: VecDeque<Transmit>,
    events: VecDeque<Event>,
    decoder: FrameDecoder,
    halted: Option<String>,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal")
            .field("terminal_id", &self.cfg.terminal_id)
            .field("batch", &self.state.batch)
            .field("signed_on", &self.state.signed_on)
            .field("records", &self.records.len())
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

fn response_mti(sent: Mti) -> [u8; 3] {
    let s = sent.as_str().as_bytes();
    [s[0], s[1], s[2] | 1]
}

fn stan_text(n: u32) -> String {
    format!("{n:06}")
}

fn request_kind(kind: TxnKind) -> response::Request {
    match kind {
        TxnKind::Sale
        | TxnKind::Void
        | TxnKind::PreAuth
        | TxnKind::Completion
        | TxnKind::PreAuthVoid
        | TxnKind::CompletionVoid => response::Request::Financial,
        TxnKind::Refund => response::Request::Advice,
        TxnKind::BalanceInquiry => response::Request::Inquiry,
        TxnKind::SignOn => response::Request::SignOn,
        TxnKind::Settle => response::Request::Settlement,
        TxnKind::SignOff => response::Request::Management,
    }
}

fn receipt_type(kind: TxnKind) -> Option<TxnType> {
    Some(match kind {
        TxnKind::Sale => TxnType::Sale,
        TxnKind::Void => TxnType::Void,
        TxnKind::PreAuthVoid => TxnType::PreAuthVoid,
        TxnKind::CompletionVoid => TxnType::PreAuthCompletionVoid,
        TxnKind::Refund => TxnType::Refund,
        TxnKind::PreAuth => TxnType::PreAuth,
        TxnKind::Completion => TxnType::PreAuthCompletion,
        TxnKind::BalanceInquiry => TxnType::BalanceInquiry,
        _ => return None,
    })
}

/// Fields of a reversible request a reversal carries (UnionPay field practice), plus 48 for
/// payment codes (which have no PAN) and 61 for voids and completions.
const REVERSAL_FIELDS: [u8; 16] = [2, 3, 4, 11, 14, 22, 23, 25, 38, 41, 42, 48, 49, 55, 60, 61];

impl Terminal {
    /// Builds the engine over `store`, loading the batch, working keys, STAN block and journal.
    /// Records found `in_flight` or `pending` (a crash or an unanswered request) are due at once:
    /// their reversals are the first thing [`Terminal::poll_transmit`] yields once a request or
    /// [`Terminal::handle_timeout`] runs the engine (they are queued immediately).
    pub fn new(config: Config, tmk: Key, store: Box<dyn Store>, rng: Box<dyn Rng>, now: u64) -> Result<Self> {
        let spec = Spec::resolve(&config.spec)?;
        let mac_alg = spec
            .mac
            .as_ref()
            .map(|m| MacAlgorithm::from_name(&m.algorithm))
            .transpose()
            .map_err(|e| TerminalError::BadConfig { field: "spec", reason: e.to_string() })?
            .ok_or_else(|| TerminalError::BadConfig { field: "spec", reason: "the spec defines no MAC".into() })?;
        let header = crate::keys::hex_decode(&config.header_hex)
            .map_err(|e| TerminalError::BadConfig { field: "header_hex", reason: e.to_string() })?;
        let frame = FrameConfig { header_len: header.len(), ..FrameConfig::cup() };
        if config.terminal_id.len() != 8 || config.merchant_id.len() != 15 {
            return Err(TerminalError::BadConfig {
                field: "terminal_id",
                reason: "terminal id must be 8 characters and merchant id 15".into(),
            });
        }
        tmk.require(crate::keys::Operation::WrapKey).map_err(crate::Error::from)?;
        let state = match store.get(KEY_STATE)? {
            Some(b) => parse_json(KEY_STATE, &b)?,
            None => State { batch: "000001".into(), signed_on: false },
        };
        let keys = match store.get(KEY_KEYS)? {
            Some(b) if state.signed_on => {
                let k: StoredKeys = parse_json(KEY_KEYS, &b)?;
                Some(load_keys(&k)?)
            }
            _ => None,
        };
        let lease: Option<StanLease> = store.get(KEY_STAN)?.map(|b| parse_json(KEY_STAN, &b)).transpose()?;
        let start = lease.map_or(1, |l| l.limit);
        let mut records = BTreeMap::new();
        let mut due = BTreeMap::new();
        for key in store.list(TXN_PREFIX)? {
            let Some(b) = store.get(&key)? else { continue };
            let mut r: TxnRecord = parse_json(&key, &b)?;
            r.request = 0;
            if r.needs_delivery() {
                if r.status == TxnStatus::InFlight && r.reason.is_none() {
                    r.reason = Some("98".into());
                }
                due.insert(key.clone(), now);
            }
            records.insert(key, r);
        }
        let decoder = FrameDecoder::new(frame.clone());
        let mut t = Self {
            tpdu: Tpdu { id: 0x60, destination: config.tpdu_destination, source: config.tpdu_source },
            cfg: config,
            spec,
            mac_alg,
            registry: Registry::unionpay(),
            frame,
            header,
            store,
            rng,
            tmk,
            keys,
            state,
            stan_next: start,
            stan_limit: start,
            records,
            due,
            sent_stans: BTreeSet::new(),
            next_id: 1,
            queue: VecDeque::new(),
            inflight: None,
            settlement: None,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            decoder,
            halted: None,
        };
        t.pump(now);
        Ok(t)
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

    /// True when nothing is in flight, queued or waiting to be written. Pending reversals may
    /// still exist (see [`Terminal::pending`]); they are sent before the next request.
    pub fn is_idle(&self) -> bool {
        self.inflight.is_none() && self.queue.is_empty() && self.outbox.is_empty() && self.settlement.is_none()
    }

    /// True while a response is awaited.
    pub fn awaiting_response(&self) -> bool {
        self.inflight.is_some()
    }

    /// Journal records that still need a reversal or repeat, or are exhausted.
    pub fn pending(&self) -> Vec<&TxnRecord> {
        self.records.values().filter(|r| r.needs_delivery() || r.status == TxnStatus::Exhausted).collect()
    }

    /// Every journal record (all batches kept in the store), in key order.
    pub fn records(&self) -> impl Iterator<Item = &TxnRecord> {
        self.records.values()
    }

    /// Approved financial transactions of `batch` (the approved log).
    pub fn approved(&self, batch: &str) -> Vec<&TxnRecord> {
        self.records.values().filter(|r| r.batch == batch && r.status == TxnStatus::Approved).collect()
    }

    /// Totals of the approved log of `batch` (what the 0500 carries).
    pub fn totals(&self, batch: &str) -> Totals {
        let mut t = Totals::default();
        for r in self.approved(batch) {
            match r.kind.sign() {
                1 => {
                    t.debit_amount += r.amount;
                    t.debit_count += 1;
                }
                -1 => {
                    t.credit_amount += r.amount;
                    t.credit_count += 1;
                }
                _ => {}
            }
        }
        t
    }

    /// Queues a request; it goes out once the line is free and pending reversals are delivered.
    /// Returns the request id that events carry.
    pub fn start(&mut self, request: Request, now: u64) -> Result<u64> {
        self.check_alive()?;
        let kind = request.kind();
        if kind != TxnKind::SignOn && !self.is_signed_on() {
            return Err(TerminalError::NotSignedOn);
        }
        if matches!(kind, TxnKind::BalanceInquiry | TxnKind::SignOn) {
            // inquiries and sign-on move no money: allowed with an unresolved reversal
        } else if let Some(r) = self.records.values().find(|r| r.status == TxnStatus::Exhausted) {
            return Err(TerminalError::ReversalUnresolved { stan: r.stan.clone() });
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
        self.queue.push_back((id, request));
        self.pump(now);
        Ok(id)
    }

    fn validate(&self, request: &Request) -> Result<()> {
        let amount_ok = |a: u64| {
            if a == 0 || a > 999_999_999_999 {
                Err(TerminalError::BadRequest { field: "amount", reason: format!("{a} is not 1..=999999999999") })
            } else {
                Ok(())
            }
        };
        let card_ok = |card: &CardInput, pin: Option<&PinInput>| -> Result<()> {
            match card {
                CardInput::QrCode { code } => {
                    if code.is_empty() || code.len() > 32 || !code.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(TerminalError::BadRequest {
                            field: "card.code",
                            reason: "a payment code is 1 to 32 digits".into(),
                        });
                    }
                    if pin.is_some() {
                        return Err(TerminalError::BadRequest {
                            field: "pin",
                            reason: "payment codes carry no PIN".into(),
                        });
                    }
                }
                CardInput::Magstripe { track2 } => {
                    crate::card::Track2::parse(track2).map_err(crate::Error::from)?;
                }
                CardInput::Chip { pan, icc_data, .. } | CardInput::Contactless { pan, icc_data, .. } => {
                    crate::card::Pan::parse(pan).map_err(crate::Error::from)?;
                    crate::keys::hex_decode(icc_data)
                        .map_err(|e| TerminalError::BadRequest { field: "card.icc_data", reason: e.to_string() })?;
                }
            }
            Ok(())
        };
        match request {
            Request::Sale { amount, card, pin }
            | Request::PreAuth { amount, card, pin }
            | Request::Completion { amount, card, pin, .. } => {
                amount_ok(*amount)?;
                card_ok(card, pin.as_ref())
            }
            Request::Refund { amount, card, .. } => {
                amount_ok(*amount)?;
                card_ok(card, None)
            }
            Request::BalanceInquiry { card, pin } => card_ok(card, pin.as_ref()),
            Request::Void { original_stan, card, pin }
            | Request::PreAuthVoid { original_stan, card, pin }
            | Request::CompletionVoid { original_stan, card, pin } => {
                card_ok(card, pin.as_ref())?;
                self.void_original(original_stan, request.kind()).map(|_| ())
            }
            Request::SignOn | Request::SignOff | Request::Settle => Ok(()),
        }
    }

    /// The approved original a void of kind `void` cancels: a sale, pre-authorisation or
    /// completion of the open batch not already voided (or being voided).
    fn void_original(&self, stan: &str, void: TxnKind) -> Result<&TxnRecord> {
        let original = match void {
            TxnKind::PreAuthVoid => TxnKind::PreAuth,
            TxnKind::CompletionVoid => TxnKind::Completion,
            _ => TxnKind::Sale,
        };
        let key = journal::txn_key(&self.state.batch, stan);
        let voided = self.records.values().any(|r| {
            r.kind == void
                && r.original_stan.as_deref() == Some(stan)
                && r.batch == self.state.batch
                && matches!(
                    r.status,
                    TxnStatus::Approved | TxnStatus::InFlight | TxnStatus::Pending | TxnStatus::Exhausted
                )
        });
        match self.records.get(&key) {
            Some(r) if r.kind == original && r.status == TxnStatus::Approved && !voided => Ok(r),
            _ => Err(TerminalError::UnknownOriginal { stan: stan.to_owned(), batch: self.state.batch.clone() }),
        }
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
    /// or the next reversal / repeat attempt.
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.halted.is_some() {
            return None;
        }
        if let Some(i) = &self.inflight {
            return Some(i.deadline);
        }
        self.keys.as_ref()?;
        self.due.values().copied().min()
    }

    /// Time has passed: fires the response timeout and due reversal attempts.
    pub fn handle_timeout(&mut self, now: u64) {
        if self.halted.is_some() {
            return;
        }
        if self.inflight.as_ref().is_some_and(|i| now >= i.deadline) {
            let event = response::Event::Comm { error: CommError::ReceiveTimeout, phase: Phase::AfterSend };
            self.fail_inflight(event, now);
        }
        self.pump(now);
    }

    /// The connection failed. `ConnectFailed` means nothing left the terminal (the request is
    /// dropped as not sent); the others mean it may have (a reversal follows for reversible
    /// requests).
    pub fn handle_comm_error(&mut self, failure: CommFailure, now: u64) {
        if self.halted.is_some() || self.inflight.is_none() {
            return;
        }
        let (error, phase) = match failure {
            CommFailure::ConnectFailed => (CommError::ConnectFailed, Phase::BeforeSend),
            CommFailure::SendFailed => (CommError::SendFailed, Phase::AfterSend),
            CommFailure::LineDropped => (CommError::LineDropped, Phase::AfterSend),
        };
        self.decoder = FrameDecoder::new(self.frame.clone());
        self.fail_inflight(response::Event::Comm { error, phase }, now);
        self.pump(now);
    }

    /// Bytes read from the acquirer connection (any chunking: frames are reassembled).
    pub fn handle_received(&mut self, bytes: &[u8], now: u64) {
        if self.halted.is_some() {
            return;
        }
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
            Some(r) if r.status == TxnStatus::Approved && r.kind.is_financial() && r.kind != TxnKind::Refund => {
                r.clone()
            }
            _ => return Err(TerminalError::UnknownOriginal { stan: stan.to_owned(), batch: self.state.batch.clone() }),
        };
        let diag = self
            .diagnose(response::Request::Financial, response::Event::CardRead { error, phase: Phase::AfterApproval });
        if diag.action == NextAction::Reverse {
            let mut r = r;
            r.status = TxnStatus::Pending;
            r.reason = diag.reversal_reason.clone().or_else(|| Some("06".into()));
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

    /// Sends every pending reversal and advice repeat now instead of waiting for the next
    /// request or its backoff timer (the operator's "send reversal now" menu item). Exhausted
    /// ones stay exhausted; see [`Terminal::resolve_exhausted_reversal`].
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
        Some(self.diagnose(response::Request::Financial, e.event()?))
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

    fn write_record(&mut self, key: &str, r: TxnRecord) -> Result<()> {
        let res = self.store.put(key, &to_json(&r));
        match res {
            Ok(()) => {
                self.records.insert(key.to_owned(), r);
                Ok(())
            }
            Err(e) => {
                let e = TerminalError::Store(e);
                self.halt(&e);
                Err(e)
            }
        }
    }

    /// Fails request `id` that never reached the wire: no STAN, nothing to reverse.
    fn fail_unsent(&mut self, id: u64, kind: TxnKind, event: response::Event) {
        let diagnosis = Box::new(self.diagnose(request_kind(kind), event));
        self.events.push_back(Event::Failed { request: id, kind, stan: None, diagnosis, reversal_pending: false });
    }

    fn diagnose(&self, request: response::Request, event: response::Event) -> Diagnosis {
        self.registry.diagnose(&Context { request, event })
    }

    fn next_stan(&mut self) -> Result<String> {
        if self.stan_next >= self.stan_limit || self.stan_next > 999_999 {
            if self.stan_next > 999_999 {
                self.stan_next = 1;
            }
            let limit = self.stan_next + self.cfg.stan_block.max(1);
            if let Err(e) = self.store.put(KEY_STAN, &to_json(&StanLease { limit })) {
                let e = TerminalError::Store(e);
                self.halt(&e);
                return Err(e);
            }
            self.stan_limit = limit;
        }
        let s = stan_text(self.stan_next);
        self.stan_next += 1;
        Ok(s)
    }

    // ---------------------------------------------------------------- scheduling

    fn pump(&mut self, now: u64) {
        while self.halted.is_none() && self.inflight.is_none() {
            if !self.step(now) {
                break;
            }
        }
    }

    /// Sends one thing if one can go now; false when nothing can.
    fn step(&mut self, now: u64) -> bool {
        // A settlement in progress owns the line.
        if self.settlement.is_some() {
            return self.settlement_step(now);
        }
        let front_kind = self.queue.front().map(|(_, r)| r.kind());
        let front_waits_for_pending = front_kind.is_some_and(|k| k != TxnKind::SignOn && k != TxnKind::BalanceInquiry);
        if self.keys.is_some() {
            // Due reversals and repeats first.
            let due = self.due.iter().find(|(k, &at)| {
                at <= now || (front_waits_for_pending && self.records.get(*k).is_some_and(|r| r.attempts == 0))
            });
            if let Some((key, _)) = due {
                let key = key.clone();
                return self.send_pending(&key, now);
            }
            if front_waits_for_pending && !self.due.is_empty() {
                return false; // wait for the backoff timer
            }
        }
        let Some((id, request)) = self.queue.pop_front() else { return false };
        let kind = request.kind();
        if kind != TxnKind::SignOn && !self.is_signed_on() {
            self.fail_unsent(id, kind, response::Event::Keys { problem: response::KeyProblem::NotSignedOn });
            return true;
        }
        if !matches!(kind, TxnKind::SignOn | TxnKind::BalanceInquiry)
            && self.records.values().any(|r| r.status == TxnStatus::Exhausted)
        {
            self.fail_unsent(id, kind, response::Event::ReversalExhausted);
            return true;
        }
        match self.send_request(id, &request, now) {
            Ok(()) | Err(TerminalError::Store(_) | TerminalError::Halted { .. }) => {}
            Err(e) => {
                self.fail_unsent(id, kind, response::Event::General);
                self.events.push_back(Event::Garbage { reason: format!("request not sent: {e}") });
            }
        }
        true
    }

    fn settlement_step(&mut self, now: u64) -> bool {
        let Some(s) = self.settlement.as_mut() else { return false };
        let request = s.request;
        if let Some(uploads) = s.uploads.as_mut() {
            if let Some(key) = uploads.pop_front() {
                if self.send_upload(request, &key, now).is_ok() {
                    return true;
                }
                self.settlement = None;
                return false;
            }
            if !s.second {
                s.second = true;
                let count = s.uploaded;
                self.events.push_back(Event::BatchUploaded { request, count });
                return self.send_settle(request, now).is_ok();
            }
        }
        false
    }

    // ---------------------------------------------------------------- building

    fn base(&self, mti: Mti, stan: &str) -> Result<Message> {
        let mut m = Message::new(mti);
        m.set_str(11, stan)?;
        m.set_str(41, &self.cfg.terminal_id)?;
        m.set_str(42, &self.cfg.merchant_id)?;
        Ok(m)
    }

    fn field60(&self, code: &str, nmi: &str) -> String {
        format!("{code}{}{nmi}", self.state.batch)
    }

    fn operator63(&self) -> String {
        format!("{:<3}", self.cfg.operator_id.chars().take(3).collect::<String>())
    }

    /// Card fields (2, 14, 22, 23, 35, 48, 55), PIN fields (26, 52, 53), and the receipt view.
    fn card_fields(&mut self, m: &mut Message, card: &CardInput, pin: Option<&PinInput>) -> Result<CardSummary> {
        let pin_digit = if pin.is_some() { '1' } else { '2' };
        let mut emv = None;
        let (entry, masked, wallet) = match card {
            CardInput::Chip { pan, track2, expiry, card_seq, icc_data }
            | CardInput::Contactless { pan, track2, expiry, card_seq, icc_data } => {
                let contactless = matches!(card, CardInput::Contactless { .. });
                m.set_str(2, pan)?;
                if let Some(e) = expiry {
                    m.set_str(14, e)?;
                }
                m.set_str(22, &format!("{}{pin_digit}", if contactless { "07" } else { "05" }))?;
                if let Some(s) = card_seq {
                    m.set_str(23, &format!("{s:0>3}"))?;
                }
                if let Some(t) = track2 {
                    m.set_str(35, &t.trim_start_matches(';').trim_end_matches('?').replace(['D', 'd'], "="))?;
                }
                let icc = crate::keys::hex_decode(icc_data)
                    .map_err(|e| TerminalError::BadRequest { field: "card.icc_data", reason: e.to_string() })?;
                emv = emv_summary(&icc);
                m.set_bytes(55, icc)?;
                let entry = if contactless { EntryMode::Contactless } else { EntryMode::Chip };
                (entry, crate::card::Pan::parse(pan).map_err(crate::Error::from)?.masked(), None)
            }
            CardInput::Magstripe { track2 } => {
                let t2 = crate::card::Track2::parse(track2).map_err(crate::Error::from)?;
                m.set_str(2, t2.pan().dangerous_reveal())?;
                m.set_str(14, &t2.expiry().yymm())?;
                m.set_str(22, &format!("02{pin_digit}"))?;
                m.set_str(35, &track2.trim_start_matches(';').trim_end_matches('?').replace(['D', 'd'], "="))?;
                (EntryMode::Swipe, t2.pan().masked(), None)
            }
            CardInput::QrCode { code } => {
                m.set_str(22, &format!("03{pin_digit}"))?;
                m.set_str(48, code)?;
                let masked =
                    crate::card::mask_pan(code, &crate::card::MaskPolicy::default()).map_err(crate::Error::from)?;
                (EntryMode::Qr, masked, crate::card::classify_payment_code(code))
            }
        };
        if let Some(pin) = pin {
            let keys = self.keys.as_ref().ok_or(TerminalError::NotSignedOn)?;
            let block = match pin {
                PinInput::Clear { digits } => {
                    let p = crate::pin::Pin::new(digits).map_err(crate::Error::from)?;
                    crate::pin::encrypt_pin(
                        &keys.pik,
                        crate::pin::PinFormat::Iso0,
                        &p,
                        Some(card.account()),
                        &mut *self.rng,
                    )?
                }
                PinInput::Block { block_hex } => {
                    let b = crate::keys::hex_decode(block_hex)
                        .map_err(|e| TerminalError::BadRequest { field: "pin.block_hex", reason: e.to_string() })?;
                    if b.len() != 8 {
                        return Err(TerminalError::BadRequest {
                            field: "pin.block_hex",
                            reason: "8 bytes expected".into(),
                        });
                    }
                    b
                }
            };
            m.set_str(26, "12")?;
            m.set_bytes(52, block)?;
            let double = keys.pik.algorithm() != Algorithm::Des;
            m.set_str(53, if double { "2600000000000000" } else { "2000000000000000" })?;
        }
        Ok(CardSummary { entry, masked, wallet, emv })
    }

    /// Sets field 64 and frames the message.
    fn seal_and_frame(&self, m: &mut Message, mac: bool) -> Result<Vec<u8>> {
        if mac {
            let keys = self.keys.as_ref().ok_or(TerminalError::NotSignedOn)?;
            let mab = m.mac_block(&self.spec)?;
            let code = crate::mac::generate(&keys.mak, self.mac_alg, &mab, Padding::Method1)?;
            m.set_bytes(64, code)?;
        }
        let body = m.pack(&self.spec)?;
        Ok(self.frame.encode(&Frame { tpdu: Some(self.tpdu), header: self.header.clone(), message: body })?)
    }

    fn emit_transmit(
        &mut self,
        request: Option<u64>,
        kind: Option<TxnKind>,
        m: &Message,
        bytes: Vec<u8>,
        attempt: u32,
    ) {
        let mti = m.mti().to_string();
        let stan = m.get_str(11).unwrap_or_default().to_owned();
        self.sent_stans.insert(stan.clone());
        self.decoder = FrameDecoder::new(self.frame.clone());
        self.events.push_back(Event::Sending { request, kind, mti: mti.clone(), stan: stan.clone(), attempt });
        self.outbox.push_back(Transmit { bytes, request, mti, stan });
    }

    #[allow(clippy::too_many_lines)]
    fn send_request(&mut self, id: u64, request: &Request, now: u64) -> Result<()> {
        let kind = request.kind();
        if kind == TxnKind::Settle {
            let totals = self.totals(&self.state.batch.clone());
            self.settlement = Some(Settlement { request: id, totals, uploads: None, uploaded: 0, second: false });
            return self.send_settle(id, now);
        }
        let stan = self.next_stan()?;
        let (date, time, mmdd, _) = clock::local(now, self.cfg.utc_offset_minutes);
        let amount12 = |a: u64| format!("{a:012}");
        let mut card = None;
        let mut original_stan = None;
        let mut mac = true;
        let mut amount = 0;
        let mut m;
        match request {
            Request::SignOn => {
                mac = false;
                m = self.base(Mti::NETWORK_MANAGEMENT_REQUEST, &stan)?;
                m.set_str(60, &self.field60("00", &self.cfg.key_scheme.clone()))?;
                m.set_str(63, &self.operator63())?;
            }
            Request::SignOff => {
                mac = false;
                m = self.base(Mti::NETWORK_MANAGEMENT_ADVICE, &stan)?;
                m.set_str(60, &self.field60("00", "002"))?;
            }
            Request::Sale { amount: a, card: c, pin } => {
                amount = *a;
                m = self.base(Mti::FINANCIAL_REQUEST, &stan)?;
                m.set_str(3, "000000")?.set_str(4, &amount12(*a))?.set_str(25, "00")?;
                card = Some(self.card_fields(&mut m, c, pin.as_ref())?);
                m.set_str(49, &self.cfg.currency)?;
                m.set_str(60, &self.field60("22", "000"))?;
            }
            Request::Void { original_stan: o, card: c, pin }
            | Request::PreAuthVoid { original_stan: o, card: c, pin }
            | Request::CompletionVoid { original_stan: o, card: c, pin } => {
                let orig = self.void_original(o, kind)?.clone();
                amount = orig.amount;
                original_stan = Some(o.clone());
                let (mti, cond, type_code) = match kind {
                    TxnKind::PreAuthVoid => (Mti::AUTHORIZATION_REQUEST, "06", "11"),
                    TxnKind::CompletionVoid => (Mti::FINANCIAL_REQUEST, "06", "21"),
                    _ => (Mti::FINANCIAL_REQUEST, "00", "23"),
                };
                m = self.base(mti, &stan)?;
                m.set_str(3, "200000")?.set_str(4, &amount12(orig.amount))?.set_str(25, cond)?;
                card = Some(self.card_fields(&mut m, c, pin.as_ref())?);
                if let Some(r) = &orig.rrn {
                    m.set_str(37, r)?;
                }
                if let Some(a) = &orig.auth_code {
                    m.set_str(38, a)?;
                }
                m.set_str(49, &self.cfg.currency)?;
                m.set_str(60, &self.field60(type_code, "000"))?;
                m.set_str(61, &format!("{}{}", orig.batch, orig.stan))?;
            }
            Request::Refund { amount: a, original_rrn, original_date, card: c } => {
                amount = *a;
                m = self.base(Mti::FINANCIAL_ADVICE, &stan)?;
                m.set_str(3, "200000")?.set_str(4, &amount12(*a))?.set_str(25, "00")?;
                card = Some(self.card_fields(&mut m, c, None)?);
                m.set_str(37, original_rrn)?;
                m.set_str(49, &self.cfg.currency)?;
                m.set_str(60, &self.field60("25", "000"))?;
                m.set_str(61, &format!("000000000000{original_date}"))?;
            }
            Request::PreAuth { amount: a, card: c, pin } => {
                amount = *a;
                m = self.base(Mti::AUTHORIZATION_REQUEST, &stan)?;
                m.set_str(3, "030000")?.set_str(4, &amount12(*a))?.set_str(25, "06")?;
                card = Some(self.card_fields(&mut m, c, pin.as_ref())?);
                m.set_str(49, &self.cfg.currency)?;
                m.set_str(60, &self.field60("10", "000"))?;
            }
            Request::Completion { amount: a, original_auth_code, original_date, card: c, pin } => {
                amount = *a;
                m = self.base(Mti::FINANCIAL_REQUEST, &stan)?;
                m.set_str(3, "000000")?.set_str(4, &amount12(*a))?.set_str(25, "06")?;
                card = Some(self.card_fields(&mut m, c, pin.as_ref())?);
                m.set_str(38, original_auth_code)?;
                m.set_str(49, &self.cfg.currency)?;
                m.set_str(60, &self.field60("20", "000"))?;
                m.set_str(61, &format!("000000000000{original_date}"))?;
            }
            Request::BalanceInquiry { card: c, pin } => {
                m = self.base(Mti::FINANCIAL_REQUEST, &stan)?;
                m.set_str(3, "310000")?.set_str(25, "00")?;
                card = Some(self.card_fields(&mut m, c, pin.as_ref())?);
                m.set_str(49, &self.cfg.currency)?;
                m.set_str(60, &self.field60("01", "000"))?;
            }
            Request::Settle => unreachable!("handled above"),
        }
        let _ = mmdd;
        // Reversal-first: the record (with what a reversal or repeat needs) is durable before
        // the bytes exist outside the engine.
        let mut key = None;
        if kind.is_financial() {
            let k = journal::txn_key(&self.state.batch, &stan);
            let template = if kind == TxnKind::Refund {
                let mut t = m.clone();
                t.remove(64);
                t.to_json(&self.spec)
            } else {
                let mut t = Message::new(m.mti());
                for f in REVERSAL_FIELDS {
                    if let Some(v) = m.get_bytes(f) {
                        t.set_bytes(f, v.to_vec())?;
                    }
                }
                t.to_json(&self.spec)
            };
            let rec = TxnRecord {
                kind,
                batch: self.state.batch.clone(),
                stan: stan.clone(),
                status: TxnStatus::InFlight,
                amount,
                date,
                time,
                template,
                reason: if kind == TxnKind::Refund { None } else { Some("98".into()) },
                attempts: 0,
                response_code: None,
                rrn: None,
                auth_code: None,
                original_stan,
                receipt: None,
                request: id,
            };
            self.write_record(&k, rec)?;
            if kind != TxnKind::Refund {
                self.events.push_back(Event::ReversalRecorded { request: id, stan: stan.clone() });
            }
            key = Some(k);
        }
        let bytes = match self.seal_and_frame(&mut m, mac) {
            Ok(b) => b,
            Err(e) => {
                if let Some(k) = &key {
                    let mut r = self.records[k].clone();
                    r.status = TxnStatus::Declined;
                    self.write_record(k, r)?;
                }
                return Err(e);
            }
        };
        self.inflight = Some(InFlight {
            request: Some(id),
            flight: Flight::Request(kind),
            mti: m.mti(),
            stan,
            amount: m.get_str(4).map(str::to_owned),
            key,
            deadline: now + self.cfg.response_timeout_ms,
            card,
            fingerprint: fingerprint(request),
        });
        self.emit_transmit(Some(id), Some(kind), &m, bytes, 1);
        Ok(())
    }

    fn send_settle(&mut self, id: u64, now: u64) -> Result<()> {
        let Some(s) = &self.settlement else { return Ok(()) };
        let t = s.totals;
        let stan = self.next_stan()?;
        let mut m = self.base(Mti::RECONCILIATION_REQUEST, &stan)?;
        // 48: domestic debit amount n12, count n3, credit amount n12, count n3, result n1; the
        // same for foreign cards (none here).
        let f48 = format!(
            "{:012}{:03}{:012}{:03}0{:012}{:03}{:012}{:03}0",
            t.debit_amount, t.debit_count, t.credit_amount, t.credit_count, 0, 0, 0, 0
        );
        m.set_str(48, &f48)?;
        m.set_str(49, &self.cfg.currency)?;
        m.set_str(60, &self.field60("00", "201"))?;
        m.set_str(63, &self.operator63())?;
        let bytes = self.seal_and_frame(&mut m, false)?;
        self.inflight = Some(InFlight {
            request: Some(id),
            flight: Flight::Request(TxnKind::Settle),
            mti: m.mti(),
            stan,
            amount: None,
            key: None,
            deadline: now + self.cfg.response_timeout_ms,
            card: None,
            fingerprint: None,
        });
        self.emit_transmit(Some(id), Some(TxnKind::Settle), &m, bytes, 1);
        Ok(())
    }

    fn send_upload(&mut self, id: u64, key: &str, now: u64) -> Result<()> {
        let r = self.records[key].clone();
        let t = Message::from_json(&self.spec, &r.template)?;
        let stan = self.next_stan()?;
        let mut m = self.base(Mti::BATCH_UPLOAD, &stan)?;
        for f in [2, 3, 4, 22, 25, 48, 49] {
            if let Some(v) = t.get_bytes(f) {
                m.set_bytes(f, v.to_vec())?;
            }
        }
        if let Some(v) = &r.rrn {
            m.set_str(37, v)?;
        }
        if let Some(v) = &r.auth_code {
            m.set_str(38, v)?;
        }
        m.set_str(60, &self.field60(&t.get_str(60).unwrap_or("00").chars().take(2).collect::<String>(), "201"))?;
        m.set_str(61, &format!("{}{}", r.batch, r.stan))?;
        let bytes = self.seal_and_frame(&mut m, false)?;
        self.inflight = Some(InFlight {
            request: Some(id),
            flight: Flight::Upload,
            mti: m.mti(),
            stan,
            amount: m.get_str(4).map(str::to_owned),
            key: Some(key.to_owned()),
            deadline: now + self.cfg.response_timeout_ms,
            card: None,
            fingerprint: None,
        });
        self.emit_transmit(Some(id), None, &m, bytes, 1);
        Ok(())
    }

    /// Sends the reversal (0400) or advice repeat (0221) of a pending record.
    fn send_pending(&mut self, key: &str, now: u64) -> bool {
        let r = self.records[key].clone();
        let built = (|| -> Result<(Message, Vec<u8>)> {
            let mut m = Message::from_json(&self.spec, &r.template)?;
            if r.kind == TxnKind::Refund {
                m.set_mti(Mti::new("0221")?);
            } else {
                m.set_mti(Mti::REVERSAL_REQUEST);
                m.set_str(39, r.reason.as_deref().unwrap_or("98"))?;
            }
            m.remove(64);
            let bytes = self.seal_and_frame(&mut m, true)?;
            Ok((m, bytes))
        })();
        let (m, bytes) = match built {
            Ok(x) => x,
            Err(e) => {
                // A record that cannot be rebuilt can never be delivered: keep it for the operator.
                self.events.push_back(Event::Garbage { reason: format!("pending record {key}: {e}") });
                let mut r2 = r.clone();
                r2.status = TxnStatus::Exhausted;
                self.due.remove(key);
                return self.write_record(key, r2).is_ok();
            }
        };
        self.due.remove(key);
        let attempt = r.attempts + 1;
        let flight = if r.kind == TxnKind::Refund { Flight::Repeat } else { Flight::Reversal };
        self.inflight = Some(InFlight {
            request: None,
            flight,
            mti: m.mti(),
            stan: r.stan.clone(),
            amount: m.get_str(4).map(str::to_owned),
            key: Some(key.to_owned()),
            deadline: now + self.cfg.response_timeout_ms,
            card: None,
            fingerprint: None,
        });
        if flight == Flight::Reversal {
            self.events.push_back(Event::ReversalSent { stan: r.stan.clone(), attempt });
        }
        self.emit_transmit(None, None, &m, bytes, attempt);
        true
    }

    // ---------------------------------------------------------------- receiving

    fn on_frame(&mut self, frame: &Frame, now: u64) {
        let parsed = MessageRef::unpack(&self.spec, &frame.message);
        let msg = match parsed {
            Ok(ref r) => r.to_message(),
            Err(e) => {
                self.events.push_back(Event::Garbage { reason: format!("{}: {e}", e.code()) });
                if self.inflight.is_some() {
                    self.fail_inflight(response::Event::Response { problem: ResponseProblem::Malformed }, now);
                }
                return;
            }
        };
        let code = msg.get_str(39).map(str::to_owned);
        let stan = msg.get_str(11).unwrap_or_default().to_owned();
        let late = |t: &mut Self| {
            t.events.push_back(Event::LateResponse {
                mti: msg.mti().to_string(),
                stan: stan.clone(),
                code: code.clone(),
            });
        };
        let Some(inf) = &self.inflight else {
            late(self);
            return;
        };
        let expected = response_mti(inf.mti);
        let mti_ok = msg.mti().as_str().as_bytes()[..3] == expected;
        if stan != inf.stan {
            // A response to something sent earlier (timed out, duplicated) is late, not a mismatch.
            if self.sent_stans.contains(&stan) || self.records.keys().any(|k| k.ends_with(&format!("/{stan}"))) {
                late(self);
                return;
            }
            self.fail_inflight(response::Event::Response { problem: ResponseProblem::Mismatch }, now);
            return;
        }
        if !mti_ok {
            // Same STAN, other message type: the late answer to the original while its reversal
            // (which reuses the STAN) is in flight, or a stray. Logged; the awaited answer may
            // still come, and if it does not, the timeout decides.
            late(self);
            return;
        }
        let tid_ok = msg.get_str(41) == Some(self.cfg.terminal_id.as_str());
        let amount_ok = match (&inf.amount, msg.get_str(4)) {
            (Some(a), Some(b)) => a == b,
            (Some(_), None) => code.as_deref() != Some("00"),
            _ => true,
        };
        if !tid_ok || !amount_ok || code.is_none() {
            self.fail_inflight(response::Event::Response { problem: ResponseProblem::Mismatch }, now);
            return;
        }
        // MAC: verified whenever present; required on approvals of MACed requests.
        let maced = matches!(inf.flight, Flight::Reversal | Flight::Repeat)
            || matches!(inf.flight, Flight::Request(k) if k.is_financial() || k == TxnKind::BalanceInquiry);
        if maced {
            let ok = match (msg.get_bytes(64), &self.keys, &parsed) {
                (Some(mac), Some(keys), Ok(r)) => r
                    .mac_block(&self.spec)
                    .ok()
                    .is_some_and(|mab| crate::mac::verify(&keys.mak, self.mac_alg, mab, Padding::Method1, mac).is_ok()),
                (None, _, _) => code.as_deref() != Some("00"),
                _ => false,
            };
            if !ok {
                self.fail_inflight(response::Event::Response { problem: ResponseProblem::MacFailed }, now);
                return;
            }
        }
        let inf = self.inflight.take().expect("checked above");
        let code = code.expect("checked above");
        match inf.flight {
            Flight::Request(kind) => self.on_response(inf, kind, &msg, &code, now),
            Flight::Reversal | Flight::Repeat => self.on_pending_response(&inf, &msg, &code, now),
            Flight::Upload => {
                if let Some(s) = self.settlement.as_mut() {
                    s.uploaded += 1;
                }
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn on_response(&mut self, inf: InFlight, kind: TxnKind, msg: &Message, code: &str, now: u64) {
        let id = inf.request.unwrap_or(0);
        let diag = self.diagnose(request_kind(kind), response::Event::HostResponse { code: code.to_owned() });
        match kind {
            TxnKind::SignOn => {
                if diag.action != NextAction::Complete {
                    self.events.push_back(Event::Declined {
                        request: id,
                        kind,
                        stan: inf.stan,
                        diagnosis: Box::new(diag),
                    });
                    return;
                }
                let installed = msg
                    .get_bytes(62)
                    .ok_or(crate::keys::KeyError::BadField62Length { len: 0 })
                    .and_then(|f| crate::keys::parse_field62(&self.tmk, f));
                let Ok(keys) = installed else {
                    let d = self.diagnose(
                        response::Request::SignOn,
                        response::Event::Keys { problem: response::KeyProblem::KcvMismatch },
                    );
                    self.events.push_back(Event::Failed {
                        request: id,
                        kind,
                        stan: Some(inf.stan),
                        diagnosis: Box::new(d),
                        reversal_pending: false,
                    });
                    return;
                };
                let batch =
                    msg.subfield(&self.spec, 60, 2).filter(|b| b.len() == 6).unwrap_or(&self.state.batch).to_owned();
                let stored = StoredKeys {
                    pik: crate::keys::hex_encode(keys.pik.dangerous_reveal()),
                    mak: crate::keys::hex_encode(keys.mak.dangerous_reveal()),
                    tdk: keys.tdk.as_ref().map(|k| crate::keys::hex_encode(k.dangerous_reveal())),
                };
                let state = State { batch: batch.clone(), signed_on: true };
                if let Err(e) =
                    self.store.apply(&[Op::put(KEY_KEYS, to_json(&stored)), Op::put(KEY_STATE, to_json(&state))])
                {
                    self.halt(&TerminalError::Store(e));
                    return;
                }
                let pik_kcv = crate::keys::hex_encode(&keys.pik.kcv(KcvMethod::EncryptZeros, 4));
                let mak_kcv = crate::keys::hex_encode(&keys.mak.kcv(KcvMethod::EncryptZeros, 4));
                self.keys = Some(keys);
                self.state = state;
                self.events.push_back(Event::SignedOn { request: id, batch, pik_kcv, mak_kcv });
            }
            TxnKind::SignOff => {
                let state = State { batch: self.state.batch.clone(), signed_on: false };
                if let Err(e) = self.store.put(KEY_STATE, &to_json(&state)) {
                    self.halt(&TerminalError::Store(e));
                    return;
                }
                self.state = state;
                self.keys = None;
                self.events.push_back(Event::SignedOff { request: id });
            }
            TxnKind::Settle => self.on_settle_response(id, msg, code, diag),
            TxnKind::BalanceInquiry => {
                if diag.action == NextAction::Complete {
                    let balance = msg.get_str(54).and_then(parse_balance);
                    let receipt = self.receipt(kind, &inf, msg, balance.unwrap_or(0), now);
                    self.events.push_back(Event::Approved {
                        request: id,
                        kind,
                        stan: inf.stan,
                        amount: 0,
                        rrn: msg.get_str(37).map(str::to_owned),
                        auth_code: msg.get_str(38).map(str::to_owned),
                        balance,
                        receipt: Box::new(receipt),
                        diagnosis: Box::new(diag),
                    });
                } else {
                    self.after_decline(&diag);
                    self.events.push_back(Event::Declined {
                        request: id,
                        kind,
                        stan: inf.stan,
                        diagnosis: Box::new(diag),
                    });
                }
            }
            _ => {
                let key = inf.key.clone().expect("financial requests are journaled");
                let mut r = self.records[&key].clone();
                r.response_code = Some(code.to_owned());
                match diag.action {
                    NextAction::Complete => {
                        r.rrn = msg.get_str(37).map(str::to_owned);
                        r.auth_code = msg.get_str(38).map(str::to_owned);
                        let receipt = self.receipt(kind, &inf, msg, r.amount, now);
                        r.receipt = Some(receipt.clone());
                        r.status = TxnStatus::Approved;
                        r.reason = None;
                        let amount = r.amount;
                        let (rrn, auth_code) = (r.rrn.clone(), r.auth_code.clone());
                        if self.write_record(&key, r).is_ok() {
                            self.events.push_back(Event::Approved {
                                request: id,
                                kind,
                                stan: inf.stan,
                                amount,
                                rrn,
                                auth_code,
                                balance: None,
                                receipt: Box::new(receipt),
                                diagnosis: Box::new(diag),
                            });
                        }
                    }
                    NextAction::Reverse if kind != TxnKind::Refund => {
                        r.status = TxnStatus::Pending;
                        r.reason = diag.reversal_reason.clone().or(r.reason);
                        self.make_pending(&key, r, diag, id, now);
                    }
                    _ => {
                        r.status = TxnStatus::Declined;
                        r.reason = None;
                        self.after_decline(&diag);
                        if self.write_record(&key, r).is_ok() {
                            self.events.push_back(Event::Declined {
                                request: id,
                                kind,
                                stan: inf.stan,
                                diagnosis: Box::new(diag),
                            });
                        }
                    }
                }
            }
        }
    }

    fn after_decline(&mut self, diag: &Diagnosis) {
        if diag.action == NextAction::SignOn {
            // 77 / A0: the host no longer trusts our keys or batch.
            self.keys = None;
            self.state.signed_on = false;
        }
    }

    fn on_settle_response(&mut self, id: u64, msg: &Message, code: &str, diag: Diagnosis) {
        let Some(s) = self.settlement.as_mut() else { return };
        let totals = s.totals;
        let batch = self.state.batch.clone();
        if diag.action != NextAction::Complete {
            self.settlement = None;
            self.events.push_back(Event::Declined {
                request: id,
                kind: TxnKind::Settle,
                stan: String::new(),
                diagnosis: Box::new(diag),
            });
            return;
        }
        let flag = msg.get_str(48).and_then(|f| f.chars().nth(30));
        let balanced = flag == Some('1');
        if !balanced && s.uploads.is_none() {
            let keys: VecDeque<String> = self
                .records
                .iter()
                .filter(|(_, r)| r.batch == batch && r.status == TxnStatus::Approved && r.kind.sign() != 0)
                .map(|(k, _)| k.clone())
                .collect();
            let uploading = keys.len();
            s.uploads = Some(keys);
            self.events.push_back(Event::SettlementUnbalanced { request: id, batch, totals, uploading });
            return;
        }
        self.settlement = None;
        if !balanced {
            self.fail_unsent(id, TxnKind::Settle, response::Event::General);
            let _ = code;
            return;
        }
        let next: u32 = batch.parse::<u32>().unwrap_or(0) % 999_999 + 1;
        let next_batch = format!("{next:06}");
        let state = State { batch: next_batch.clone(), signed_on: self.state.signed_on };
        let pruned = self.prunable(&batch);
        let mut ops = vec![Op::put(KEY_STATE, to_json(&state))];
        ops.extend(pruned.iter().map(|k| Op::delete(k.clone())));
        if let Err(e) = self.store.apply(&ops) {
            self.halt(&TerminalError::Store(e));
            return;
        }
        for k in &pruned {
            self.records.remove(k);
        }
        self.state = state;
        self.events.push_back(Event::SettlementBalanced { request: id, batch, totals, next_batch });
    }

    /// Journal records to delete when `closed` is settled: those of batches older than the
    /// `keep_batches` most recent closed ones (batch numbers wrap after 999999), and only once
    /// nothing is owed to the host for them.
    fn prunable(&self, closed: &str) -> Vec<String> {
        let keep = self.cfg.keep_batches;
        if keep == 0 {
            return Vec::new();
        }
        let closed: u32 = closed.parse().unwrap_or(0);
        let kept: Vec<String> =
            (0..keep.min(999_999)).map(|i| format!("{:06}", (closed + 999_999 - 1 - i) % 999_999 + 1)).collect();
        self.records
            .iter()
            .filter(|(_, r)| !kept.contains(&r.batch))
            .filter(|(_, r)| !matches!(r.status, TxnStatus::InFlight | TxnStatus::Pending | TxnStatus::Exhausted))
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn on_pending_response(&mut self, inf: &InFlight, msg: &Message, code: &str, now: u64) {
        let key = inf.key.clone().expect("pending flights have a record");
        let mut r = self.records[&key].clone();
        if inf.flight == Flight::Repeat {
            // Advice repeat: an answer is final either way.
            let diag =
                self.diagnose(response::Request::Advice, response::Event::HostResponse { code: code.to_owned() });
            r.response_code = Some(code.to_owned());
            let request = r.request;
            if diag.action == NextAction::Complete {
                r.rrn = msg.get_str(37).map(str::to_owned);
                r.auth_code = msg.get_str(38).map(str::to_owned);
                r.status = TxnStatus::Approved;
                let receipt = self.receipt(r.kind, inf, msg, r.amount, now);
                r.receipt = Some(receipt.clone());
                let (amount, rrn, auth_code, stan) = (r.amount, r.rrn.clone(), r.auth_code.clone(), r.stan.clone());
                if self.write_record(&key, r).is_ok() {
                    self.events.push_back(Event::Approved {
                        request,
                        kind: TxnKind::Refund,
                        stan,
                        amount,
                        rrn,
                        auth_code,
                        balance: None,
                        receipt: Box::new(receipt),
                        diagnosis: Box::new(diag),
                    });
                }
            } else if diag.action == NextAction::Decline {
                r.status = TxnStatus::Declined;
                let stan = r.stan.clone();
                if self.write_record(&key, r).is_ok() {
                    self.events.push_back(Event::Declined {
                        request,
                        kind: TxnKind::Refund,
                        stan,
                        diagnosis: Box::new(diag),
                    });
                }
            } else {
                // "Not now" (96, 91), "sign on again": the original may be booked, so the advice
                // stays pending and is repeated with backoff, never dropped.
                self.after_decline(&diag);
                self.pending_attempt_failed(&key, diag, now);
            }
            return;
        }
        let diag = self.diagnose(response::Request::Reversal, response::Event::HostResponse { code: code.to_owned() });
        if diag.action == NextAction::ReversalDone {
            r.status = TxnStatus::Reversed;
            r.response_code = Some(code.to_owned());
            let stan = r.stan.clone();
            if self.write_record(&key, r).is_ok() {
                self.events.push_back(Event::ReversalCleared {
                    stan,
                    code: code.to_owned(),
                    diagnosis: Box::new(diag),
                });
            }
        } else {
            self.after_decline(&diag);
            self.pending_attempt_failed(&key, diag, now);
        }
    }

    /// A reversal or repeat attempt failed: count it, back off, or keep it as exhausted.
    fn pending_attempt_failed(&mut self, key: &str, diag: Diagnosis, now: u64) {
        let mut r = self.records[key].clone();
        r.attempts += 1;
        r.status = TxnStatus::Pending;
        let max = if r.kind == TxnKind::Refund { self.cfg.advice_max_attempts } else { self.cfg.reversal_max_attempts };
        let stan = r.stan.clone();
        let attempts = r.attempts;
        if attempts >= max.max(1) {
            r.status = TxnStatus::Exhausted;
            if self.write_record(key, r).is_ok() {
                self.due.remove(key);
                let d = self.diagnose(response::Request::Reversal, response::Event::ReversalExhausted);
                self.events.push_back(Event::ReversalExhausted { stan, attempts, diagnosis: Box::new(d) });
            }
            return;
        }
        let backoff = self.cfg.reversal_backoff_ms.saturating_mul(1 << (attempts - 1).min(16));
        if self.write_record(key, r).is_ok() {
            let at = now + backoff;
            self.due.insert(key.to_owned(), at);
            self.events.push_back(Event::ReversalRetry {
                stan,
                attempts,
                next_attempt_at: at,
                diagnosis: Box::new(diag),
            });
        }
    }

    /// The request in flight got no usable answer.
    fn fail_inflight(&mut self, event: response::Event, now: u64) {
        let Some(inf) = self.inflight.take() else { return };
        let before_send = matches!(event, response::Event::Comm { phase: Phase::BeforeSend, .. });
        match inf.flight {
            Flight::Reversal | Flight::Repeat => {
                let req = if inf.flight == Flight::Reversal {
                    response::Request::Reversal
                } else {
                    response::Request::Advice
                };
                let diag = self.diagnose(req, event);
                let key = inf.key.expect("pending flights have a record");
                self.pending_attempt_failed(&key, diag, now);
            }
            Flight::Upload => {
                let diag = self.diagnose(response::Request::Settlement, event);
                let id = self.settlement.take().map_or(0, |s| s.request);
                self.events.push_back(Event::Failed {
                    request: id,
                    kind: TxnKind::Settle,
                    stan: Some(inf.stan),
                    diagnosis: Box::new(diag),
                    reversal_pending: false,
                });
            }
            Flight::Request(kind) => {
                let id = inf.request.unwrap_or(0);
                let diag = self.diagnose(request_kind(kind), event);
                if kind == TxnKind::Settle {
                    self.settlement = None;
                }
                let Some(key) = inf.key else {
                    self.events.push_back(Event::Failed {
                        request: id,
                        kind,
                        stan: Some(inf.stan),
                        diagnosis: Box::new(diag),
                        reversal_pending: false,
                    });
                    return;
                };
                let mut r = self.records[&key].clone();
                if before_send {
                    // Nothing left the terminal: no money can have moved.
                    r.status = TxnStatus::Declined;
                    r.reason = None;
                    if self.write_record(&key, r).is_ok() {
                        self.events.push_back(Event::Failed {
                            request: id,
                            kind,
                            stan: Some(inf.stan),
                            diagnosis: Box::new(diag),
                            reversal_pending: false,
                        });
                    }
                } else if kind == TxnKind::Refund {
                    // An advice is repeated (0221), never reversed.
                    r.status = TxnStatus::Pending;
                    r.attempts = 1;
                    if self.write_record(&key, r).is_ok() {
                        self.due.insert(key, now + self.cfg.reversal_backoff_ms);
                        self.events.push_back(Event::Failed {
                            request: id,
                            kind,
                            stan: Some(inf.stan),
                            diagnosis: Box::new(diag),
                            reversal_pending: false,
                        });
                    }
                } else {
                    r.status = TxnStatus::Pending;
                    r.reason = diag.reversal_reason.clone().or(r.reason).or_else(|| Some("98".into()));
                    self.make_pending(&key, r, diag, id, now);
                }
            }
        }
    }

    fn make_pending(&mut self, key: &str, r: TxnRecord, diag: Diagnosis, id: u64, now: u64) {
        let stan = r.stan.clone();
        let kind = r.kind;
        let reason = r.reason.clone().unwrap_or_else(|| "98".into());
        if self.write_record(key, r).is_ok() {
            self.due.insert(key.to_owned(), now + self.cfg.reversal_idle_delay_ms);
            self.events.push_back(Event::Failed {
                request: id,
                kind,
                stan: Some(stan.clone()),
                diagnosis: Box::new(diag.clone()),
                reversal_pending: true,
            });
            self.events.push_back(Event::ReversalPending { stan, reason, diagnosis: Box::new(diag) });
        }
    }

    fn receipt(&self, kind: TxnKind, inf: &InFlight, msg: &Message, amount: u64, now: u64) -> ReceiptInput {
        let (date, time, _, _) = clock::local(now, self.cfg.utc_offset_minutes);
        let card = inf.card.clone();
        let original = self.records.get(inf.key.as_deref().unwrap_or("")).and_then(|r| r.original_stan.clone());
        let original_ref = original
            .as_ref()
            .and_then(|s| self.records.get(&journal::txn_key(&self.state.batch, s)))
            .and_then(|r| r.rrn.clone());
        ReceiptInput {
            merchant_name: self.cfg.merchant_name.clone(),
            merchant_id: self.cfg.merchant_id.clone(),
            terminal_id: self.cfg.terminal_id.clone(),
            operator_id: Some(self.cfg.operator_id.clone()),
            pan: card.as_ref().map(|c| c.masked.clone()),
            card_brand: None,
            wallet: card.as_ref().and_then(|c| c.wallet),
            entry_mode: card.as_ref().map(|c| c.entry),
            txn_type: receipt_type(kind),
            amount: Some(amount),
            currency: Some(self.cfg.currency.clone()),
            date,
            time,
            batch_no: self.state.batch.clone(),
            voucher_no: inf.stan.clone(),
            reference_no: msg.get_str(37).map(str::to_owned),
            auth_code: msg.get_str(38).map(str::to_owned).filter(|s| !s.trim().is_empty()),
            issuer_id: None,
            acquirer_id: None,
            response_text: Some("交易成功 APPROVED".into()),
            original_voucher_no: original,
            original_reference_no: original_ref.or_else(|| {
                if kind == TxnKind::Refund {
                    self.records.get(inf.key.as_deref().unwrap_or("")).and_then(|r| {
                        Message::from_json(&self.spec, &r.template).ok().and_then(|m| m.get_str(37).map(str::to_owned))
                    })
                } else {
                    None
                }
            }),
            emv: card.and_then(|c| c.emv),
            e_receipt_url: None,
        }
    }
}

/// SHA-256 over kind, amount and account of a money-moving request (no PAN kept in the clear).
fn fingerprint(r: &Request) -> Option<String> {
    let (amount, card) = match r {
        Request::Sale { amount, card, .. }
        | Request::PreAuth { amount, card, .. }
        | Request::Completion { amount, card, .. }
        | Request::Refund { amount, card, .. } => (*amount, card),
        Request::Void { original_stan, card, .. }
        | Request::PreAuthVoid { original_stan, card, .. }
        | Request::CompletionVoid { original_stan, card, .. } => (original_stan.parse().unwrap_or(0), card),
        _ => return None,
    };
    let text = format!("{}|{amount}|{}", r.kind().as_str(), card.account());
    Some(crate::keys::hex_encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()).as_ref()))
}

fn parse_balance(s: &str) -> Option<u64> {
    // 54 as UnionPay hosts send it: account type n2, amount type n2, currency n3, sign C/D, n12.
    let digits = if s.len() >= 20 { &s[8..20] } else { s };
    digits.parse().ok()
}

fn load_keys(k: &StoredKeys) -> Result<WorkingKeys> {
    let mk = |hex: &str, usage| -> Result<Key> {
        let len = hex.len() / 2;
        let alg = Algorithm::des_for_len(len).map_err(crate::Error::from)?;
        Ok(Key::dangerous_from_hex(alg, usage, hex).map_err(crate::Error::from)?)
    };
    Ok(WorkingKeys {
        pik: mk(&k.pik, KeyUsage::PinEncryption)?,
        mak: mk(&k.mak, KeyUsage::MacBoth)?,
        tdk: k.tdk.as_deref().map(|t| mk(t, KeyUsage::DataEncryption)).transpose()?,
    })
}

fn emv_summary(icc: &[u8]) -> Option<EmvData> {
    use crate::tlv::{decode, Tag};
    let items = decode(icc).ok()?;
    let find = |hex: &str| {
        let tag = Tag::parse(hex)?;
        crate::tlv::find(&items, tag).and_then(|t| t.bytes().map(crate::keys::hex_encode))
    };
    let aid = find("4F").or_else(|| find("84"))?;
    Some(EmvData {
        aid,
        app_label: find("50").and_then(|h| crate::keys::hex_decode(&h).ok()).and_then(|b| String::from_utf8(b).ok()),
        tc: find("9F26"),
        tvr: find("95"),
        tsi: find("9B"),
    })
}
