//! `poscore-sim`: serve the acquirer simulator on loopback TCP for end-to-end tests.
//!
//! ```text
//! poscore-sim [--port N] [--seed N] [--script MTI:FAULT,...] [--rates NAME=P,...] [--late-ms N]
//!             [--ledger FILE] [--stdin-lifetime]
//!             [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]]
//! ```
//! With `--tls-cert`/`--tls-key` it serves TLS 1.2/1.3 instead of plain TCP (the chain in the
//! certificate file, leaf first); `--tls-client-ca` also requires a client certificate issued by
//! that CA (mutual TLS). The first line then reads `{"port":N,"tls":true}`.
//! Prints one line `{"port":N}` on stdout once listening, then serves until killed (or until
//! stdin closes, when `--stdin-lifetime` is given). Faults in `--script` apply in order to the
//! next request of that MTI (`0200:drop_response,0200:code:51,0400:late`); see
//! `poscore_sim::Fault::parse` for the spellings.
//!
//! With `--stdin-lifetime`, each line read on stdin while serving is a script appended at run
//! time (`0200:timeout`), or `clear` to drop what is queued; the simulator answers each line
//! with `{"ok":true,"queued":N}` or `{"ok":false,"error":"..."}` on stdout. This is how the web
//! gateway lets a demo page or a browser test ask for the next sale to time out. `clear` also
//! turns the random `--rates` off. `dump` answers `{"ok":true,"ledger":{...}}`: the ledger as
//! JSON (`poscore_sim::Ledger`, map keys `tid/batch/stan`), on one line.
//!
//! `--rates drop_response=0.05,late=0.03,...` sets seeded random fault rates (the field names of
//! `poscore_sim::FaultRates`). `--ledger FILE` writes the ledger as JSON to FILE after every
//! handled request (temp file + rename): a reader always sees a whole ledger.

use std::io::{BufRead as _, Read as _, Write as _};
use std::sync::{Arc, Mutex};

use poscore_sim::{tcp, Acquirer};

fn main() {
    let mut port = 0u16;
    let mut seed = 1u64;
    let mut late_ms = 3_000u64;
    let mut stdin_lifetime = false;
    let mut acq_script = Vec::new();
    let mut rates = poscore_sim::FaultRates::default();
    let mut ledger_file = None;
    let (mut tls_cert, mut tls_key, mut tls_client_ca) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = |name: &str| args.next().unwrap_or_else(|| die(&format!("{name} needs a value")));
        match a.as_str() {
            "--port" => port = val("--port").parse().unwrap_or_else(|_| die("bad --port")),
            "--seed" => seed = val("--seed").parse().unwrap_or_else(|_| die("bad --seed")),
            "--late-ms" => late_ms = val("--late-ms").parse().unwrap_or_else(|_| die("bad --late-ms")),
            "--stdin-lifetime" => stdin_lifetime = true,
            "--script" => acq_script.extend(poscore_sim::parse_script(&val("--script")).unwrap_or_else(|e| die(&e))),
            "--rates" => rates = poscore_sim::FaultRates::parse(&val("--rates")).unwrap_or_else(|e| die(&e)),
            "--ledger" => ledger_file = Some(std::path::PathBuf::from(val("--ledger"))),
            "--tls-cert" => tls_cert = Some(std::path::PathBuf::from(val("--tls-cert"))),
            "--tls-key" => tls_key = Some(std::path::PathBuf::from(val("--tls-key"))),
            "--tls-client-ca" => tls_client_ca = Some(std::path::PathBuf::from(val("--tls-client-ca"))),
            "-h" | "--help" => {
                println!(
                    "poscore-sim [--port N] [--seed N] [--script MTI:FAULT,...] [--rates NAME=P,...] [--late-ms N] \
                     [--ledger FILE] [--stdin-lifetime] [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]]"
                );
                return;
            }
            other => die(&format!("unknown argument {other:?}")),
        }
    }
    let mut acq = Acquirer::new(seed);
    for (m, f) in acq_script {
        acq.push_fault(m.as_deref(), f);
    }
    acq.rates = rates;
    acq.ledger_file = ledger_file;
    let acq = Arc::new(Mutex::new(acq));
    let tls = match (tls_cert, tls_key) {
        (None, None) if tls_client_ca.is_none() => None,
        (Some(cert), Some(key)) => Some(
            tcp::tls_server_config_files(&cert, &key, tls_client_ca.as_deref())
                .unwrap_or_else(|e| die(&format!("TLS configuration: {e}"))),
        ),
        _ => die("TLS needs both --tls-cert and --tls-key"),
    };
    let secure = tls.is_some();
    let server =
        tcp::serve_opt(port, Arc::clone(&acq), late_ms, tls).unwrap_or_else(|e| die(&format!("cannot listen: {e}")));
    println!("{}", tcp::listening_line(server.port, secure));
    let _ = std::io::stdout().flush();
    if stdin_lifetime {
        // Lines are read with a cap, as the CLI reads its inputs: a line that never ends must not
        // grow a buffer without bound. An overlong line is answered with an error and skipped.
        let mut stdin = std::io::stdin().lock();
        let mut line = Vec::new();
        loop {
            line.clear();
            match (&mut stdin).take(MAX_CONTROL_LINE + 1).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let reply = if line.last() != Some(&b'\n') && line.len() as u64 > MAX_CONTROL_LINE {
                let _ = stdin.skip_until(b'\n');
                Some(
                    serde_json::json!({ "ok": false, "error": format!("control line over {MAX_CONTROL_LINE} bytes") })
                        .to_string(),
                )
            } else {
                control(&acq, String::from_utf8_lossy(&line).trim())
            };
            if let Some(reply) = reply {
                println!("{reply}");
                let _ = std::io::stdout().flush();
            }
        }
        server.shutdown();
    } else {
        loop {
            std::thread::park();
        }
    }
}

/// The longest control line read (a fault script is a few dozen bytes).
const MAX_CONTROL_LINE: u64 = 64 * 1024;

/// One control line: a fault script to append, `clear` or `dump`. Blank lines are ignored (no
/// reply).
fn control(acq: &Mutex<Acquirer>, line: &str) -> Option<String> {
    if line.is_empty() {
        return None;
    }
    let mut acq = acq.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if line == "dump" {
        return Some(match serde_json::to_value(&acq.ledger) {
            Ok(ledger) => serde_json::json!({ "ok": true, "ledger": ledger }).to_string(),
            Err(e) => serde_json::json!({ "ok": false, "error": e.to_string() }).to_string(),
        });
    }
    if line == "clear" {
        acq.clear_faults();
        return Some(format!("{{\"ok\":true,\"queued\":{}}}", acq.scripted()));
    }
    Some(match poscore_sim::parse_script(line) {
        Ok(items) => {
            for (m, f) in items {
                acq.push_fault(m.as_deref(), f);
            }
            format!("{{\"ok\":true,\"queued\":{}}}", acq.scripted())
        }
        Err(e) => serde_json::json!({ "ok": false, "error": e }).to_string(),
    })
}

fn die(msg: &str) -> ! {
    eprintln!("poscore-sim: {msg}");
    std::process::exit(2);
}
