//! `poscore-crash-terminal`: a real terminal process for the black-box crash test
//! (`tests/kill9.rs`, `scripts/crash-long`), meant to be killed with `kill -9` at any moment.
//!
//! ```text
//! poscore-crash-terminal run      --dir D --port P --seed S [--ops N] [--tls-ca CA.pem]
//! poscore-crash-terminal quiesce  --dir D --port P [--tls-ca CA.pem]
//! poscore-crash-terminal report   --dir D
//! ```
//! The journal is a sealed `FileStore` in `D` (fixed test sealing key [`SEALING_KEY`]); the
//! engine runs over the std TCP driver against the simulator on `127.0.0.1:P`, with the
//! simulations' configuration (`poscore_sim::pair::test_config`) and short real-time timers.
//! With `--tls-ca` every connection is TLS, the simulator's certificate verified against that CA
//! (`poscore-sim --tls-cert`), so the kill test runs over TLS too.
//!
//! - `run`: starts from the journal and executes `N` (default unbounded) random requests drawn
//!   from seed `S`: sign-on whenever not signed on, sales by chip, contactless, magstripe and
//!   payment codes (5% with a wrong PIN), voids, refunds, pre-authorisations, completions and
//!   their voids, balance inquiries, offline sales the card approved (stored, then forwarded as
//!   advices), settlement about 1 in 15; after a chip approval, sometimes the card's second
//!   GENERATE AC (`complete_chip`: a TC, or an AAC that reverses it, with or without script
//!   results that owe the host a 0620). Exhausted reversals are resolved
//!   with `Retry`; an exhausted owed settlement is settled again. One JSON line per request and
//!   per event on stdout, flushed at once.
//! - `quiesce`: starts from the journal and delivers everything owed to the host (signs on when
//!   needed, resolves exhausted reversals with `Retry`, flushes pending reversals and repeats,
//!   and settles again when an owed settlement is exhausted); exits 0 when nothing is pending
//!   and no settlement is owed, 1 when something still is after 20 rounds.
//! - `report`: one JSON object: the open batch, every journal record (status, amount), the
//!   approved totals and net per batch and over all batches, the pending and reversed records,
//!   the settlement still owed, and a scan of every raw journal value (read through the store
//!   API, after unsealing) for track 2 data (fields 35/36, `PAN=YYMM` / `PAN D YYMM` shapes with
//!   a Luhn-valid PAN), the full PANs of the test cards and PIN blocks (field 52). Card numbers
//!   found are printed masked.
//!
//! Exit codes: 0 done, 1 quiesce left something pending, 2 usage or journal unusable, 3 the
//! engine halted on a journal failure.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use poscore::rng::SeededRng;
use poscore::store::file::FileStore;
use poscore::store::record::SealingKey;
use poscore::terminal::driver::tls::{TlsConnector, TlsOptions};
use poscore::terminal::driver::{now_ms, TcpDriver};
use poscore::terminal::{Config, Event, PinInput, Request, Resolution, Terminal, TerminalError};
use poscore::terminal::{TxnKind, TxnStatus};
use poscore_sim::cards::{self, chip, pin};
use poscore_sim::SplitMix as Dice;
use serde_json::{json, Value};

/// The fixed test sealing key of the crash-test journals (test only, never a real key).
pub const SEALING_KEY: [u8; 32] = *b"poscore-kill9-test-sealing-key!!";

/// The simulations' configuration with real-time timers short enough for many runs a minute.
fn config() -> Config {
    Config {
        response_timeout_ms: 300,
        reversal_backoff_ms: 100,
        reversal_idle_delay_ms: 1_000,
        ..poscore_sim::pair::test_config()
    }
}

struct Args {
    mode: String,
    dir: PathBuf,
    port: u16,
    seed: u64,
    ops: u64,
    /// PEM of the CA the simulator's TLS certificate chains to; plain TCP without it.
    tls_ca: Option<Vec<u8>>,
}

fn main() {
    let mut it = std::env::args().skip(1);
    let mode = it.next().unwrap_or_else(|| die("usage: poscore-crash-terminal run|quiesce|report --dir D ..."));
    let mut args = Args { mode, dir: PathBuf::new(), port: 0, seed: 1, ops: u64::MAX, tls_ca: None };
    while let Some(a) = it.next() {
        let mut val = |name: &str| it.next().unwrap_or_else(|| die(&format!("{name} needs a value")));
        match a.as_str() {
            "--dir" => args.dir = PathBuf::from(val("--dir")),
            "--port" => args.port = val("--port").parse().unwrap_or_else(|_| die("bad --port")),
            "--seed" => args.seed = val("--seed").parse().unwrap_or_else(|_| die("bad --seed")),
            "--ops" => args.ops = val("--ops").parse().unwrap_or_else(|_| die("bad --ops")),
            "--tls-ca" => {
                let path = val("--tls-ca");
                args.tls_ca = Some(std::fs::read(&path).unwrap_or_else(|e| die(&format!("--tls-ca {path}: {e}"))));
            }
            other => die(&format!("unknown argument {other:?}")),
        }
    }
    if args.dir.as_os_str().is_empty() {
        die("--dir is required");
    }
    let code = match args.mode.as_str() {
        "run" => run(&args),
        "quiesce" => quiesce(&args),
        "report" => report(&args.dir),
        other => die(&format!("unknown mode {other:?} (run, quiesce, report)")),
    };
    std::process::exit(code);
}

fn die(msg: &str) -> ! {
    eprintln!("poscore-crash-terminal: {msg}");
    std::process::exit(2);
}

/// One line on stdout, flushed (the process may be killed right after).
fn out(v: &Value) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{v}");
    let _ = o.flush();
}

fn open_store(dir: &Path) -> FileStore {
    FileStore::open_sealed(dir, SealingKey::from_bytes(SEALING_KEY))
        .unwrap_or_else(|e| die(&format!("journal {}: {} ({e})", dir.display(), e.code())))
}

fn open_terminal(store: FileStore, seed: u64) -> Terminal {
    Terminal::new(config(), poscore_sim::pair::tmk(), Box::new(store), Box::new(SeededRng::new(seed)), now_ms())
        .unwrap_or_else(|e| die(&format!("terminal from the journal: {} ({e})", e.code())))
}

fn driver(a: &Args) -> TcpDriver {
    let addr = SocketAddr::from(([127, 0, 0, 1], a.port));
    let mut d = match &a.tls_ca {
        None => TcpDriver::new(addr),
        Some(ca) => {
            let opts = TlsOptions { ca_pem: Some(ca.clone()), ..TlsOptions::default() };
            let connector = TlsConnector::new(&opts, "127.0.0.1").unwrap_or_else(|e| die(&format!("--tls-ca: {e}")));
            TcpDriver::with_tls(addr, connector)
        }
    };
    d.connect_timeout = Duration::from_secs(2);
    d
}

/// An event as one line: its JSON without the long diagnosis texts and the receipt.
fn print_event(e: &Event) {
    let mut v = serde_json::to_value(e).unwrap_or_else(|_| json!({ "type": "unprintable" }));
    if let Some(o) = v.as_object_mut() {
        o.remove("diagnosis");
        o.remove("receipt");
    }
    out(&v);
}

fn halted(e: &TerminalError) -> bool {
    matches!(e, TerminalError::Halted { .. } | TerminalError::Store(_))
}

/// Resolves every exhausted reversal with `Retry` (the line is back, try again).
fn resolve_exhausted(t: &mut Terminal) -> Result<(), TerminalError> {
    let exhausted: Vec<String> =
        t.pending().iter().filter(|r| r.status == TxnStatus::Exhausted).map(|r| r.stan.clone()).collect();
    for stan in exhausted {
        t.resolve_exhausted_reversal(&stan, Resolution::Retry, now_ms())?;
        out(&json!({ "type": "resolve", "stan": stan, "resolution": "retry" }));
    }
    Ok(())
}

fn run(a: &Args) -> i32 {
    let mut t = open_terminal(open_store(&a.dir), a.seed);
    let mut drv = driver(a);
    out(&json!({ "type": "start", "mode": "run", "seed": a.seed, "batch": t.batch(), "signed_on": t.is_signed_on(),
                 "pending": t.pending().len() }));
    // Whatever the restart queued (reversals due at once) goes out now.
    drv.run_until_idle(&mut t, &mut print_event);
    let mut d = Dice(a.seed);
    let mut op = 0u64;
    while op < a.ops {
        op += 1;
        if let Err(e) = resolve_exhausted(&mut t) {
            out(&json!({ "type": "halted", "error": e.code(), "message": e.to_string() }));
            return 3;
        }
        let request = if !t.is_signed_on() {
            Request::SignOn
        } else if t.settlement_owed().is_some_and(|s| s.exhausted) {
            Request::Settle // the operator settles again
        } else {
            random_request(&mut d, &t)
        };
        let kind = request.kind();
        match t.start(request, now_ms()) {
            Ok(id) => {
                out(&json!({ "type": "request", "op": op, "id": id, "kind": kind, "batch": t.batch() }));
                let mut approved_chip = None;
                drv.run_until_idle(&mut t, &mut |e| {
                    if let Event::Approved { stan, kind: TxnKind::Sale, issuer_response: Some(_), .. } = e {
                        approved_chip = Some(stan.clone());
                    }
                    print_event(e);
                });
                // The card's second GENERATE AC for a chip approval, now and then: a TC, an AAC
                // (the approval is reversed), with or without issuer script results (a 0620 is then
                // owed). Journaled like the rest, so a kill right after must lose nothing.
                if let Some(stan) = approved_chip.filter(|_| d.percent(40)) {
                    let done = poscore::terminal::ChipCompletion {
                        cryptogram: "1122334455667788".into(),
                        cid: if d.percent(15) { "00" } else { "40" }.into(),
                        tvr: Some("0000000000".into()),
                        tsi: Some("F800".into()),
                        atc: Some("0002".into()),
                        script_results: d.percent(50).then(|| "2000000001".into()),
                    };
                    match t.complete_chip(&stan, &done, now_ms()) {
                        Ok(o) => {
                            out(&json!({ "type": "chip_completed", "stan": stan, "outcome": format!("{o:?}") }));
                            drv.run_until_idle(&mut t, &mut print_event);
                        }
                        Err(e) if halted(&e) => return 3,
                        Err(e) => {
                            out(&json!({ "type": "refused", "op": op, "kind": "complete_chip", "error": e.code() }));
                        }
                    }
                }
            }
            Err(e) => {
                out(&json!({ "type": "refused", "op": op, "kind": kind, "error": e.code() }));
                if halted(&e) {
                    return 3;
                }
            }
        }
    }
    out(&json!({ "type": "done", "ops": op }));
    0
}

fn quiesce(a: &Args) -> i32 {
    let mut t = open_terminal(open_store(&a.dir), 0x0051_E5CE);
    let mut drv = driver(a);
    out(&json!({ "type": "start", "mode": "quiesce", "batch": t.batch(), "signed_on": t.is_signed_on(),
                 "pending": t.pending().len() }));
    for round in 0..20 {
        if let Err(e) = resolve_exhausted(&mut t) {
            out(&json!({ "type": "halted", "error": e.code(), "message": e.to_string() }));
            return 3;
        }
        if !t.is_signed_on() {
            match t.start(Request::SignOn, now_ms()) {
                Ok(_) => drv.run_until_idle(&mut t, &mut print_event),
                Err(e) => {
                    out(&json!({ "type": "refused", "kind": "sign_on", "error": e.code() }));
                    if halted(&e) {
                        return 3;
                    }
                }
            }
        }
        if t.is_signed_on() && t.settlement_owed().is_some_and(|s| s.exhausted) {
            match t.start(Request::Settle, now_ms()) {
                Ok(_) => drv.run_until_idle(&mut t, &mut print_event),
                Err(e) => {
                    out(&json!({ "type": "refused", "kind": "settle", "error": e.code() }));
                    if halted(&e) {
                        return 3;
                    }
                }
            }
        }
        t.flush_pending(now_ms());
        drv.run_due(&mut t, &mut print_event);
        let done = t.pending().is_empty() && t.settlement_owed().is_none();
        if done && t.is_idle() && !t.awaiting_response() && t.is_signed_on() {
            out(&json!({ "type": "quiescent", "rounds": round + 1, "batch": t.batch() }));
            return 0;
        }
    }
    let pending: Vec<Value> = t.pending().iter().map(|r| json!({ "stan": r.stan, "status": r.status })).collect();
    let settlement =
        t.settlement_owed().map(|s| json!({ "batch": s.batch, "uploading": s.uploading, "exhausted": s.exhausted }));
    out(&json!({ "type": "not_quiescent", "pending": pending, "settlement_owed": settlement,
                 "signed_on": t.is_signed_on(), "idle": t.is_idle() }));
    1
}

/// A seeded request for a signed-on terminal: ~63% sales, settlement 1 in 15.
fn random_request(d: &mut Dice, t: &Terminal) -> Request {
    let approved = |kind: TxnKind, open_batch_only: bool| -> Vec<(String, String)> {
        t.records()
            .filter(|r| r.kind == kind && r.status == TxnStatus::Approved)
            .filter(|r| !open_batch_only || r.batch == t.batch())
            .map(|r| (r.stan.clone(), r.rrn.clone().unwrap_or_default()))
            .collect()
    };
    let pick = |d: &mut Dice, v: &[(String, String)]| v.get(d.below(v.len().max(1) as u64) as usize).cloned();
    let (card, card_pin) = cards::random(d);
    let amount = 100 + d.below(9_900);
    let sale = Request::Sale { amount, card, pin: card_pin };
    let ok_pin = || -> Option<PinInput> { pin() };
    match d.below(30) {
        13 | 14 => match pick(d, &approved(TxnKind::Sale, true)) {
            Some((stan, _)) => Request::Void { original_stan: stan, card: chip(), pin: ok_pin() },
            None => sale,
        },
        15 | 16 => match pick(d, &approved(TxnKind::Sale, false)) {
            Some((_, rrn)) => Request::Refund {
                amount: 1 + d.below(500),
                original_rrn: rrn,
                original_date: "1123".into(),
                card: chip(),
            },
            None => sale,
        },
        17 => Request::PreAuth { amount, card: chip(), pin: ok_pin() },
        18 => Request::Completion {
            amount,
            original_auth_code: "123456".into(),
            original_date: "1123".into(),
            card: chip(),
            pin: ok_pin(),
        },
        19 => match pick(d, &approved(TxnKind::PreAuth, true)) {
            Some((stan, _)) => Request::PreAuthVoid { original_stan: stan, card: chip(), pin: ok_pin() },
            None => Request::PreAuth { amount, card: chip(), pin: ok_pin() },
        },
        20 => match pick(d, &approved(TxnKind::Completion, true)) {
            Some((stan, _)) => Request::CompletionVoid { original_stan: stan, card: chip(), pin: ok_pin() },
            None => sale,
        },
        21 => Request::BalanceInquiry { card: chip(), pin: ok_pin() },
        22 | 23 => Request::Settle,
        // The card approves offline (TC): stored, then forwarded as an advice (0220/0221).
        24 | 25 => Request::OfflineSale {
            amount,
            card: cards::chip_tc_atc(2 + d.below(60_000) as u16),
            reason: poscore::terminal::OfflineReason::CardApproved,
            offline_pin: false,
            auth_code: None,
        },
        _ => sale,
    }
}

fn report(dir: &Path) -> i32 {
    let store = open_store(dir);
    let (scan, keys) = match poscore_sim::journal_scan::scan(&store) {
        Ok(s) => s,
        Err(e) => {
            out(&json!({ "error": e }));
            return 2;
        }
    };
    let t = open_terminal(store, 0x0052_E907);
    let mut status_counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut batches: BTreeMap<String, Value> = BTreeMap::new();
    let mut records = Vec::new();
    let mut pending = Vec::new();
    let mut reversed = Vec::new();
    for r in t.records() {
        let status = serde_json::to_value(r.status).unwrap_or(Value::Null);
        *status_counts.entry(status.as_str().unwrap_or("?").to_owned()).or_insert(0) += 1;
        records.push(json!({ "batch": r.batch, "stan": r.stan, "kind": r.kind, "status": status,
                             "amount": r.amount, "attempts": r.attempts, "rrn": r.rrn }));
        if r.status == TxnStatus::Approved && !batches.contains_key(&r.batch) {
            // The engine's own totals (what its 0500 carries), with the count and net beside them.
            let totals = t.totals(&r.batch);
            let mut v = serde_json::to_value(totals).unwrap_or(Value::Null);
            v["approved"] = t.approved(&r.batch).len().into();
            v["net"] = totals.net().into();
            batches.insert(r.batch.clone(), v);
        }
        if r.is_owed() {
            pending.push(json!({ "batch": r.batch, "stan": r.stan, "kind": r.kind, "status": status }));
        }
        if r.status == TxnStatus::Reversed {
            reversed.push(json!({ "batch": r.batch, "stan": r.stan }));
        }
    }
    let approved_net: i64 = batches.values().filter_map(|b| b["net"].as_i64()).sum();
    out(&json!({
        "terminal_id": t.config().terminal_id,
        "batch": t.batch(),
        "signed_on": t.is_signed_on(),
        "journal_keys": keys,
        "records": records,
        "status_counts": status_counts,
        "batches": batches,
        "approved_net": approved_net,
        "pending": pending,
        "settlement_owed": t.settlement_owed().map(|s| json!({ "batch": s.batch, "uploading": s.uploading,
                                                               "attempts": s.attempts, "exhausted": s.exhausted })),
        "reversed": reversed,
        "card_data": scan,
    }));
    0
}
