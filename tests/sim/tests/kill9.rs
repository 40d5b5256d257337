//! Black-box crash test: a real terminal process (`poscore-crash-terminal`, sealed file journal,
//! TCP driver) against a separately running simulator process (`poscore-sim` with random fault
//! rates), killed with `kill -9` (SIGKILL) at random moments and restarted from its journal, many
//! times. Then the faults go off (`clear` on the simulator's stdin), the terminal delivers
//! everything it owes (`quiesce`), prints its journal (`report`), the simulator dumps its ledger
//! (`dump`), and the invariants are checked:
//! - the host's net charges for the terminal equal the terminal's approved net over all
//!   batches, and batch by batch;
//! - nothing pending or exhausted (no lost reversal), `quiesce` ends with exit 0;
//! - no STAN reused within a batch;
//! - no reversal sent again after the terminal journaled its acknowledgement (the host's 0400
//!   count of every record reported `reversed` after a run does not grow later);
//! - no double settlement and no booking (or batch upload) into a batch the host closed;
//! - no track 2 data or PIN block anywhere in the journal, and a full PAN only as field 2 of the
//!   template of a record still owed or of the open batch.
//!
//! Every violated invariant is listed (not only the first) before the test fails.
//!
//! The same test runs a second time over TLS (`poscore-sim --tls-cert`, the terminal verifying
//! the simulator's certificate against the test CA of `examples/pki`): a kill can now land in a
//! handshake as well.
//!
//! `POSCORE_KILL9_RUNS` (default 25) sets the number of kills, `POSCORE_KILL9_SEED` the seed
//! (default: from the clock; printed). `scripts/crash-long` runs it with hundreds of kills.
//! The working directory (journal, per-run logs, the ledger) is under `CARGO_TARGET_TMPDIR`;
//! it is deleted after a passing run and kept after a failing one.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use poscore_sim::{Ledger, SplitMix as Dice};

#[path = "../examples/pki/mod.rs"]
#[allow(dead_code)]
mod pki;
use serde_json::Value;

const SIM: &str = env!("CARGO_BIN_EXE_poscore-sim");
const TERMINAL: &str = env!("CARGO_BIN_EXE_poscore-crash-terminal");
/// The terminal id of `poscore_sim::pair::test_config()`.
const TID: &str = "12345678";
/// Fault rates while the terminal is being killed (the crash test's, plus a little more loss).
const RATES: &str = "drop_request=0.04,drop_response=0.06,late=0.03,duplicate=0.03,corrupt_mac=0.03,\
                     wrong_stan=0.02,host_down=0.03,refuse=0.02,line_drop=0.03";

/// Kills and reaps a child process when dropped (on panic too): no orphan survives the test.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The simulator process: its stdin for control lines, its stdout lines through a channel.
struct Simulator {
    /// Held so the process lives as long as this value (and is killed with it).
    _child: Reaped,
    stdin: ChildStdin,
    lines: Receiver<String>,
    port: u16,
}

impl Simulator {
    /// Serves TLS with the certificate and key in `pki` (`server.pem`, `server.key`) if given.
    fn start(seed: u64, ledger_file: &Path, pki: Option<&Path>) -> Self {
        let mut cmd = Command::new(SIM);
        cmd.args(["--port", "0", "--seed", &seed.to_string(), "--stdin-lifetime", "--late-ms", "600"])
            .args(["--rates", RATES, "--ledger"])
            .arg(ledger_file);
        if let Some(dir) = pki {
            cmd.arg("--tls-cert").arg(dir.join("server.pem")).arg("--tls-key").arg(dir.join("server.key"));
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start poscore-sim");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let child = Reaped(child);
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines.recv_timeout(Duration::from_secs(30)).expect("poscore-sim prints its port");
        let v: Value = serde_json::from_str(&first).expect("{\"port\":N}");
        let port = u16::try_from(v["port"].as_u64().expect("port")).expect("port fits");
        Self { _child: child, stdin, lines, port }
    }

    /// One control line; its one-line JSON answer.
    fn control(&mut self, line: &str) -> Value {
        writeln!(self.stdin, "{line}").expect("write to poscore-sim");
        self.stdin.flush().expect("flush");
        let answer = match self.lines.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a,
            Err(RecvTimeoutError::Timeout) => panic!("poscore-sim did not answer {line:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("poscore-sim exited (answering {line:?})"),
        };
        let v: Value = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("answer to {line:?}: {e}: {answer}"));
        assert_eq!(v["ok"], true, "{line:?} → {answer}");
        v
    }

    fn ledger(&mut self) -> Ledger {
        let v = self.control("dump");
        serde_json::from_value(v["ledger"].clone()).expect("the dumped ledger parses")
    }
}

/// Runs the terminal binary to completion (at most `limit`), stdout to `log`; its exit code.
fn run_to_end(args: &[&str], log: &Path, limit: Duration) -> i32 {
    let child = Command::new(TERMINAL)
        .args(args)
        .stdout(std::fs::File::create(log).expect("log file"))
        .stderr(std::fs::File::create(log.with_extension("err")).expect("err file"))
        .spawn()
        .expect("start poscore-crash-terminal");
    let mut child = Reaped(child);
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            return status.code().unwrap_or(-1);
        }
        assert!(
            t0.elapsed() < limit,
            "poscore-crash-terminal {args:?} still running after {limit:?} (log {})",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn report(dir: &Path, work: &Path, name: &str) -> Value {
    let log = work.join(format!("{name}.json"));
    let code = run_to_end(&["report", "--dir", dir.to_str().expect("utf-8 path")], &log, Duration::from_secs(60));
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        code,
        0,
        "report failed: {text} {}",
        std::fs::read_to_string(log.with_extension("err")).unwrap_or_default()
    );
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("report JSON: {e}: {text}"))
}

/// What one killed run did, from its stdout (the last line may be cut by the kill).
#[derive(Debug, Default)]
struct RunCount {
    requests: u64,
    events: BTreeMap<String, u64>,
}

fn count_run(log: &Path) -> RunCount {
    let mut c = RunCount::default();
    for line in std::fs::read_to_string(log).unwrap_or_default().lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else { continue };
        let kind = v["type"].as_str().unwrap_or("?").to_owned();
        if kind == "request" {
            c.requests += 1;
        }
        *c.events.entry(kind).or_insert(0) += 1;
    }
    c
}

fn str_of(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_owned()
}

#[test]
fn kill_dash_nine_a_real_terminal_process() {
    kill_dash_nine(false);
}

#[test]
fn kill_dash_nine_a_real_terminal_process_over_tls() {
    kill_dash_nine(true);
}

#[allow(clippy::too_many_lines)]
fn kill_dash_nine(tls: bool) {
    let runs: u64 = std::env::var("POSCORE_KILL9_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(25);
    let seed: u64 = std::env::var("POSCORE_KILL9_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs() % 1_000_000)
    });
    let started = Instant::now();
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "kill9{}-{seed}-{}",
        if tls { "-tls" } else { "" },
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    // Over TLS: the test PKI in the work dir, the simulator presenting `server`, the terminal
    // trusting `ca.pem`.
    let pki_dir = work.join("pki");
    if tls {
        pki::write(&pki_dir).expect("write the test PKI");
    }
    let tls_args: Vec<String> =
        if tls { vec!["--tls-ca".into(), pki_dir.join("ca.pem").to_str().expect("utf-8 path").into()] } else { vec![] };
    let journal = work.join("journal");
    let dir = journal.to_str().expect("utf-8 path").to_owned();
    let mut sim = Simulator::start(seed, &work.join("ledger.json"), tls.then_some(pki_dir.as_path()));
    let port = sim.port.to_string();
    let mut d = Dice(seed ^ 0x6B69_6C6C_3921);

    // Reversals the terminal journaled as acknowledged, with the host's 0400 count right after.
    let mut acked: BTreeMap<(String, String), u32> = BTreeMap::new();
    let record_acks = |sim: &mut Simulator, rep: &Value, acked: &mut BTreeMap<(String, String), u32>| {
        let ledger = sim.ledger();
        for r in rep["reversed"].as_array().into_iter().flatten() {
            let (batch, stan) = (str_of(r, "batch"), str_of(r, "stan"));
            let n = ledger.reversal_requests.get(&(TID.to_owned(), batch.clone(), stan.clone())).copied().unwrap_or(0);
            acked.entry((batch, stan)).or_insert(n);
        }
    };

    let mut kills = 0u64;
    let mut requests = 0u64;
    let mut events: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_run = Vec::new();
    for run in 0..runs {
        let log = work.join(format!("run-{run:04}.log"));
        let run_seed = seed.wrapping_mul(1_000_003).wrapping_add(run);
        let child = Command::new(TERMINAL)
            .args(["run", "--dir", &dir, "--port", &port, "--seed", &run_seed.to_string()])
            .args(&tls_args)
            .stdout(std::fs::File::create(&log).expect("log file"))
            .stderr(std::fs::File::create(log.with_extension("err")).expect("err file"))
            .spawn()
            .expect("start poscore-crash-terminal");
        let mut child = Reaped(child);
        let life = 5 + d.below(396);
        std::thread::sleep(Duration::from_millis(life));
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            let err = std::fs::read_to_string(log.with_extension("err")).unwrap_or_default();
            panic!(
                "run {run}: the terminal exited by itself ({status}) before the kill: {err} (work dir {})",
                work.display()
            );
        }
        child.0.kill().expect("kill -9"); // SIGKILL on Unix
        let status = child.0.wait().expect("reap");
        assert!(status.code().is_none(), "run {run}: killed by a signal, got {status}");
        kills += 1;
        let c = count_run(&log);
        requests += c.requests;
        for (k, n) in &c.events {
            *events.entry(k.clone()).or_insert(0) += n;
        }
        per_run.push(format!(
            "run {run:>4}: killed after {life:>3} ms, {} requests, {} approved, {} reversals pending, {} settled",
            c.requests,
            c.events.get("approved").copied().unwrap_or(0),
            c.events.get("reversal_pending").copied().unwrap_or(0),
            c.events.get("settlement_balanced").copied().unwrap_or(0),
        ));
        // What the journal says was acknowledged now must not be sent again later.
        let rep = report(&journal, &work, &format!("report-{run:04}"));
        record_acks(&mut sim, &rep, &mut acked);
    }
    // Faults off; the terminal delivers what it owes; its journal and the host's ledger.
    sim.control("clear");
    let quiesce_log = work.join("quiesce.log");
    let mut quiesce_args = vec!["quiesce", "--dir", &dir, "--port", &port];
    quiesce_args.extend(tls_args.iter().map(String::as_str));
    let quiesce_code = run_to_end(&quiesce_args, &quiesce_log, Duration::from_secs(120));
    let rep = report(&journal, &work, "report-final");
    record_acks(&mut sim, &rep, &mut acked);
    let ledger = sim.ledger();
    let file_ledger: Option<Ledger> =
        std::fs::read(work.join("ledger.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());

    // The invariants, every one evaluated.
    let mut failures: Vec<String> = Vec::new();
    let mut checked = 0usize;
    let mut check = |name: &str, ok: bool, evidence: String| {
        checked += 1;
        if !ok {
            failures.push(format!("{name}: {evidence}"));
        }
    };
    check(
        "quiesce delivered everything",
        quiesce_code == 0,
        format!("exit {quiesce_code}: {}", std::fs::read_to_string(&quiesce_log).unwrap_or_default()),
    );
    let pending = rep["pending"].as_array().cloned().unwrap_or_default();
    check("nothing pending or exhausted", pending.is_empty(), format!("{pending:?}"));
    check("no settlement owed", rep["settlement_owed"].is_null(), format!("{}", rep["settlement_owed"]));
    let host_net = ledger.net_for_terminal(TID);
    let terminal_net = rep["approved_net"].as_i64().unwrap_or(i64::MIN);
    check(
        "host net == terminal approved net",
        host_net == terminal_net,
        format!("host {host_net}, terminal {terminal_net}"),
    );
    let host_batches = ledger.net_by_batch(TID);
    let mut batch_diffs = Vec::new();
    let terminal_batches = rep["batches"].as_object().cloned().unwrap_or_default();
    let all: std::collections::BTreeSet<String> =
        host_batches.keys().cloned().chain(terminal_batches.keys().cloned()).collect();
    for b in all {
        let h = host_batches.get(&b).copied().unwrap_or(0);
        let t = terminal_batches.get(&b).and_then(|v| v["net"].as_i64()).unwrap_or(0);
        if h != t {
            batch_diffs.push(format!("batch {b}: host {h}, terminal {t}"));
        }
    }
    check("host and terminal agree batch by batch", batch_diffs.is_empty(), batch_diffs.join("; "));
    check("no STAN reuse", ledger.stan_reuse.is_empty(), format!("{:?}", ledger.stan_reuse));
    // Offline sales: each one the terminal holds as approved is exactly one offline booking on the
    // host with its amount, and the host booked no other (a stored payment forwarded twice under
    // another STAN would be one more).
    let records = rep["records"].as_array().cloned().unwrap_or_default();
    let ours: BTreeMap<(String, String), u64> = records
        .iter()
        .filter(|r| r["kind"] == "offline_sale" && r["status"] == "approved")
        .map(|r| {
            let k = (r["batch"].as_str().unwrap_or("").to_owned(), r["stan"].as_str().unwrap_or("").to_owned());
            (k, r["amount"].as_u64().unwrap_or(0))
        })
        .collect();
    let booked: BTreeMap<(String, String), u64> = ledger
        .bookings
        .values()
        .filter(|b| b.tid == TID && b.kind == "offline_sale")
        .map(|b| ((b.batch.clone(), b.stan.clone()), b.amount))
        .collect();
    check(
        "every offline sale forwarded and booked exactly once",
        ours == booked,
        format!("terminal {} approved offline sales, host {} offline bookings", ours.len(), booked.len()),
    );
    let offline_sales = ours.len();
    // Script result advices (0620) the card's completions owed: each one the terminal holds
    // reached the host (repeats after a kill are answered the same, never lost).
    let owed_0620 = records.iter().filter(|r| r["kind"] == "script_advice").count();
    let got_0620: u32 = ledger.script_advices.values().sum();
    check(
        "every script result advice reached the host",
        u64::from(got_0620) >= owed_0620 as u64 && ledger.script_advices.len() == owed_0620,
        format!("terminal {owed_0620} advices, host {} originals / {got_0620} received", ledger.script_advices.len()),
    );
    let mut resent = Vec::new();
    for ((batch, stan), n) in &acked {
        let now = ledger.reversal_requests.get(&(TID.to_owned(), batch.clone(), stan.clone())).copied().unwrap_or(0);
        if now != *n {
            resent.push(format!("{batch}/{stan}: {n} 0400s when journaled reversed, {now} at the end"));
        }
    }
    check("no reversal sent after its acknowledgement", resent.is_empty(), resent.join("; "));
    check(
        "no double settlement",
        ledger.double_settlements.is_empty(),
        format!(
            "{} (e.g. {:?})",
            ledger.double_settlements.len(),
            ledger.double_settlements.iter().take(5).collect::<Vec<_>>()
        ),
    );
    check(
        "no booking into a closed batch",
        ledger.booked_into_closed_batch.is_empty(),
        format!(
            "{} (e.g. {:?})",
            ledger.booked_into_closed_batch.len(),
            ledger.booked_into_closed_batch.iter().take(5).collect::<Vec<_>>()
        ),
    );
    let card = &rep["card_data"];
    let hits = |k: &str| card[k].as_array().map_or(0, Vec::len);
    // PAN hits in records nothing can need any more (not owed, batch settled at the host).
    let settled_pan_hits = card["full_pan"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| {
            let owed = matches!(h["status"].as_str(), Some("in_flight" | "pending" | "exhausted"));
            !owed && h["batch"].as_str().is_some_and(|b| ledger.is_settled(TID, b))
        })
        .count();
    let sample =
        |k: &str| card[k].as_array().map(|a| a.iter().take(3).cloned().collect::<Vec<_>>()).unwrap_or_default();
    check(
        "no track 2 data in the journal",
        hits("track2") == 0,
        format!("{} hits, e.g. {:?}", hits("track2"), sample("track2")),
    );
    // A full PAN may stay only where a message still needs it: field 2 of the template of a
    // record still owed to the host or of the open batch (reversal, repeat, batch upload). A
    // balanced settlement masks it in every record of the closed batch.
    let stray_pan_hits = card["full_pan"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| !h["where"].as_str().is_some_and(|p| p.ends_with("/template/fields/2")))
        .count();
    check(
        "no full PAN in the journal except field 2 of a record still needed",
        settled_pan_hits == 0 && stray_pan_hits == 0,
        format!(
            "{} hits ({settled_pan_hits} in settled batches' records owed nothing, {stray_pan_hits} outside a template's \
             field 2), e.g. {:?}",
            hits("full_pan"),
            sample("full_pan")
        ),
    );
    check(
        "no PIN block in the journal",
        hits("pin_block") == 0,
        format!("{} hits, e.g. {:?}", hits("pin_block"), sample("pin_block")),
    );
    check(
        "the --ledger file equals the dumped ledger",
        file_ledger.as_ref() == Some(&ledger),
        "the file is missing, unparsable or differs".into(),
    );

    let elapsed = started.elapsed().as_secs_f64();
    let reversed = rep["reversed"].as_array().map_or(0, Vec::len);
    let summary = format!(
        "kill9{}: {kills} kills, {requests} transactions, results: {} passed / {} failed invariants; host net {host_net}, \
         terminal net {terminal_net}; {} bookings ({offline_sales} offline sales, {owed_0620} script advices), {} settled batches, {} settlement repeats, {} double settlements, \
         {} bookings into closed batches, {} reversals journaled acknowledged, {} 0400s, track2 {} / PAN {} ({settled_pan_hits} in settled batches) / \
         PIN {} journal hits; seed {seed}, {elapsed:.1}s",
        if tls { " over TLS" } else { "" },
        checked - failures.len(),
        failures.len(),
        ledger.bookings.values().filter(|b| b.tid == TID).count(),
        ledger.settled.len(),
        ledger.settlement_repeats,
        ledger.double_settlements.len(),
        ledger.booked_into_closed_batch.len(),
        reversed,
        ledger.requests.get("0400").copied().unwrap_or(0),
        hits("track2"),
        hits("full_pan"),
        hits("pin_block"),
    );
    println!("{summary}");
    println!("  events over all runs: {events:?}");
    println!("  journal: {}", rep["status_counts"]);
    println!("  requests by MTI at the host: {:?}", ledger.requests);
    for line in &per_run {
        println!("  {line}");
    }
    let _ = std::fs::write(work.join("summary.txt"), format!("{summary}\n{}\n", per_run.join("\n")));
    drop(sim);
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&work);
    } else {
        panic!("{summary}\nviolated invariants (work dir kept: {}):\n  {}", work.display(), failures.join("\n  "));
    }
}
