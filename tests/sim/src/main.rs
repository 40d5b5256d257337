//! `poscore-sim`: serve the acquirer simulator on loopback TCP for end-to-end tests.
//!
//! ```text
//! poscore-sim [--port N] [--seed N] [--script MTI:FAULT,...] [--late-ms N]
//! ```
//! Prints one line `{"port":N}` on stdout once listening, then serves until killed (or until
//! stdin closes, when `--stdin-lifetime` is given). Faults in `--script` apply in order to the
//! next request of that MTI (`0200:drop_response,0200:code:51,0400:late`); see
//! `poscore_sim::Fault::parse` for the spellings.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use poscore_sim::{tcp, Acquirer};

fn main() {
    let mut port = 0u16;
    let mut seed = 1u64;
    let mut late_ms = 3_000u64;
    let mut stdin_lifetime = false;
    let mut acq_script = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = |name: &str| args.next().unwrap_or_else(|| die(&format!("{name} needs a value")));
        match a.as_str() {
            "--port" => port = val("--port").parse().unwrap_or_else(|_| die("bad --port")),
            "--seed" => seed = val("--seed").parse().unwrap_or_else(|_| die("bad --seed")),
            "--late-ms" => late_ms = val("--late-ms").parse().unwrap_or_else(|_| die("bad --late-ms")),
            "--stdin-lifetime" => stdin_lifetime = true,
            "--script" => acq_script.extend(poscore_sim::parse_script(&val("--script")).unwrap_or_else(|e| die(&e))),
            "-h" | "--help" => {
                println!("poscore-sim [--port N] [--seed N] [--script MTI:FAULT,...] [--late-ms N] [--stdin-lifetime]");
                return;
            }
            other => die(&format!("unknown argument {other:?}")),
        }
    }
    let mut acq = Acquirer::new(seed);
    for (m, f) in acq_script {
        acq.push_fault(m.as_deref(), f);
    }
    let acq = Arc::new(Mutex::new(acq));
    let server = tcp::serve(port, acq, late_ms).unwrap_or_else(|e| die(&format!("cannot listen: {e}")));
    println!("{{\"port\":{}}}", server.port);
    let _ = std::io::stdout().flush();
    if stdin_lifetime {
        let mut sink = String::new();
        while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
        server.shutdown();
    } else {
        loop {
            std::thread::park();
        }
    }
}

fn die(msg: &str) -> ! {
    eprintln!("poscore-sim: {msg}");
    std::process::exit(2);
}
