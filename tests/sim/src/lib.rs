//! `poscore-sim`: an acquirer host for tests and the demo.
//!
//! It speaks the bundled `cup-pos` spec inside the UnionPay frame (2-byte length, TPDU, 6-byte
//! header), in process ([`Acquirer::handle`], [`Acquirer::handle_detailed`]) and over loopback TCP
//! ([`tcp::serve`]). It
//! - issues working keys at sign-on under the TMK it shares with the terminal ([`TEST_TMK`]);
//! - checks request MACs (UnionPay POS ECB under the MAK it issued; bad → `A0`) and PIN blocks
//!   (format 0 under the PIK; wrong PIN → `55`);
//! - keeps a [`Ledger`]: every approval by terminal, batch and STAN, reversals applied
//!   idempotently, net charges per terminal and per account, and the protocol violations a
//!   terminal must never commit (STAN reuse within a batch, a booking or batch upload into a batch
//!   the host already settled, a second settlement of a settled batch; a reversal repeated after
//!   it was acknowledged is counted so the tests can check it). A repeated 0500 of a settled batch
//!   with the same totals is answered balanced again without settling twice;
//! - answers with faults injected from a script or from seeded rates: drop the request, drop the
//!   response, delay, duplicate or late responses, corrupted MAC, wrong STAN, host maintenance
//!   (96/91), declines, refused connection, line drop.
//!
//! Everything random comes from one seed, so a failing schedule replays exactly.

use std::collections::{BTreeMap, VecDeque};

use poscore::iso8583::{FrameConfig, FrameDecoder, Message, MessageRef, Mti, Spec};
use poscore::keys::{build_field62, Algorithm, Key, KeyUsage, WorkingKeys};
use poscore::mac::{MacAlgorithm, Padding};
use poscore::pin::PinFormat;
use poscore::rng::{Rng, SeededRng};
use serde::{Deserialize, Serialize};

pub mod cards;
pub mod issuer;
pub mod journal_scan;
pub mod pair;
pub mod tcp;

/// The published test TMK both sides load (the well-known 2TDEA test key `0123...3210`).
pub const TEST_TMK: &str = "0123456789ABCDEFFEDCBA9876543210";

/// The PIN the simulated issuer accepts for every card unless configured otherwise.
pub const TEST_PIN: &str = "123456";

/// A fault to inject into the handling of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum Fault {
    /// The request is lost before the host sees it: no answer, nothing booked.
    DropRequest,
    /// The host books the request, the answer is lost.
    DropResponse,
    /// The answer comes after `ms` milliseconds (past the terminal's timeout when large).
    Delay {
        /// Delay.
        ms: u64,
    },
    /// The answer is sent twice.
    Duplicate,
    /// The answer is delivered long after the terminal gave up (10 minutes in process; over TCP,
    /// after the terminal closed the connection).
    Late,
    /// The answer's MAC is damaged.
    CorruptMac,
    /// The answer carries another STAN (MAC valid).
    WrongStan,
    /// The host answers with this code without booking anything (96/91 maintenance, 51, 55, 61, 05...).
    Respond {
        /// Field 39.
        code: String,
    },
    /// The connection is refused: nothing reaches the host.
    Refuse,
    /// The host books the request, then the line drops before the answer.
    LineDrop,
    /// Settlement only: report "out of balance" once (forces a batch upload).
    Unbalanced,
    /// Sale or pre-authorisation only: approve `approved` minor units of it (code 10, field 4
    /// the approved amount, field 54 the balance left), when that is less than asked.
    Partial {
        /// Minor units approved.
        approved: u64,
    },
}

impl Fault {
    /// Parses the CLI spelling: `drop_request`, `drop_response`, `delay:MS`, `duplicate`, `late`,
    /// `corrupt_mac`, `wrong_stan`, `code:NN`, `refuse`, `line_drop`, `unbalanced`,
    /// `partial:AMOUNT`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "drop_request" => Self::DropRequest,
            "drop_response" | "timeout" => Self::DropResponse,
            "duplicate" => Self::Duplicate,
            "late" => Self::Late,
            "corrupt_mac" => Self::CorruptMac,
            "wrong_stan" => Self::WrongStan,
            "refuse" => Self::Refuse,
            "line_drop" => Self::LineDrop,
            "unbalanced" => Self::Unbalanced,
            _ => {
                if let Some(ms) = s.strip_prefix("delay:") {
                    Self::Delay { ms: ms.parse().ok()? }
                } else if let Some(a) = s.strip_prefix("partial:") {
                    Self::Partial { approved: a.parse().ok()? }
                } else if let Some(code) = s.strip_prefix("code:") {
                    Self::Respond { code: code.to_owned() }
                } else {
                    return None;
                }
            }
        })
    }
}

/// Parses a fault script, `MTI:FAULT,...` (`0200:drop_response,0400:code:96,late`): each fault
/// applies to the next request of that MTI (any MTI when the prefix is absent).
pub fn parse_script(script: &str) -> Result<Vec<(Option<String>, Fault)>, String> {
    let mut out = Vec::new();
    for item in script.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (mti, f) = match item.split_once(':') {
            Some((m, f)) if m.len() == 4 && m.bytes().all(|b| b.is_ascii_digit()) => (Some(m.to_owned()), f),
            _ => (None, item),
        };
        out.push((mti, Fault::parse(f).ok_or_else(|| format!("unknown fault {f:?}"))?));
    }
    Ok(out)
}

/// Random fault rates (each in 0..=1), drawn per request from the seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultRates {
    /// [`Fault::DropRequest`].
    pub drop_request: f64,
    /// [`Fault::DropResponse`].
    pub drop_response: f64,
    /// [`Fault::Late`] (delivered after the timeout).
    pub late: f64,
    /// [`Fault::Duplicate`].
    pub duplicate: f64,
    /// [`Fault::CorruptMac`].
    pub corrupt_mac: f64,
    /// [`Fault::WrongStan`].
    pub wrong_stan: f64,
    /// [`Fault::Respond`] 96.
    pub host_down: f64,
    /// [`Fault::Refuse`].
    pub refuse: f64,
    /// [`Fault::LineDrop`].
    pub line_drop: f64,
}

impl FaultRates {
    /// Parses the CLI spelling `drop_response=0.05,late=0.03,...` (field names of this struct,
    /// each a probability in 0..=1; unnamed rates are 0).
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut v = serde_json::to_value(Self::default()).map_err(|e| e.to_string())?;
        let obj = v.as_object_mut().ok_or("rates are an object")?;
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (name, rate) = item.split_once('=').ok_or_else(|| format!("{item:?} is not name=rate"))?;
            let rate: f64 = rate.trim().parse().map_err(|_| format!("rate {rate:?} is not a number"))?;
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("rate {name}={rate} is not in 0..=1"));
            }
            let slot = obj.get_mut(name.trim()).ok_or_else(|| format!("unknown rate {name:?}"))?;
            *slot = rate.into();
        }
        serde_json::from_value(v).map_err(|e| e.to_string())
    }
}

/// What the host does with one request frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The connection was refused: the request never arrived.
    Refused,
    /// Silence (request or response lost).
    Nothing,
    /// The host received (and possibly booked) the request, then the line dropped.
    LineDrop,
    /// Frames to deliver, each after a delay in ms.
    Send(Vec<(u64, Vec<u8>)>),
}

/// Delay used for [`Fault::Late`].
pub const LATE_MS: u64 = 600_000;

/// One booked transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    /// Terminal id.
    pub tid: String,
    /// Batch (60.2).
    pub batch: String,
    /// STAN.
    pub stan: String,
    /// `sale`, `void`, `refund`, `pre_auth`, `completion`, `offline_sale`.
    pub kind: String,
    /// Minor units.
    pub amount: u64,
    /// Account (PAN or payment code), as the ledger key.
    pub account: String,
    /// Field 37.
    pub rrn: String,
    /// Field 38.
    pub auth_code: String,
    /// Reversed by a 0400.
    pub reversed: bool,
    /// Voided by an approved void (not reversed).
    pub voided: bool,
    /// For voids: the voided sale's key `(batch, stan)`.
    pub original: Option<(String, String)>,
}

impl Booking {
    /// Signed charge to the cardholder: sales and completions debit, voids and refunds credit,
    /// reversed bookings and pre-authorisations count nothing.
    #[allow(clippy::cast_possible_wrap)]
    pub fn charge(&self) -> i64 {
        if self.reversed {
            return 0;
        }
        match self.kind.as_str() {
            "sale" | "completion" | "offline_sale" => self.amount as i64,
            "void" | "refund" | "completion_void" => -(self.amount as i64),
            _ => 0,
        }
    }
}

/// A request the host refused because a terminal must never send it (see [`Ledger`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Terminal id (41).
    pub tid: String,
    /// The batch the request named (60.2).
    pub batch: String,
    /// Its STAN (11).
    pub stan: String,
    /// Its MTI.
    pub mti: String,
}

/// What the host booked and saw. Serializes to JSON (the `(tid, batch, stan)` map keys are
/// written as `"tid/batch/stan"`), which is how the `poscore-sim` binary dumps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ledger {
    /// Bookings by `(tid, batch, stan)`.
    #[serde(with = "triple_keys")]
    pub bookings: BTreeMap<(String, String, String), Booking>,
    /// 0400s received per original `(tid, batch, stan)`.
    #[serde(with = "triple_keys")]
    pub reversal_requests: BTreeMap<(String, String, String), u32>,
    /// Reversals that changed a booking.
    pub reversals_applied: u32,
    /// A new request reused a STAN already seen in that batch (must stay 0).
    pub stan_reuse: Vec<(String, String, String)>,
    /// Requests seen, by MTI.
    pub requests: BTreeMap<String, u32>,
    /// Settled batches `(tid, batch)`, each once.
    pub settled: Vec<(String, String)>,
    /// Transactions received in batch upload 0320s (60.3 201: each record of field 48; 203 and
    /// 205: one each).
    pub uploaded: u32,
    /// End-of-upload 0320s received (60.3 207 after a balanced settlement, 202 after an
    /// unbalanced one, which is when the host settles the batch on the uploaded details).
    pub upload_ends: u32,
    /// A 0500 for a batch already settled, with the same totals: answered balanced again
    /// (idempotent, nothing recorded twice). How a terminal finds out where the host stands
    /// after a lost 0510.
    pub settlement_repeats: u32,
    /// A 0500 for a batch already settled whose totals differ from what was settled: the
    /// terminal settles a closed batch a second time (must stay empty). Answered `77`.
    pub double_settlements: Vec<Violation>,
    /// A booking request (0100/0200 other than a balance inquiry, 0220, a first-seen 0221) or a
    /// batch upload (0320) naming a batch the host already settled for that terminal (must stay
    /// empty). Answered `77` (batch differs from the host: sign on again), nothing booked.
    pub booked_into_closed_batch: Vec<Violation>,
    /// Script result advices (0620) received per original `(tid, batch, stan)` (61): more than
    /// one is a repeat after a lost answer, answered the same.
    #[serde(with = "triple_keys")]
    pub script_advices: BTreeMap<(String, String, String), u32>,
    /// Chip requests whose ARQC did not verify (answered [`issuer::ARQC_FAILED`]).
    pub arqc_failures: u32,
    /// The application cryptogram (9F26) and its information data (9F27) of each chip upload
    /// (0320, 60.3 203/205), hex: the TC upload the host receives.
    pub uploaded_cryptograms: Vec<(String, String)>,
}

/// Serde for maps keyed by `(tid, batch, stan)`: JSON object keys `"tid/batch/stan"`.
mod triple_keys {
    use std::collections::BTreeMap;

    use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

    type Key = (String, String, String);

    pub fn serialize<V: Serialize, S: Serializer>(m: &BTreeMap<Key, V>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(m.iter().map(|((a, b, c), v)| (format!("{a}/{b}/{c}"), v)))
    }

    pub fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<Key, V>, D::Error> {
        let flat = BTreeMap::<String, V>::deserialize(d)?;
        flat.into_iter()
            .map(|(k, v)| {
                let mut parts = k.splitn(3, '/');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(a), Some(b), Some(c)) => Ok(((a.to_owned(), b.to_owned(), c.to_owned()), v)),
                    _ => Err(D::Error::custom(format!("ledger key {k:?} is not tid/batch/stan"))),
                }
            })
            .collect()
    }
}

impl Ledger {
    /// Net charges (debits minus credits) the host holds for terminal `tid`, all batches.
    pub fn net_for_terminal(&self, tid: &str) -> i64 {
        self.bookings.values().filter(|b| b.tid == tid).map(Booking::charge).sum()
    }

    /// Net charges per account.
    pub fn net_by_account(&self) -> BTreeMap<String, i64> {
        let mut m = BTreeMap::new();
        for b in self.bookings.values() {
            *m.entry(b.account.clone()).or_insert(0) += b.charge();
        }
        m
    }

    /// Approved, unreversed bookings of `(tid, batch)` with a charge.
    pub fn live(&self, tid: &str) -> Vec<&Booking> {
        self.bookings.values().filter(|b| b.tid == tid && !b.reversed && b.charge() != 0).collect()
    }

    /// Net charges per batch for terminal `tid`.
    pub fn net_by_batch(&self, tid: &str) -> BTreeMap<String, i64> {
        let mut m = BTreeMap::new();
        for b in self.bookings.values().filter(|b| b.tid == tid) {
            *m.entry(b.batch.clone()).or_insert(0) += b.charge();
        }
        m
    }

    /// True when the host settled `batch` of terminal `tid`.
    pub fn is_settled(&self, tid: &str, batch: &str) -> bool {
        self.settled.iter().any(|(t, b)| t == tid && b == batch)
    }
}

/// Per-terminal host state.
struct TermKeys {
    keys: WorkingKeys,
    batch: String,
}

/// The simulated acquirer (and issuer).
pub struct Acquirer {
    spec: &'static Spec,
    frame: FrameConfig,
    tmk: Key,
    rng: SeededRng,
    fault_rng: SplitMix,
    terminals: BTreeMap<String, TermKeys>,
    /// Available balance per account (PAN or payment code); unknown accounts get `default_balance`.
    pub balances: BTreeMap<String, u64>,
    /// Balance of an account not in `balances`.
    pub default_balance: u64,
    /// The PIN every card accepts.
    pub pin: String,
    script: VecDeque<(Option<String>, Fault)>,
    /// Random faults.
    pub rates: FaultRates,
    /// Apply random faults to these MTIs only (empty: all).
    pub rate_mtis: Vec<String>,
    /// What was booked.
    pub ledger: Ledger,
    /// Answers already given to advices (0220/0221) by key, for idempotent repeats.
    advice_answers: BTreeMap<(String, String, String), String>,
    seen: BTreeMap<(String, String, String), String>,
    /// Batches whose 0500 was answered unbalanced: settled when their upload ends (202).
    awaiting_upload: BTreeMap<(String, String), String>,
    /// Field 48 totals (both halves, result digits left out) each batch was settled with, by
    /// `(tid, batch)`.
    settled_totals: BTreeMap<(String, String), String>,
    /// When set, the ledger is written here as JSON after every handled request (temp file +
    /// rename, so a reader never sees half a ledger).
    pub ledger_file: Option<std::path::PathBuf>,
    next_rrn: u64,
    /// Log of `(mti, stan, fault, answer code)` lines, for the demo and debugging.
    pub log: Vec<String>,
    /// What the TMS downloads hand out (from `tests/vectors/tms.json`).
    pub tms: TmsData,
    /// Processing requirement nibble to put in the header of the next reply to each terminal
    /// (1 parameters, 2 status, 3 sign on, 4 CA public keys, 5 AIDs), once.
    pub ask: BTreeMap<String, u8>,
    /// The issuer: its master key (the published test IMK) derives each card's keys.
    pub issuer: poscore::emv::Issuer,
    /// An issuer script template (71 or 72, hex) the issuer sends with its next chip approval,
    /// once (the demo's card update).
    pub issuer_script: Option<String>,
    /// Field 59 (terminal information) of each financial request received (0100, 0200, 0220,
    /// 0221), as `(mti, stan, field 59 or None)`, in arrival order.
    pub field59: Vec<(String, String, Option<String>)>,
    /// When set, every reply header carries this application version (header bytes 2 and 4-6)
    /// instead of the terminal's own: a newer one tells the terminal to update.
    pub software_version: Option<[u8; 4]>,
    /// The host is down: every connection is refused (an outage), until set back to `false`.
    pub down: bool,
}

/// The simulator's TMS data: terminal parameters, CA public keys and AIDs, and how many entries
/// a query reply lists at most (small, so the tests see multi-packet lists).
#[derive(Debug, Clone)]
pub struct TmsData {
    /// Parameter download (360) reply.
    pub params: poscore::tms::TerminalParams,
    /// Keys the host lists and hands out.
    pub capks: Vec<poscore::tms::Capk>,
    /// AIDs.
    pub aids: Vec<poscore::tms::AidParams>,
    /// Entries per query reply.
    pub per_query: usize,
    /// Flip one modulus byte of the key with this index when it is downloaded (its checksum then
    /// fails): how a terminal is tested to refuse a corrupted key.
    pub corrupt_capk: Option<u8>,
    /// Download requests (370/380) received.
    pub downloads: u32,
}

impl TmsData {
    /// The published keys, AIDs and parameters of `tests/vectors/tms.json` (the one set of
    /// vectors every suite runs): the valid CA public keys with their published checksums, the
    /// AID entries and the first parameter reply.
    pub fn from_vectors() -> Self {
        let v: serde_json::Value = serde_json::from_str(include_str!("../../vectors/tms.json")).expect("tms.json");
        let hex = |x: &serde_json::Value| {
            poscore::keys::hex_decode(x["hex"].as_str().unwrap_or_default()).unwrap_or_default()
        };
        // One entry per key and per AID (the vectors hold variants of the same AID).
        let mut capks: Vec<poscore::tms::Capk> = Vec::new();
        for c in v["capk"].as_array().into_iter().flatten().filter_map(|c| poscore::tms::Capk::parse(&hex(c)).ok()) {
            if !capks.iter().any(|k| k.rid == c.rid && k.index == c.index) {
                capks.push(c);
            }
        }
        let mut aids: Vec<poscore::tms::AidParams> = Vec::new();
        for a in v["aid"].as_array().into_iter().flatten().filter_map(|a| poscore::tms::AidParams::parse(&hex(a)).ok())
        {
            if !aids.iter().any(|x| x.aid == a.aid) {
                aids.push(a);
            }
        }
        let params = v["params"]
            .as_array()
            .and_then(|p| p.first())
            .and_then(|p| poscore::tms::TerminalParams::parse(&hex(p)).ok())
            .unwrap_or_default();
        Self { params, capks, aids, per_query: 2, corrupt_capk: None, downloads: 0 }
    }
}

impl std::fmt::Debug for Acquirer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acquirer")
            .field("terminals", &self.terminals.len())
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

/// SplitMix64 dice: the simulator's fault dice (independent of the key RNG so scripts do not shift
/// keys), and the schedule dice of the crash tests. Deterministic from its seed.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `p` (0.0–1.0).
    #[allow(clippy::cast_precision_loss)]
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True in `percent` of 100 draws of [`SplitMix::below`].
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn key(m: &Message, spec: &Spec) -> (String, String, String) {
    (
        m.get_str(41).unwrap_or_default().to_owned(),
        m.subfield(spec, 60, 2).unwrap_or("000000").to_owned(),
        m.get_str(11).unwrap_or_default().to_owned(),
    )
}

impl Acquirer {
    /// A host sharing [`TEST_TMK`], deterministic from `seed`.
    pub fn new(seed: u64) -> Self {
        let tmk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::KeyEncryption, TEST_TMK).expect("test TMK");
        Self {
            spec: Spec::bundled("cup-pos").expect("bundled"),
            frame: FrameConfig::cup(),
            tmk,
            rng: SeededRng::new(seed),
            fault_rng: SplitMix(seed ^ 0x5EED),
            terminals: BTreeMap::new(),
            balances: BTreeMap::new(),
            default_balance: 100_000_000,
            pin: TEST_PIN.to_owned(),
            script: VecDeque::new(),
            rates: FaultRates::default(),
            rate_mtis: Vec::new(),
            ledger: Ledger::default(),
            advice_answers: BTreeMap::new(),
            seen: BTreeMap::new(),
            awaiting_upload: BTreeMap::new(),
            settled_totals: BTreeMap::new(),
            ledger_file: None,
            next_rrn: 1,
            log: Vec::new(),
            tms: TmsData::from_vectors(),
            ask: BTreeMap::new(),
            software_version: None,
            field59: Vec::new(),
            issuer_script: None,
            issuer: issuer::test_issuer(),
            down: false,
        }
    }

    /// Injects `fault` into the next request whose MTI is `mti` (any request when `None`).
    pub fn push_fault(&mut self, mti: Option<&str>, fault: Fault) {
        self.script.push_back((mti.map(str::to_owned), fault));
    }

    /// The working keys issued to terminal `tid` at its last sign-on (for tests that craft
    /// requests by hand).
    pub fn working_keys(&self, tid: &str) -> Option<&WorkingKeys> {
        self.terminals.get(tid).map(|t| &t.keys)
    }

    /// Scripted faults not yet used.
    pub fn scripted(&self) -> usize {
        self.script.len()
    }

    /// Drops scripted faults and random rates.
    pub fn clear_faults(&mut self) {
        self.script.clear();
        self.rates = FaultRates::default();
    }

    /// The frame config (UnionPay).
    pub fn frame_config(&self) -> &FrameConfig {
        &self.frame
    }

    /// Handles one request frame, returning the response frames to deliver at once (delays are
    /// ignored; refused, dropped and line-dropped exchanges return nothing).
    pub fn handle(&mut self, frame_bytes: &[u8]) -> Vec<Vec<u8>> {
        match self.handle_detailed(frame_bytes) {
            Reply::Send(v) => v.into_iter().map(|(_, b)| b).collect(),
            _ => Vec::new(),
        }
    }

    /// Handles any number of whole frames in `bytes` (as read from a socket).
    pub fn handle_stream(&mut self, decoder: &mut FrameDecoder, bytes: &[u8]) -> Vec<Reply> {
        decoder.push(bytes);
        let mut out = Vec::new();
        while let Ok(Some(f)) = decoder.next_frame() {
            match self.frame.encode(&f) {
                Ok(b) => out.push(self.handle_detailed(&b)),
                Err(_) => break,
            }
        }
        out
    }

    fn take_fault(&mut self, mti: &str) -> Option<Fault> {
        if let Some(i) = self.script.iter().position(|(m, _)| m.as_deref().is_none_or(|m| m == mti)) {
            return self.script.remove(i).map(|(_, f)| f);
        }
        if !self.rate_mtis.is_empty() && !self.rate_mtis.iter().any(|m| m == mti) {
            return None;
        }
        let r = self.rates.clone();
        let d = &mut self.fault_rng;
        if d.chance(r.refuse) {
            Some(Fault::Refuse)
        } else if d.chance(r.drop_request) {
            Some(Fault::DropRequest)
        } else if d.chance(r.drop_response) {
            Some(Fault::DropResponse)
        } else if d.chance(r.late) {
            Some(Fault::Late)
        } else if d.chance(r.duplicate) {
            Some(Fault::Duplicate)
        } else if d.chance(r.corrupt_mac) {
            Some(Fault::CorruptMac)
        } else if d.chance(r.wrong_stan) {
            Some(Fault::WrongStan)
        } else if d.chance(r.host_down) {
            Some(Fault::Respond { code: "96".into() })
        } else if d.chance(r.line_drop) {
            Some(Fault::LineDrop)
        } else {
            None
        }
    }

    /// Handles one request frame with faults, delays and line events.
    pub fn handle_detailed(&mut self, frame_bytes: &[u8]) -> Reply {
        let reply = self.handle_frame(frame_bytes);
        if let Some(path) = &self.ledger_file {
            if let Err(e) = write_json_atomically(path, &self.ledger) {
                self.log.push(format!("ledger file {}: {e}", path.display()));
            }
        }
        reply
    }

    fn handle_frame(&mut self, frame_bytes: &[u8]) -> Reply {
        let Ok(frame) = self.frame.decode(frame_bytes) else { return Reply::Nothing };
        let Ok(req) = Message::unpack(self.spec, &frame.message) else { return Reply::Nothing };
        let mti = req.mti().to_string();
        let stan = req.get_str(11).unwrap_or_default().to_owned();
        if self.down {
            self.log.push(format!("{mti} {stan} refused (host down)"));
            return Reply::Refused;
        }
        let fault = self.take_fault(&mti);
        match &fault {
            Some(Fault::Refuse) => {
                self.log.push(format!("{mti} {stan} refused"));
                return Reply::Refused;
            }
            Some(Fault::DropRequest) => {
                self.log.push(format!("{mti} {stan} request lost"));
                return Reply::Nothing;
            }
            _ => {}
        }
        *self.ledger.requests.entry(mti.clone()).or_insert(0) += 1;
        if matches!(mti.as_str(), "0100" | "0200" | "0220" | "0221") {
            self.field59.push((mti.clone(), stan.clone(), req.get_str(59).map(str::to_owned)));
        }
        if matches!(mti.as_str(), "0400" | "0401") {
            *self.ledger.reversal_requests.entry(key(&req, self.spec)).or_insert(0) += 1;
        }
        let mut resp = match &fault {
            Some(Fault::Respond { code }) => Self::answer(&req, code),
            _ => self.process(&req, &frame.message, fault.as_ref()),
        };
        let code = resp.get_str(39).unwrap_or_default().to_owned();
        self.log
            .push(format!("{mti} {stan} -> {code}{}", fault.as_ref().map(|f| format!(" [{f:?}]")).unwrap_or_default()));
        if fault == Some(Fault::WrongStan) {
            let s: u32 = stan.parse().unwrap_or(0);
            let _ = resp.set_str(11, &format!("{:06}", (s + 500_000) % 1_000_000));
        }
        self.mac(&req, &mut resp);
        let Ok(mut body) = resp.pack(self.spec) else { return Reply::Nothing };
        if fault == Some(Fault::CorruptMac) && resp.has(64) {
            if let Some(last) = body.last_mut() {
                *last ^= 0x01;
            }
        }
        let mut reply = frame.response(body);
        if reply.header.len() >= 6 {
            let tid = req.get_str(41).unwrap_or_default();
            if let Some(n) = self.ask.remove(tid) {
                reply.header[2] = (reply.header[2] & 0xF0) | (n & 0x0F);
            }
            if let Some(v) = self.software_version {
                reply.header[1] = v[0];
                reply.header[3..6].copy_from_slice(&v[1..]);
            }
        }
        let Ok(bytes) = self.frame.encode(&reply) else { return Reply::Nothing };
        match fault {
            Some(Fault::DropResponse) => Reply::Nothing,
            Some(Fault::LineDrop) => Reply::LineDrop,
            Some(Fault::Delay { ms }) => Reply::Send(vec![(ms, bytes)]),
            Some(Fault::Late) => Reply::Send(vec![(LATE_MS, bytes)]),
            Some(Fault::Duplicate) => Reply::Send(vec![(0, bytes.clone()), (0, bytes)]),
            _ => Reply::Send(vec![(0, bytes)]),
        }
    }

    fn mak(&self, tid: &str) -> Option<&Key> {
        self.terminals.get(tid).map(|t| &t.keys.mak)
    }

    fn mac(&self, req: &Message, resp: &mut Message) {
        let maced = matches!(req.mti().as_str(), "0100" | "0200" | "0220" | "0221" | "0400" | "0401" | "0620");
        let tid = req.get_str(41).unwrap_or_default();
        if !maced || resp.get_str(39) == Some("A0") {
            return;
        }
        if let Some(mak) = self.mak(tid) {
            if let Ok(mab) = resp.mac_block(self.spec) {
                if let Ok(m) = poscore::mac::generate(mak, MacAlgorithm::CupEcb, &mab, Padding::Method1) {
                    let _ = resp.set_bytes(64, m);
                }
            }
        }
    }

    fn answer(req: &Message, code: &str) -> Message {
        let mti_v = req.mti();
        let mti = mti_v.as_str().as_bytes();
        let rmti = format!("{}{}{}0", mti[0] as char, mti[1] as char, (mti[2] | 1) as char);
        let mut r = Message::new(Mti::new(&rmti).expect("valid MTI"));
        for f in [2, 3, 4, 11, 14, 22, 23, 25, 37, 38, 41, 42, 48, 49, 60, 61] {
            if let Some(v) = req.get_bytes(f) {
                let _ = r.set_bytes(f, v.to_vec());
            }
        }
        let _ = r.set_str(39, code);
        r
    }

    fn account(req: &Message) -> String {
        req.get_str(2)
            .map(str::to_owned)
            .or_else(|| req.get_str(35).map(|t| t.split(['=', 'D']).next().unwrap_or("").to_owned()))
            .or_else(|| req.get_str(48).map(str::to_owned))
            .unwrap_or_default()
    }

    fn new_rrn(&mut self) -> (String, String) {
        let n = self.next_rrn;
        self.next_rrn += 1;
        (format!("{n:012}"), format!("{:06}", (n * 7919) % 1_000_000))
    }

    #[allow(clippy::too_many_lines)]
    fn process(&mut self, req: &Message, raw: &[u8], fault: Option<&Fault>) -> Message {
        let mti = req.mti().to_string();
        let tid = req.get_str(41).unwrap_or_default().to_owned();
        let k = key(req, self.spec);
        // STAN reuse: a new original must carry a STAN not yet seen in its batch.
        let original = matches!(mti.as_str(), "0100" | "0200" | "0220" | "0320" | "0500" | "0800" | "0820");
        if original {
            // The same 0500 sent again (same batch and STAN) is a repeat, not a new original.
            let repeat = mti == "0500" && self.seen.get(&k).is_some_and(|m| m == "0500");
            if self.seen.contains_key(&k) && !repeat {
                self.ledger.stan_reuse.push(k.clone());
                return Self::answer(req, "94");
            }
            self.seen.insert(k.clone(), mti.clone());
        }
        // MAC check under the MAK issued at sign-on.
        if matches!(mti.as_str(), "0100" | "0200" | "0220" | "0221" | "0400" | "0401" | "0620") {
            let ok = match (self.mak(&tid), req.get_bytes(64), MessageRef::unpack(self.spec, raw)) {
                (Some(mak), Some(mac), Ok(r)) => r.mac_block(self.spec).ok().is_some_and(|mab| {
                    poscore::mac::verify(mak, MacAlgorithm::CupEcb, mab, Padding::Method1, mac, 8).is_ok()
                }),
                _ => false,
            };
            if !ok {
                return Self::answer(req, "A0");
            }
        }
        let pcode = req.get_str(3).unwrap_or_default().to_owned();
        // A closed batch takes no new bookings: the terminal is behind the host (a lost 0510, a
        // settlement it does not know happened) and must sign on to learn the open batch (77).
        // Reversals of bookings in a settled batch are fine (answered below as always).
        // Batch upload records (0320, 60.3 201 and 205) of the unbalanced path arrive before the
        // host settles; a chip upload after a balanced settlement (203) and the end (207/202) may
        // name the settled batch.
        let upload_code = req.subfield(self.spec, 60, 3).unwrap_or_default().to_owned();
        let books = match mti.as_str() {
            "0100" | "0220" => true,
            "0320" => matches!(upload_code.as_str(), "201" | "205"),
            "0200" => pcode != "310000",
            "0221" => !self.advice_answers.contains_key(&k),
            _ => false,
        };
        if books && self.ledger.is_settled(&tid, &k.1) {
            self.ledger.booked_into_closed_batch.push(Violation {
                tid: tid.clone(),
                batch: k.1.clone(),
                stan: k.2.clone(),
                mti: mti.clone(),
            });
            return Self::answer(req, "77");
        }
        let cond = req.get_str(25).unwrap_or_default().to_owned();
        let amount: u64 = req.get_str(4).and_then(|a| a.parse().ok()).unwrap_or(0);
        let account = Self::account(req);
        let nmi = req.subfield(self.spec, 60, 3).unwrap_or_default().to_owned();
        if matches!(mti.as_str(), "0800" | "0820")
            && matches!(nmi.as_str(), "301" | "360" | "362" | "370" | "371" | "372" | "380" | "381" | "382")
        {
            return self.manage(req, &nmi);
        }
        match mti.as_str() {
            "0800" => {
                let mut keybytes = [0u8; 32];
                let _ = self.rng.fill(&mut keybytes);
                let pik = Key::dangerous_from_bytes(Algorithm::Tdes2, KeyUsage::PinEncryption, &keybytes[..16])
                    .expect("16 bytes");
                let mak =
                    Key::dangerous_from_bytes(Algorithm::Tdes2, KeyUsage::MacBoth, &keybytes[16..]).expect("16 bytes");
                let keys = WorkingKeys { pik, mak, tdk: None };
                let f62 = build_field62(&self.tmk, &keys).expect("2TDEA keys");
                let batch = self
                    .terminals
                    .get(&tid)
                    .map_or_else(|| req.subfield(self.spec, 60, 2).unwrap_or("000001").to_owned(), |t| t.batch.clone());
                self.terminals.insert(tid, TermKeys { keys, batch: batch.clone() });
                let mut r = Self::answer(req, "00");
                let _ = r.set_str(60, &format!("00{batch}003"));
                let _ = r.set_bytes(62, f62);
                r
            }
            "0820" => Self::answer(req, "00"),
            "0400" | "0401" => {
                let Some(b) = self.ledger.bookings.get(&k).cloned() else { return Self::answer(req, "25") };
                if !b.reversed {
                    if let Some(bk) = self.ledger.bookings.get_mut(&k) {
                        bk.reversed = true;
                    }
                    self.ledger.reversals_applied += 1;
                    match b.kind.as_str() {
                        "sale" | "completion" => {
                            *self.balances.entry(b.account.clone()).or_insert(self.default_balance) += b.amount;
                        }
                        "refund" => {
                            let bal = self.balances.entry(b.account.clone()).or_insert(self.default_balance);
                            *bal = bal.saturating_sub(b.amount);
                        }
                        "void" | "completion_void" | "pre_auth_void" => {
                            if let Some((ob, os)) = &b.original {
                                if let Some(o) = self.ledger.bookings.get_mut(&(b.tid.clone(), ob.clone(), os.clone()))
                                {
                                    o.voided = false;
                                }
                            }
                            if b.kind != "pre_auth_void" {
                                let bal = self.balances.entry(b.account.clone()).or_insert(self.default_balance);
                                *bal = bal.saturating_sub(b.amount);
                            }
                        }
                        _ => {}
                    }
                }
                Self::answer(req, "00")
            }
            "0220" | "0221" => {
                if let Some(code) = self.advice_answers.get(&k).cloned() {
                    let mut r = Self::answer(req, &code);
                    if let Some(b) = self.ledger.bookings.get(&k) {
                        let _ = r.set_str(38, &b.auth_code);
                        let _ = r.set_str(37, &b.rrn);
                    }
                    return r;
                }
                if mti == "0221" {
                    // A repeat of an advice never seen: handled as the original.
                    self.seen.insert(k.clone(), mti.clone());
                }
                if matches!(req.subfield(self.spec, 60, 1), Some("36" | "30")) {
                    return self.offline_advice(req, &k, amount, &account);
                }
                let rrn = req.get_str(37).unwrap_or_default();
                let original = self
                    .ledger
                    .bookings
                    .values()
                    .find(|b| b.rrn == rrn && !b.reversed && !b.voided && b.kind == "sale")
                    .cloned();
                let code = match &original {
                    None => "25",
                    Some(o) => {
                        let refunded: u64 = self
                            .ledger
                            .bookings
                            .values()
                            .filter(|b| {
                                b.kind == "refund"
                                    && !b.reversed
                                    && b.original.as_ref().is_some_and(|(_, r)| r == &o.rrn)
                            })
                            .map(|b| b.amount)
                            .sum();
                        if refunded + amount > o.amount {
                            "61"
                        } else {
                            "00"
                        }
                    }
                };
                self.advice_answers.insert(k.clone(), code.to_owned());
                let mut r = Self::answer(req, code);
                if code == "00" {
                    let (new_rrn, auth) = self.new_rrn();
                    *self.balances.entry(account.clone()).or_insert(self.default_balance) += amount;
                    self.book(&k, "refund", amount, &account, &new_rrn, &auth, original.map(|o| (o.batch, o.rrn)));
                    let _ = r.set_str(37, &new_rrn);
                    let _ = r.set_str(38, &auth);
                    let _ = r.set_str(63, card_org(&account));
                }
                r
            }
            "0620" => {
                // Script result advice: 61 = the original's batch + STAN + MMDD.
                let f61 = req.get_str(61).unwrap_or_default();
                let original =
                    (tid.clone(), f61.get(..6).unwrap_or("").to_owned(), f61.get(6..12).unwrap_or("").to_owned());
                *self.ledger.script_advices.entry(original).or_insert(0) += 1;
                Self::answer(req, "00")
            }
            "0320" => {
                match upload_code.as_str() {
                    "201" => {
                        let n: u32 = req.get_str(48).and_then(|f| f.get(..2)).and_then(|n| n.parse().ok()).unwrap_or(0);
                        self.ledger.uploaded += n;
                    }
                    "203" | "205" => {
                        self.ledger.uploaded += 1;
                        if let Some(items) = req.get_bytes(55).and_then(|f| poscore::tlv::decode(f).ok()) {
                            let get = |t: u32| {
                                poscore::tlv::find(&items, poscore::tlv::Tag(t))
                                    .and_then(|x| x.bytes())
                                    .map(poscore::keys::hex_encode)
                                    .unwrap_or_default()
                            };
                            self.ledger.uploaded_cryptograms.push((get(0x9F26), get(0x9F27)));
                        }
                    }
                    "202" | "207" => {
                        self.ledger.upload_ends += 1;
                        let bk = (tid.clone(), k.1.clone());
                        if let Some(totals) = self.awaiting_upload.remove(&bk) {
                            // Unbalanced: the host settles on the uploaded details.
                            self.settle(&tid, &k.1, totals);
                        }
                    }
                    _ => return Self::answer(req, "12"),
                }
                Self::answer(req, "00")
            }
            "0500" => {
                let batch = k.1.clone();
                let theirs = req.get_str(48).unwrap_or_default();
                // Both halves without their result digits (offsets 30 and 61).
                let their_totals: String =
                    theirs.chars().enumerate().filter(|(i, _)| *i != 30 && *i != 61).map(|(_, c)| c).collect();
                let with_results = |dom: char, forn: char| {
                    let mut f48: Vec<char> = format!("{theirs:0<62}").chars().collect();
                    f48[30] = dom;
                    f48[61] = forn;
                    f48.into_iter().collect::<String>()
                };
                if let Some(settled) = self.settled_totals.get(&(tid.clone(), batch.clone())) {
                    if *settled != their_totals {
                        self.ledger.double_settlements.push(Violation {
                            tid: tid.clone(),
                            batch: batch.clone(),
                            stan: k.2.clone(),
                            mti: mti.clone(),
                        });
                        return Self::answer(req, "77");
                    }
                    // A repeat of a settlement the host already made: balanced again, once booked.
                    self.ledger.settlement_repeats += 1;
                    let mut r = Self::answer(req, "00");
                    let _ = r.set_str(48, &with_results('1', '1'));
                    return r;
                }
                let half = |foreign: bool| {
                    let mut t = (0u64, 0u32, 0u64, 0u32);
                    for b in self.ledger.bookings.values().filter(|b| {
                        b.tid == tid && b.batch == batch && !b.reversed && (card_org(&b.account) != "CUP") == foreign
                    }) {
                        match b.kind.as_str() {
                            "sale" | "completion" | "offline_sale" => {
                                t.0 += b.amount;
                                t.1 += 1;
                            }
                            "void" | "refund" | "completion_void" => {
                                t.2 += b.amount;
                                t.3 += 1;
                            }
                            _ => {}
                        }
                    }
                    format!("{:012}{:03}{:012}{:03}", t.0, t.1, t.2, t.3)
                };
                let (dom, forn) = (half(false), half(true));
                let forced = fault == Some(&Fault::Unbalanced);
                let dom_ok = !forced && theirs.get(..30) == Some(dom.as_str());
                let forn_ok = theirs.get(31..61) == Some(forn.as_str());
                let digit = |ok: bool| if ok { '1' } else { '2' };
                let mut r = Self::answer(req, "00");
                let _ = r.set_str(48, &with_results(digit(dom_ok), digit(forn_ok)));
                if dom_ok && forn_ok {
                    self.settle(&tid, &batch, their_totals);
                } else {
                    self.awaiting_upload.insert((tid.clone(), batch.clone()), their_totals);
                }
                r
            }
            "0100" | "0200" => {
                // PIN check (format 0 under the PIK).
                if let Some(block) = req.get_bytes(52) {
                    let pik = &self.terminals[&tid].keys.pik;
                    let ok = poscore::pin::decrypt_pin(pik, PinFormat::Iso0, block, Some(&account))
                        .is_ok_and(|p| p.dangerous_reveal() == self.pin);
                    if !ok {
                        return Self::answer(req, "55");
                    }
                }
                let kind = match (mti.as_str(), pcode.as_str(), cond.as_str()) {
                    ("0100", "030000", _) => "pre_auth",
                    ("0100", "200000", _) => "pre_auth_void",
                    ("0200", "200000", "06") => "completion_void",
                    ("0200", "000000", "06") => "completion",
                    ("0200", "000000", _) => "sale",
                    ("0200", "200000", _) => "void",
                    ("0200", "310000", _) => "balance",
                    _ => return Self::answer(req, "12"),
                };
                // The issuer checks the card's ARQC (CVN 10 and 18) before anything else.
                let chip = match req.get_bytes(55) {
                    Some(f55) => match issuer::check(&self.issuer, &account, req.get_str(23), f55) {
                        issuer::Check::Verified(c) => Some(c),
                        issuer::Check::Unverifiable => None,
                        issuer::Check::Failed => {
                            self.ledger.arqc_failures += 1;
                            return Self::answer(req, issuer::ARQC_FAILED);
                        }
                    },
                    _ => None,
                };
                let balance = *self.balances.get(&account).unwrap_or(&self.default_balance);
                match kind {
                    "balance" => {
                        let mut r = Self::answer(req, "00");
                        let _ = r.set_str(54, &format!("1002156C{balance:012}"));
                        r
                    }
                    "sale" | "completion" | "pre_auth" => {
                        let partial = match fault {
                            Some(Fault::Partial { approved }) if kind != "completion" && *approved < amount => {
                                Some(*approved)
                            }
                            _ => None,
                        };
                        let booked = partial.unwrap_or(amount);
                        if booked > balance {
                            return Self::answer(req, "51");
                        }
                        let (rrn, auth) = self.new_rrn();
                        if kind != "pre_auth" {
                            self.balances.insert(account.clone(), balance - booked);
                        }
                        self.book(&k, kind, booked, &account, &rrn, &auth, None);
                        let mut r = Self::answer(req, if partial.is_some() { "10" } else { "00" });
                        if partial.is_some() {
                            let _ = r.set_str(4, &format!("{booked:012}"));
                            let _ = r.set_str(54, &format!("1002156C{:012}", balance - booked));
                        }
                        let _ = r.set_str(37, &rrn);
                        let _ = r.set_str(38, &auth);
                        let _ = r.set_str(63, card_org(&account));
                        if req.has(55) {
                            // The issuer's answer for the card: the ARPC (91), the response code
                            // (8A) and any script.
                            let mut f55 =
                                chip.as_ref().and_then(|c| issuer::arpc_91(&self.issuer, c)).unwrap_or_default();
                            f55.extend(poscore::keys::hex_decode("8A023030").unwrap_or_default());
                            if let Some(s) = self.issuer_script.take().and_then(|s| poscore::keys::hex_decode(&s).ok())
                            {
                                f55.extend(s);
                            }
                            let _ = r.set_bytes(55, f55);
                        }
                        r
                    }
                    _ => {
                        // void, pre-auth void, completion void: 61 = original batch + STAN.
                        let original_kind = match kind {
                            "pre_auth_void" => "pre_auth",
                            "completion_void" => "completion",
                            _ => "sale",
                        };
                        let f61 = req.get_str(61).unwrap_or_default();
                        let ok_key = (
                            tid.clone(),
                            f61.get(..6).unwrap_or("").to_owned(),
                            f61.get(6..12).unwrap_or("").to_owned(),
                        );
                        let Some(o) = self.ledger.bookings.get(&ok_key).cloned() else {
                            return Self::answer(req, "25");
                        };
                        if o.reversed || o.voided || o.kind != original_kind {
                            return Self::answer(req, "12");
                        }
                        if o.amount != amount {
                            return Self::answer(req, "64");
                        }
                        if let Some(b) = self.ledger.bookings.get_mut(&ok_key) {
                            b.voided = true;
                        }
                        if kind != "pre_auth_void" {
                            *self.balances.entry(o.account.clone()).or_insert(self.default_balance) += amount;
                        }
                        let (rrn, auth) = self.new_rrn();
                        self.book(&k, kind, amount, &o.account, &rrn, &auth, Some((ok_key.1, ok_key.2)));
                        let mut r = Self::answer(req, "00");
                        let _ = r.set_str(37, &rrn);
                        let _ = r.set_str(38, &auth);
                        let _ = r.set_str(63, card_org(&o.account));
                        r
                    }
                }
            }
            _ => Self::answer(req, "12"),
        }
    }

    /// Network management other than sign-on and sign-off: echo test, TMS downloads, status
    /// upload (see `poscore::tms`).
    fn manage(&mut self, req: &Message, nmi: &str) -> Message {
        use poscore::tms::{self, Continuation};
        let f62 = req.get_bytes(62).unwrap_or_default().to_vec();
        let mut r = Self::answer(req, "00");
        let reply62: Option<Vec<u8>> = match nmi {
            "360" => self.tms.params.encode().ok(),
            "372" | "382" => {
                // "1" + the count already received.
                let from: usize = std::str::from_utf8(f62.get(1..3).unwrap_or_default())
                    .ok()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let total = if nmi == "372" { self.tms.capks.len() } else { self.tms.aids.len() };
                let to = (from + self.tms.per_query.max(1)).min(total);
                let cont = if from >= total {
                    Continuation::Last
                } else if to < total {
                    Continuation::MoreQuery
                } else {
                    Continuation::MorePackets
                };
                if nmi == "372" {
                    let keys: Vec<_> = self
                        .tms
                        .capks
                        .get(from..to)
                        .unwrap_or_default()
                        .iter()
                        .map(poscore::tms::Capk::key_ref)
                        .collect();
                    tms::encode_capk_query(cont, &keys).ok()
                } else {
                    let aids: Vec<String> =
                        self.tms.aids.get(from..to).unwrap_or_default().iter().map(|a| a.aid.clone()).collect();
                    tms::encode_aid_query(cont, &aids).ok()
                }
            }
            "370" => {
                self.tms.downloads += 1;
                let wanted = poscore::tlv::decode(&f62).ok();
                let find = |tag: &str| {
                    let t = poscore::tlv::Tag::parse(tag)?;
                    wanted.as_ref().and_then(|w| poscore::tlv::find(w, t)).and_then(|x| x.bytes()).map(<[u8]>::to_vec)
                };
                let (rid, index) = (find("9F06").map(|b| poscore::keys::hex_encode(&b)), find("9F22"));
                let key = self
                    .tms
                    .capks
                    .iter()
                    .find(|k| Some(&k.rid) == rid.as_ref() && index.as_deref() == Some(&[k.index][..]))
                    .cloned();
                let mut out = tms::encode_capk_download(key.as_ref()).ok();
                if let (Some(k), Some(bytes)) = (&key, out.as_mut()) {
                    if self.tms.corrupt_capk == Some(k.index) {
                        // Flip a byte inside the modulus (DF02), past the header tags.
                        let at = bytes.len() / 2;
                        bytes[at] ^= 0x01;
                    }
                }
                out
            }
            "380" => {
                self.tms.downloads += 1;
                let aid = poscore::tlv::decode(&f62)
                    .ok()
                    .and_then(|w| w.first().and_then(|x| x.bytes()).map(poscore::keys::hex_encode));
                let params = self.tms.aids.iter().find(|a| Some(&a.aid) == aid.as_ref()).cloned();
                tms::encode_aid_download(params.as_ref()).ok()
            }
            // 301 echo, 362 status, 371/381 ends: nothing in 62.
            _ => None,
        };
        if let Some(v) = reply62 {
            let _ = r.set_bytes(62, v);
        }
        r
    }

    /// The host settles `batch` of `tid`: recorded once, and the terminal's next batch opens.
    fn settle(&mut self, tid: &str, batch: &str, totals: String) {
        self.ledger.settled.push((tid.to_owned(), batch.to_owned()));
        self.settled_totals.insert((tid.to_owned(), batch.to_owned()), totals);
        if let Some(tk) = self.terminals.get_mut(tid) {
            let n: u32 = batch.parse().unwrap_or(0) % 999_999 + 1;
            tk.batch = format!("{n:06}");
        }
    }

    /// An offline sale's advice (0220/0221, 60.1 = 36 IC offline purchase, 30 offline
    /// settlement), first seen: the issuer checks the card's TC like an ARQC (a forged or damaged
    /// one is declined: the merchant's loss) and the balance (51), then books it. The answer is
    /// kept, so a repeat gets the same one and books nothing.
    fn offline_advice(&mut self, req: &Message, k: &(String, String, String), amount: u64, account: &str) -> Message {
        let verified = req.get_bytes(55).is_none_or(|f55| {
            !matches!(issuer::check(&self.issuer, account, req.get_str(23), f55), issuer::Check::Failed)
        });
        let balance = *self.balances.get(account).unwrap_or(&self.default_balance);
        let code = if !verified {
            self.ledger.arqc_failures += 1;
            issuer::ARQC_FAILED
        } else if amount > balance {
            "51"
        } else {
            "00"
        };
        self.advice_answers.insert(k.clone(), code.to_owned());
        let mut r = Self::answer(req, code);
        if code == "00" {
            let (rrn, generated) = self.new_rrn();
            let auth = req.get_str(38).map_or(generated, str::to_owned);
            self.balances.insert(account.to_owned(), balance - amount);
            self.book(k, "offline_sale", amount, account, &rrn, &auth, None);
            let _ = r.set_str(37, &rrn);
            let _ = r.set_str(38, &auth);
            let _ = r.set_str(63, card_org(account));
        }
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn book(
        &mut self,
        k: &(String, String, String),
        kind: &str,
        amount: u64,
        account: &str,
        rrn: &str,
        auth: &str,
        original: Option<(String, String)>,
    ) {
        self.ledger.bookings.insert(
            k.clone(),
            Booking {
                tid: k.0.clone(),
                batch: k.1.clone(),
                stan: k.2.clone(),
                kind: kind.to_owned(),
                amount,
                account: account.to_owned(),
                rrn: rrn.to_owned(),
                auth_code: auth.to_owned(),
                reversed: false,
                voided: false,
                original,
            },
        );
    }
}

/// The card organisation the host names in 63.1 of an approval: UnionPay (`CUP`) for UnionPay
/// BINs (62...) and payment codes, the international brand for the test cards of other schemes
/// (`VIS` 4, `MCC` 51-55 and 2221-2720, `JCB` 3528-3589, `AEX` 34/37). Foreign cards (外卡) are
/// settled in the second half of field 48.
pub fn card_org(account: &str) -> &'static str {
    let p = |n: usize| account.get(..n).and_then(|d| d.parse::<u32>().ok()).unwrap_or(0);
    // An 18-digit WeChat Pay (10-15) or Alipay (25-30) payment code is not a card.
    if account.len() == 18 && matches!(p(2), 10..=15 | 25..=30) {
        return "CUP";
    }
    match account.len() {
        13..=19 if account.starts_with('4') => "VIS",
        13..=19 if (51..=55).contains(&p(2)) || (2221..=2720).contains(&p(4)) => "MCC",
        13..=19 if (3528..=3589).contains(&p(4)) => "JCB",
        13..=19 if matches!(p(2), 34 | 37) => "AEX",
        _ => "CUP",
    }
}

/// Writes `value` as JSON to `path` atomically: a temp file beside it, then a rename.
pub fn write_json_atomically(path: &std::path::Path, value: &impl Serialize) -> std::io::Result<()> {
    let json = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}
