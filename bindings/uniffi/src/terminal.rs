//! The transaction engine for Kotlin (wrapped by `org.poscore.PosTerminal`): a foreign
//! [`HostStore`] the app implements (`org.poscore.FileStore` is one) and a [`Terminal`] object
//! the app's host loop drives with bytes, events and `now`, as `docs/terminal.md` describes.
//!
//! Requests and events cross as JSON (the core's serde shapes, tagged by `type`): they are large
//! tagged unions that Kotlin reads with `org.json`, and keeping one shape for the CLI, the vectors,
//! JS and Kotlin is worth more than typed records here.
//!
//! The core `Terminal` holds `Box<dyn Store>` and `Box<dyn Rng>` and is not `Send`, while a UniFFI
//! object must be `Send + Sync`: the engine therefore lives on its own thread and every call is a
//! message to it (calls stay synchronous and ordered; no `unsafe`).

use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

use poscore::rng::{Rng, SeededRng, SystemRng};
use poscore::store::{Op, Store, StoreError};
use poscore::terminal::{self as core, CommFailure as CoreCommFailure};

use crate::{Key, PoscoreError};

/// One write of a batch handed to [`HostStore::apply`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum StoreOp {
    /// Create or replace `key`.
    Put { key: String, value: Vec<u8> },
    /// Remove `key` (no error when absent).
    Delete { key: String },
}

// The binding's op is the core's `Op` with UniFFI's derive: one mapping each way.
impl From<&Op> for StoreOp {
    fn from(op: &Op) -> Self {
        match op {
            Op::Put { key, value } => Self::Put { key: key.clone(), value: value.clone() },
            Op::Delete { key } => Self::Delete { key: key.clone() },
        }
    }
}

impl From<StoreOp> for Op {
    fn from(op: StoreOp) -> Self {
        match op {
            StoreOp::Put { key, value } => Self::Put { key, value },
            StoreOp::Delete { key } => Self::Delete { key },
        }
    }
}

/// Storage implemented by the app (Kotlin): the engine's journal. The contract is the core
/// `Store`'s: `apply` is atomic and durable when it returns; errors are thrown as
/// `PoscoreException.Store(code, detail)`, and the engine then halts rather than guess.
#[uniffi::export(with_foreign)]
pub trait HostStore: Send + Sync {
    /// The value under `key`, or null.
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, PoscoreError>;
    /// Every key starting with `prefix`, ascending byte order.
    fn list(&self, prefix: String) -> Result<Vec<String>, PoscoreError>;
    /// All of `ops`, in order, atomically and durably.
    fn apply(&self, ops: Vec<StoreOp>) -> Result<(), PoscoreError>;
}

/// A monotonic counter the app keeps outside the journal (Android Keystore rollback-resistant
/// storage, a server): the engine advances it after every journal write and refuses a journal
/// older than it, a restored copy, which nothing inside the journal can reveal. The core's
/// `RollbackGuard`.
#[uniffi::export(with_foreign)]
pub trait HostRollbackGuard: Send + Sync {
    /// The highest journal write counter recorded (0 when never advanced).
    fn current(&self) -> Result<u64, PoscoreError>;
    /// The journal has reached `seq`: record it. Must never go backwards.
    fn advance(&self, seq: u64) -> Result<(), PoscoreError>;
}

/// The core `RollbackGuard` over a foreign [`HostRollbackGuard`]; a failure becomes `store.io`.
struct ForeignGuard(Arc<dyn HostRollbackGuard>);

impl std::fmt::Debug for ForeignGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ForeignGuard")
    }
}

impl core::RollbackGuard for ForeignGuard {
    fn current(&self) -> Result<u64, StoreError> {
        self.0.current().map_err(|e| foreign("rollback_guard.current", "", &e))
    }

    fn advance(&mut self, seq: u64) -> Result<(), StoreError> {
        self.0.advance(seq).map_err(|e| foreign("rollback_guard.advance", "", &e))
    }
}

/// The core `Store` over a foreign [`HostStore`]; a foreign failure becomes `store.io`.
struct ForeignStore(Arc<dyn HostStore>);

fn foreign(op: &'static str, path: &str, e: &PoscoreError) -> StoreError {
    StoreError::Io { op, path: path.to_owned(), message: e.to_string() }
}

impl Store for ForeignStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key.to_owned()).map_err(|e| foreign("get", key, &e))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.0.list(prefix.to_owned()).map_err(|e| foreign("list", prefix, &e))
    }

    fn apply(&mut self, ops: &[Op]) -> Result<(), StoreError> {
        for op in ops {
            op.validate()?;
        }
        self.0.apply(ops.iter().map(StoreOp::from).collect()).map_err(|e| foreign("apply", "batch", &e))
    }
}

/// The core's crash-safe file store (`poscore::store::file::FileStore`: one file per record,
/// temp file + fsync + rename + directory fsync, checksummed, AES-256-GCM sealed when a key is
/// given) as a [`HostStore`]: `org.poscore.FileStore` is this, so Kotlin runs the same store,
/// record format and conformance vectors as the Rust crate instead of a second implementation.
struct CoreFileStore(Mutex<poscore::store::file::FileStore>);

impl CoreFileStore {
    fn with<R>(
        &self,
        f: impl FnOnce(&mut poscore::store::file::FileStore) -> Result<R, StoreError>,
    ) -> Result<R, PoscoreError> {
        // A panic cannot leave the store half-written (every write is atomic on disk): go on.
        let mut store = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut store).map_err(PoscoreError::from)
    }
}

impl HostStore for CoreFileStore {
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, PoscoreError> {
        self.with(|s| s.get(&key))
    }

    fn list(&self, prefix: String) -> Result<Vec<String>, PoscoreError> {
        self.with(|s| s.list(&prefix))
    }

    fn apply(&self, ops: Vec<StoreOp>) -> Result<(), PoscoreError> {
        let ops: Vec<Op> = ops.into_iter().map(Op::from).collect();
        self.with(|s| s.apply(&ops))
    }
}

/// Opens (creating if needed) the core's file store in directory `dir`, sealed with
/// `sealing_key` (32 bytes, e.g. unwrapped with an Android Keystore key), completing any
/// interrupted batch. Every record is sealed (AES-256-GCM) and the store only opens again with
/// the same key (`store.sealed_key_mismatch`).
#[uniffi::export]
pub fn open_file_store(dir: String, sealing_key: Vec<u8>) -> Result<Arc<dyn HostStore>, PoscoreError> {
    use poscore::store::file::{FileStore, SealingKey};
    let store = FileStore::open_sealed(&dir, SealingKey::from_vec(sealing_key)?)?;
    Ok(Arc::new(CoreFileStore(Mutex::new(store))))
}

/// Opens (creating if needed) the core's file store in `dir` **unsealed**
/// (`FileStore::open_unsealed_insecure`): the journal's PANs, field 55 and reversal templates
/// rest in clear on the device. For tests and tools only; a terminal uses [`open_file_store`].
#[uniffi::export]
pub fn open_file_store_unsealed_insecure(dir: String) -> Result<Arc<dyn HostStore>, PoscoreError> {
    let store = poscore::store::file::FileStore::open_unsealed_insecure(&dir)?;
    Ok(Arc::new(CoreFileStore(Mutex::new(store))))
}

/// The name of `key`'s record file inside a file store's directory (for tools and tests).
#[uniffi::export]
pub fn file_store_record_name(key: String) -> String {
    poscore::store::file::record_file_name(&key)
}

/// A communication failure the host loop reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CommFailure {
    /// The connection could not be opened: nothing left the terminal.
    ConnectFailed,
    /// Writing the request failed (treated as "after send").
    SendFailed,
    /// The connection closed or reset while waiting for the answer.
    LineDropped,
    /// TLS handshake refused: the host certificate expired (nothing sent).
    TlsCertificateExpired,
    /// TLS handshake refused: the host certificate does not chain to the configured CA.
    TlsCertificateUntrusted,
    /// TLS handshake refused: no presented key matches a pin.
    TlsPinMismatch,
    /// TLS handshake refused: the certificate names another host.
    TlsNameMismatch,
    /// TLS handshake failed for another reason (version, cipher, client certificate).
    TlsHandshakeFailed,
}

impl From<CommFailure> for CoreCommFailure {
    fn from(f: CommFailure) -> Self {
        match f {
            CommFailure::ConnectFailed => Self::ConnectFailed,
            CommFailure::SendFailed => Self::SendFailed,
            CommFailure::LineDropped => Self::LineDropped,
            CommFailure::TlsCertificateExpired => Self::TlsCertificateExpired,
            CommFailure::TlsCertificateUntrusted => Self::TlsCertificateUntrusted,
            CommFailure::TlsPinMismatch => Self::TlsPinMismatch,
            CommFailure::TlsNameMismatch => Self::TlsNameMismatch,
            CommFailure::TlsHandshakeFailed => Self::TlsHandshakeFailed,
        }
    }
}

/// How the operator resolved an exhausted reversal (T701) after reconciling with the acquirer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReversalResolution {
    /// Deliver it again (the line is back): the attempt count restarts.
    Retry,
    /// The acquirer confirmed the original is not charged: close it without sending.
    ReconciledNotCharged,
}

/// How the card failed after the host approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CardFailure {
    /// The chip could not be read; fall back to the stripe.
    ChipFallback,
    /// The stripe read was bad.
    MagstripeBadRead,
    /// The card was pulled before the chip finished (second GENERATE AC).
    CardRemoved,
    /// The chip declined the host's approval (second GENERATE AC returned AAC).
    ChipDeclined,
}

/// The card's answer to the second GENERATE AC, from the kernel (uppercase hex).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChipResult {
    /// 9F26, the TC or AAC.
    pub cryptogram: String,
    /// 9F27: `40` TC, `00` AAC.
    pub cid: String,
    /// 95.
    pub tvr: Option<String>,
    /// 9B.
    pub tsi: Option<String>,
    /// 9F36.
    pub atc: Option<String>,
    /// DF31, when issuer scripts ran.
    pub script_results: Option<String>,
}

/// What `complete_chip` did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChipOutcome {
    /// The card accepted the approval (TC).
    pub completed: bool,
    /// A reversal now stands for it (the card declined what the host approved).
    pub reversal_pending: bool,
    /// A script result advice (0620) is journaled and on its way.
    pub script_advice: bool,
    /// The diagnosis of a card decline after approval, as JSON.
    pub diagnosis_json: Option<String>,
}

/// Bytes to write to a NEW connection to the acquirer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Transmit {
    /// The whole frame (length, TPDU, header, message).
    pub bytes: Vec<u8>,
    /// The request id it belongs to (null for a reversal or repeat sent on its own).
    pub request: Option<u64>,
    /// MTI sent.
    pub mti: String,
    /// Field 11.
    pub stan: String,
}

type Job = Box<dyn FnOnce(&mut core::Terminal) + Send>;

/// The sans-IO engine. Every method is a quick state change; the app owns socket, clock, thread.
#[derive(uniffi::Object)]
pub struct Terminal {
    jobs: Mutex<Sender<Job>>,
    /// JSON array of what [`Terminal::recover`] found wrong (`[]` otherwise).
    damage_json: String,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Terminal")
    }
}

fn bad_json(what: &str, e: &serde_json::Error) -> PoscoreError {
    PoscoreError::Terminal {
        code: "terminal.bad_request".into(),
        detail: format!("{what} JSON: {e}"),
        diagnosis_json: None,
    }
}

/// A config that does not parse: `terminal.bad_config`, serde's message naming the key
/// (``unknown field `terminalID`, expected one of ...``, ``missing field `terminal_id` ``).
fn bad_config(e: &serde_json::Error) -> PoscoreError {
    PoscoreError::Terminal { code: "terminal.bad_config".into(), detail: format!("config: {e}"), diagnosis_json: None }
}

fn dead() -> PoscoreError {
    PoscoreError::Terminal {
        code: "terminal.halted".into(),
        detail: "the engine thread has stopped".into(),
        diagnosis_json: None,
    }
}

/// The error for `e`, with the engine's diagnosis attached when an operator should see one.
fn engine_error(t: &core::Terminal, e: core::TerminalError) -> PoscoreError {
    with_diagnosis(e, t.registry())
}

/// The error for `e`, with its diagnosis under `registry` attached when an operator should see
/// one (T501, T701, T801, 103).
fn with_diagnosis(e: core::TerminalError, registry: &poscore::response::Registry) -> PoscoreError {
    let diagnosis = e.diagnose(registry).and_then(|d| serde_json::to_string(&d).ok());
    match PoscoreError::from(poscore::Error::from(e)) {
        PoscoreError::Terminal { code, detail, .. } => {
            PoscoreError::Terminal { code, detail, diagnosis_json: diagnosis }
        }
        other => other,
    }
}

impl Terminal {
    /// The engine on its own thread (every call is a job sent to it), over `store`; with
    /// `recover`, through [`core::Terminal::recover`].
    fn spawn(
        config_json: &str,
        tmk: &Key,
        store: Arc<dyn HostStore>,
        seed: Option<u64>,
        now: u64,
        guard: Option<Arc<dyn HostRollbackGuard>>,
        recover: bool,
    ) -> Result<Arc<Self>, PoscoreError> {
        let config: core::Config = serde_json::from_str(config_json).map_err(|e| bad_config(&e))?;
        let tmk = tmk.0.clone();
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("poscore-terminal".into())
            .spawn(move || {
                let rng: Box<dyn Rng> = match seed {
                    Some(s) => Box::new(SeededRng::new(s)),
                    None => Box::new(SystemRng::new()),
                };
                let store = Box::new(ForeignStore(store));
                let guard = guard.map(|g| Box::new(ForeignGuard(g)) as Box<dyn core::RollbackGuard>);
                let opened = match (recover, guard) {
                    (true, guard) => core::Terminal::recover(config, tmk, store, rng, now, guard),
                    (false, Some(g)) => {
                        core::Terminal::with_rollback_guard(config, tmk, store, rng, now, g).map(|t| (t, Vec::new()))
                    }
                    (false, None) => core::Terminal::new(config, tmk, store, rng, now).map(|t| (t, Vec::new())),
                };
                match opened {
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                    Ok((mut t, damage)) => {
                        let _ = ready_tx.send(Ok(serde_json::to_string(&damage).unwrap_or_default()));
                        while let Ok(job) = inbox.recv() {
                            job(&mut t);
                        }
                    }
                }
            })
            .map_err(|e| PoscoreError::Terminal {
                code: "terminal.halted".into(),
                detail: e.to_string(),
                diagnosis_json: None,
            })?;
        // Before an engine exists (a damaged journal) the diagnosis comes from the default registry.
        let damage_json = ready_rx
            .recv()
            .map_err(|_| dead())?
            .map_err(|e| with_diagnosis(e, &poscore::response::Registry::unionpay()))?;
        Ok(Arc::new(Self { jobs: Mutex::new(jobs), damage_json }))
    }

    /// Runs `f` on the engine thread and waits for its answer.
    fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut core::Terminal) -> R + Send + 'static,
    ) -> Result<R, PoscoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |t| {
            let _ = tx.send(f(t));
        });
        self.jobs.lock().map_err(|_| dead())?.send(job).map_err(|_| dead())?;
        rx.recv().map_err(|_| dead())
    }
}

#[uniffi::export]
impl Terminal {
    /// The engine over `store`, loading its journal (`config_json`: the core `Config` with
    /// `snake_case` keys, the identity required, other missing fields default, an unknown key
    /// refused with `terminal.bad_config` naming it; `seed`: deterministic randomness, tests
    /// only; `now`: unix ms).
    ///
    /// `rollback_guard`: the app's monotonic counter, when the platform has one; without it a
    /// restored older copy of the whole journal cannot be detected.
    #[uniffi::constructor(default(seed = None, rollback_guard = None))]
    pub fn new(
        config_json: String,
        tmk: Arc<Key>,
        store: Arc<dyn HostStore>,
        seed: Option<u64>,
        now: u64,
        rollback_guard: Option<Arc<dyn HostRollbackGuard>>,
    ) -> Result<Arc<Self>, PoscoreError> {
        Self::spawn(&config_json, &tmk, store, seed, now, rollback_guard, false)
    }

    /// Opens a journal the constructor refused as damaged (`terminal.journal_damaged`, T801),
    /// once a copy was kept for audit: untrusted records move under `audit/`, the STAN counter
    /// jumps ahead, the keys are dropped (sign on again). [`Terminal::recovery_damage_json`] says
    /// what was wrong.
    #[uniffi::constructor(default(seed = None, rollback_guard = None))]
    pub fn recover(
        config_json: String,
        tmk: Arc<Key>,
        store: Arc<dyn HostStore>,
        seed: Option<u64>,
        now: u64,
        rollback_guard: Option<Arc<dyn HostRollbackGuard>>,
    ) -> Result<Arc<Self>, PoscoreError> {
        Self::spawn(&config_json, &tmk, store, seed, now, rollback_guard, true)
    }

    /// JSON array of what [`Terminal::recover`] found wrong with the journal (`[]` otherwise).
    pub fn recovery_damage_json(&self) -> String {
        self.damage_json.clone()
    }

    /// JSON of the settlement owed to the host (`{batch, totals, uploading, attempts,
    /// exhausted}`), or null when none is.
    pub fn settlement_owed_json(&self) -> Result<Option<String>, PoscoreError> {
        self.call(|t| t.settlement_owed().map(|s| serde_json::to_string(&s).unwrap_or_default()))
    }

    /// JSON of what the host's TMS downloads brought and what reply headers asked for:
    /// `{params, ca_public_keys, aid_params, host_tasks}`.
    pub fn host_data_json(&self) -> Result<String, PoscoreError> {
        self.call(|t| serde_json::to_string(&core::HostDataView::of(t)).unwrap_or_default())
    }

    /// Sets (or, with null, removes) a field 59 entry after A2 (location, SIM ICCID...).
    pub fn set_terminal_info_entry(&self, tag: String, value: Option<String>) -> Result<(), PoscoreError> {
        self.call(move |t| t.set_terminal_info_entry(&tag, value.as_deref()).map_err(|e| engine_error(t, e)))?
    }

    /// Starts a request (core `Request` JSON, tagged by `type`); returns its id.
    pub fn start(&self, request_json: String, now: u64) -> Result<u64, PoscoreError> {
        let request: core::Request = serde_json::from_str(&request_json).map_err(|e| bad_json("request", &e))?;
        self.call(move |t| t.start(request, now).map_err(|e| engine_error(t, e)))?
    }

    /// The next frame to send, on a new connection.
    pub fn poll_transmit(&self) -> Result<Option<Transmit>, PoscoreError> {
        self.call(|t| {
            t.poll_transmit().map(|x| Transmit { bytes: x.bytes, request: x.request, mti: x.mti, stan: x.stan })
        })
    }

    /// Bytes read from the connection, in any chunking.
    pub fn handle_received(&self, bytes: Vec<u8>, now: u64) -> Result<(), PoscoreError> {
        self.call(move |t| t.handle_received(&bytes, now))
    }

    /// When (unix ms) to call [`Terminal::handle_timeout`], if anything waits.
    pub fn poll_timeout(&self) -> Result<Option<u64>, PoscoreError> {
        self.call(|t| t.poll_timeout())
    }

    /// The timer from `poll_timeout` expired.
    pub fn handle_timeout(&self, now: u64) -> Result<(), PoscoreError> {
        self.call(move |t| t.handle_timeout(now))
    }

    /// The connection failed.
    pub fn handle_comm_error(&self, failure: CommFailure, now: u64) -> Result<(), PoscoreError> {
        self.call(move |t| t.handle_comm_error(failure.into(), now))
    }

    /// The next event as JSON (core `Event`, tagged by `type`), if any.
    pub fn poll_event(&self) -> Result<Option<String>, PoscoreError> {
        self.call(|t| t.poll_event().map(|e| serde_json::to_string(&e).unwrap_or_default()))
    }

    /// Sends pending reversals and advice repeats now instead of waiting for the next request.
    pub fn flush_pending(&self, now: u64) -> Result<(), PoscoreError> {
        self.call(move |t| t.flush_pending(now))
    }

    /// Nothing queued or in flight.
    pub fn is_idle(&self) -> Result<bool, PoscoreError> {
        self.call(|t| t.is_idle())
    }

    /// A request was sent and its answer is awaited.
    pub fn awaiting_response(&self) -> Result<bool, PoscoreError> {
        self.call(|t| t.awaiting_response())
    }

    /// Working keys are installed.
    pub fn is_signed_on(&self) -> Result<bool, PoscoreError> {
        self.call(|t| t.is_signed_on())
    }

    /// The open batch number.
    pub fn batch(&self) -> Result<String, PoscoreError> {
        self.call(|t| t.batch().to_owned())
    }

    /// The card failed after the host approved `stan`: the diagnosis as JSON (the shape events
    /// carry); when it says reverse, the approval becomes a pending reversal, sent at once.
    pub fn card_failed_after_approval(
        &self,
        stan: String,
        failure: CardFailure,
        now: u64,
    ) -> Result<String, PoscoreError> {
        use poscore::response::CardReadError as E;
        let error = match failure {
            CardFailure::ChipFallback => E::ChipFallback,
            CardFailure::MagstripeBadRead => E::MagstripeBadRead,
            CardFailure::CardRemoved => E::CardRemoved,
            CardFailure::ChipDeclined => E::ChipDeclined,
        };
        let diagnosis =
            self.call(move |t| t.card_failed_after_approval(&stan, error, now).map_err(|e| engine_error(t, e)))??;
        Ok(serde_json::to_string(&diagnosis).unwrap_or_default())
    }

    /// The card's second GENERATE AC result for the chip transaction `stan`: a TC completes it,
    /// an AAC after an approval is reversed, script results become a 0620 (core `complete_chip`).
    pub fn complete_chip(&self, stan: String, result: ChipResult, now: u64) -> Result<ChipOutcome, PoscoreError> {
        let result = core::ChipCompletion {
            cryptogram: result.cryptogram,
            cid: result.cid,
            tvr: result.tvr,
            tsi: result.tsi,
            atc: result.atc,
            script_results: result.script_results,
        };
        let out = self.call(move |t| t.complete_chip(&stan, &result, now).map_err(|e| engine_error(t, e)))??;
        Ok(ChipOutcome {
            completed: out.completed,
            reversal_pending: out.reversal_pending,
            script_advice: out.script_advice,
            diagnosis_json: out.diagnosis.map(|d| serde_json::to_string(&d).unwrap_or_default()),
        })
    }

    /// The operator's decision on an exhausted reversal (T701).
    pub fn resolve_exhausted_reversal(
        &self,
        stan: String,
        resolution: ReversalResolution,
        now: u64,
    ) -> Result<(), PoscoreError> {
        let resolution = match resolution {
            ReversalResolution::Retry => core::Resolution::Retry,
            ReversalResolution::ReconciledNotCharged => core::Resolution::ReconciledNotCharged,
        };
        self.call(move |t| t.resolve_exhausted_reversal(&stan, resolution, now).map_err(|e| engine_error(t, e)))?
    }

    /// STANs of the journal records still pending or in flight (reversals or repeats owed).
    pub fn pending_stans(&self) -> Result<Vec<String>, PoscoreError> {
        self.call(|t| t.pending().iter().map(|r| r.stan.clone()).collect())
    }

    /// The transaction log: `query_json` is core `LogQuery` JSON (every field optional), the
    /// answer `LogPage` JSON (`{total, offset, entries}`, newest first, cards masked).
    pub fn query_log(&self, query_json: String) -> Result<String, PoscoreError> {
        let q: core::LogQuery = serde_json::from_str(&query_json).map_err(|e| bad_json("log query", &e))?;
        let page = self.call(move |t| t.query_log(&q).map_err(|e| engine_error(t, e)))??;
        Ok(serde_json::to_string(&page).unwrap_or_default())
    }

    /// The terminal totals of the open batch (终端统计) as `SettlementReport` JSON.
    pub fn terminal_totals_report(&self, now: u64) -> Result<String, PoscoreError> {
        let r = self.call(move |t| t.terminal_totals_report(now))?;
        Ok(serde_json::to_string(&r).unwrap_or_default())
    }

    /// The last settlement's report as `SettlementReport` JSON (set `reprint` to reprint it), or
    /// null before the first settlement.
    pub fn last_settlement_report(&self) -> Result<Option<String>, PoscoreError> {
        let r = self.call(|t| t.last_settlement_report().map_err(|e| engine_error(t, e)))??;
        Ok(r.map(|r| serde_json::to_string(&r).unwrap_or_default()))
    }

    /// Sales statistics (`period`: `day`, `week`, `month`; dates `YYYY-MM-DD`) as `StatsReport`
    /// JSON.
    pub fn statistics(&self, period: String, from: String, to: String) -> Result<String, PoscoreError> {
        let period: poscore::report::Period =
            serde_json::from_value(serde_json::Value::String(period)).map_err(|e| bad_json("period", &e))?;
        let r = self.call(move |t| t.statistics(period, &from, &to).map_err(|e| engine_error(t, e)))??;
        Ok(serde_json::to_string(&r).unwrap_or_default())
    }

    /// The audit trail between `from` and `to` (unix ms) as a JSON array: messages with their
    /// send and answer times, and notes (sign-on, settlement, operator decisions, staff alerts).
    pub fn audit_trail(&self, from: u64, to: u64) -> Result<String, PoscoreError> {
        let trail = self.call(move |t| t.audit_trail(from, to).map_err(|e| engine_error(t, e)))??;
        Ok(serde_json::to_string(&trail).unwrap_or_default())
    }

    /// A journaled slip as receipt JSON, for a reprint (render it with `reprint = true`).
    pub fn reprint(&self, stan: String, batch: Option<String>) -> Result<String, PoscoreError> {
        let slip = self.call(move |t| t.reprint(&stan, batch.as_deref()).map_err(|e| engine_error(t, e)))??;
        Ok(serde_json::to_string(&slip).unwrap_or_default())
    }
}
