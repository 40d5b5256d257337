//! `poscore sim`: serve the acquirer simulator on loopback TCP or TLS (same as the `poscore-sim`
//! binary), for end-to-end tests that only have the `poscore` binary at hand.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use clap::Args;
use poscore_sim::{tcp, Acquirer};

/// `poscore sim` flags.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0: any free port; the port is printed as `{"port":N}`).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed for the issued keys and the fault dice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Faults for the next requests: `MTI:FAULT,...` (`0200:drop_response,0400:code:96`).
    #[arg(long, default_value = "")]
    script: String,
    /// Longest answer delay over TCP (late answers arrive after this many ms).
    #[arg(long, default_value_t = 3_000)]
    late_ms: u64,
    /// Exit when stdin closes (so a dying test harness takes the server with it).
    #[arg(long)]
    stdin_lifetime: bool,
    /// Keep the ledger (bookings, reversals, settlements) as JSON in this file, rewritten
    /// atomically after every request: what a test or an integrator reconciles against.
    #[arg(long, value_name = "FILE")]
    ledger: Option<std::path::PathBuf>,
    /// Serve TLS with this certificate chain (PEM, leaf first) instead of plain TCP.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The private key of `--tls-cert` (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Require a client certificate issued by this CA (mutual TLS).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_client_ca: Option<std::path::PathBuf>,
}

/// Serves until killed (or stdin closes with `--stdin-lifetime`).
pub fn run(a: &SimArgs) -> Result<(), String> {
    let mut acq = Acquirer::new(a.seed);
    for (mti, fault) in poscore_sim::parse_script(&a.script)? {
        acq.push_fault(mti.as_deref(), fault);
    }
    acq.ledger_file.clone_from(&a.ledger);
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(tcp::tls_server_config_files(cert, key, a.tls_client_ca.as_deref())?),
        _ => None,
    };
    let secure = tls.is_some();
    let server =
        tcp::serve_opt(a.port, Arc::new(Mutex::new(acq)), a.late_ms, tls).map_err(|e| format!("cannot listen: {e}"))?;
    println!("{}", tcp::listening_line(server.port, secure));
    let _ = std::io::stdout().flush();
    if a.stdin_lifetime {
        // Discard whatever arrives without keeping it (a line that never ends must not grow a
        // buffer); only the end of stdin matters.
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        server.shutdown();
        Ok(())
    } else {
        loop {
            std::thread::park();
        }
    }
}
