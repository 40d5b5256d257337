//! `poscore terminal` against `poscore sim` over loopback, as an integrator would run it against
//! an acquirer's test host: sign-on, a sale with the PIN from stdin, the log, a reprint, and a
//! terminal killed (SIGKILL) while waiting for an answer whose pending reversal goes out first
//! when the next command runs. The simulator keeps its ledger in a file (`--ledger`) to
//! reconcile against.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{Sim, TempDir};

/// `poscore sim` with `script` (its faults), its ledger in `dir`.
fn sim(dir: &Path, script: &str) -> Sim {
    let ledger = dir.join(format!("ledger-{}.json", script.replace([':', ','], "_")));
    Sim::start(ledger, &["--script".as_ref(), script.as_ref()])
}

/// Writes the config (pointing at `port`), the TMK file and the sealing key file under `dir`.
fn setup(dir: &Path, port: u16, response_timeout_ms: u64) -> (PathBuf, PathBuf) {
    std::fs::write(dir.join("tmk.hex"), "0123456789ABCDEFFEDCBA9876543210\n").unwrap();
    std::fs::write(dir.join("journal.key"), b"poscore-cli-terminal-test-key!!!").unwrap();
    let config = serde_json::json!({
        "config": {
            "terminal_id": "12345678",
            "merchant_id": "898310048160001",
            "merchant_name": "poscore 测试商户",
            "response_timeout_ms": response_timeout_ms,
            "reversal_backoff_ms": 100,
        },
        "host": format!("127.0.0.1:{port}"),
        "tmk_file": dir.join("tmk.hex"),
    });
    let path = dir.join(format!("terminal-{port}.json"));
    std::fs::write(&path, config.to_string()).unwrap();
    (path, dir.join("journal.key"))
}

fn terminal(args: &[&str], config: &Path, data: &Path, key: &Path, stdin: Option<&str>) -> (bool, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_poscore"))
        .args(["--json", "terminal"])
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .arg("--key-file")
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.as_mut().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        serde_json::json!({ "stderr": String::from_utf8_lossy(&out.stderr), "stdout": String::from_utf8_lossy(&out.stdout) })
    });
    (out.status.success(), v)
}

fn sent(v: &serde_json::Value) -> Vec<String> {
    v["events"]
        .as_array()
        .map(|a| a.iter().filter(|e| e["type"] == "sending").map(|e| e["mti"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn sign_on_sale_log_reprint_against_poscore_sim() {
    let dir = TempDir::new("day");
    let sim = sim(&dir.0, "");
    let (config, key) = setup(&dir.0, sim.port, 5_000);
    let data = dir.0.join("data");
    let t = |args: &[&str], stdin: Option<&str>| terminal(args, &config, &data, &key, stdin);

    let (ok, v) = t(&["sign-on"], None);
    assert!(ok, "{v}");
    let (ok, v) = t(&["sale", "--amount", "1234", "--card", "chip", "--pin-stdin"], Some("123456\n"));
    assert!(ok, "{v}");
    let approved = v["events"].as_array().unwrap().iter().find(|e| e["type"] == "approved").unwrap().clone();
    let stan = approved["stan"].as_str().unwrap().to_owned();
    // A wrong PIN: declined, exit status 1, the verdict in the JSON.
    let (ok, v) = t(&["sale", "--amount", "100", "--card", "chip", "--pin-stdin"], Some("000000\n"));
    assert!(!ok && v["ok"] == false, "{v}");

    let (ok, v) = t(&["log", "--query", r#"{"status":["approved"]}"#], None);
    assert!(ok, "{v}");
    assert_eq!(v["total"], 1);
    assert_eq!(v["entries"][0]["stan"], stan.as_str());
    assert!(!v.to_string().contains("6212345678901232"), "masked");
    let (_, v) = t(&["log", "--query", r#"{"stann":"1"}"#], None);
    assert!(v.to_string().contains("stann"), "unknown query keys refused: {v}");

    let (ok, v) = t(&["reprint", "--stan", &stan], None);
    assert!(ok, "{v}");
    assert!(v["text"].as_str().unwrap().contains("重打印"));

    // Reports: terminal totals, then settle, the settlement report's reprint, statistics.
    let (ok, v) = t(&["report", "--kind", "totals"], None);
    assert!(ok, "{v}");
    assert_eq!(v["report"]["kind"], "terminal_totals");
    assert!(t(&["settle"], None).0);
    let (ok, v) = t(&["report", "--kind", "settlement", "--reprint", "--width", "48"], None);
    assert!(ok, "{v}");
    assert!(v["rendered"].as_str().unwrap().contains("重打印"), "{v}");
    assert_eq!(v["report"]["domestic"]["result"], "balanced");
    let (ok, v) = t(&["report", "--kind", "stats", "--format", "csv"], None);
    assert!(ok, "{v}");
    assert!(v["rendered"].as_str().unwrap().starts_with("period,label,count"), "{v}");
    let (ok, v) = t(&["report", "--kind", "stats", "--period", "fortnight"], None);
    assert!(!ok, "{v}");

    // Without a key the journal is refused (it holds card numbers).
    let out = Command::new(env!("CARGO_BIN_EXE_poscore"))
        .args(["terminal", "pending", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .env_remove("POSCORE_STORE_KEY_FILE")
        .env_remove("POSCORE_STORE_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("key"));

    let ledger = sim.ledger();
    let bookings = ledger["bookings"].as_object().unwrap();
    assert_eq!(bookings.len(), 1, "{ledger}");
}

#[test]
fn a_killed_terminal_sends_its_pending_reversal_first_on_the_next_command() {
    let dir = TempDir::new("kill");
    // The host books the first sale and never answers it.
    let sim = sim(&dir.0, "0200:drop_response");
    let (config, key) = setup(&dir.0, sim.port, 20_000);
    let data = dir.0.join("data");
    assert!(terminal(&["sign-on"], &config, &data, &key, None).0);

    let mut sale = Command::new(env!("CARGO_BIN_EXE_poscore"))
        .args(["--json", "terminal", "sale", "--amount", "4321", "--card", "chip", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .arg("--key-file")
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the host has booked it (the terminal is now waiting for an answer), then SIGKILL.
    let start = Instant::now();
    while sim.ledger()["bookings"].as_object().is_none_or(serde_json::Map::is_empty) {
        assert!(start.elapsed() < Duration::from_secs(10), "the sale never reached the host");
        std::thread::sleep(Duration::from_millis(20));
    }
    sale.kill().unwrap();
    let _ = sale.wait();

    let (_, v) = terminal(&["pending"], &config, &data, &key, None);
    assert_eq!(v["pending"].as_array().map(Vec::len), Some(1), "the reversal record survived: {v}");
    let (ok, v) =
        terminal(&["sale", "--amount", "500", "--card", "chip", "--pin-stdin"], &config, &data, &key, Some("123456"));
    assert!(ok, "{v}");
    assert_eq!(sent(&v), ["0400", "0200"], "reversal first: {v}");
    let ledger = sim.ledger();
    let reversed: Vec<_> = ledger["bookings"].as_object().unwrap().values().filter(|b| b["reversed"] == true).collect();
    assert_eq!(reversed.len(), 1, "{ledger}");
    assert_eq!(reversed[0]["amount"], 4321);
}
