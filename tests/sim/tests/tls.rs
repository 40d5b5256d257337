//! TLS to the acquirer, end to end over loopback: the blocking driver with rustls against the
//! simulator serving TLS. Every refusal is the right diagnosis with nothing sent and no reversal;
//! a line cut after the request was written reverses; the network faults of the fault matrix
//! behave over TLS as over TCP.

#[path = "../examples/pki/mod.rs"]
#[allow(dead_code)]
mod pki;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use poscore::rng::SeededRng;
use poscore::store::MemoryStore;
use poscore::terminal::driver::tls::{TlsConnector, TlsOptions};
use poscore::terminal::driver::{now_ms, TcpDriver};
use poscore::terminal::{Config, Request, Terminal};
use poscore_sim::cards::{chip, pin};
use poscore_sim::{tcp, Acquirer, Fault};
use serde_json::Value;

/// The test PKI, minted once per test binary.
fn pki_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("poscore-tls-{}", std::process::id()));
        pki::write(&dir).expect("write the test PKI");
        dir
    })
}

fn file(name: &str) -> Vec<u8> {
    std::fs::read(pki_dir().join(name)).expect(name)
}

fn pin_of(name: &str) -> String {
    let pins: Value = serde_json::from_slice(&file("pins.json")).unwrap();
    pins[name].as_str().unwrap().to_owned()
}

/// A TLS simulator presenting `cert` (`server`, `expired`, `rogue`, `other-name`).
struct Host {
    acq: Arc<Mutex<Acquirer>>,
    server: Option<tcp::Server>,
    port: u16,
}

impl Host {
    fn start(cert: &str, client_ca: bool, faults: &[(&str, Fault)]) -> Self {
        Self::start_full(cert, client_ca, faults, 300)
    }

    /// With answers delayed up to `max_delay_ms` (a "late" answer arrives after that long).
    fn start_with_delay(cert: &str, faults: &[(&str, Fault)], max_delay_ms: u64) -> Self {
        Self::start_full(cert, false, faults, max_delay_ms)
    }

    fn start_full(cert: &str, client_ca: bool, faults: &[(&str, Fault)], max_delay_ms: u64) -> Self {
        let mut acq = Acquirer::new(7);
        for (mti, f) in faults {
            acq.push_fault(Some(mti), f.clone());
        }
        let acq = Arc::new(Mutex::new(acq));
        let ca = client_ca.then(|| file("client-ca.pem"));
        let config =
            tcp::tls_server_config(&file(&format!("{cert}.pem")), &file(&format!("{cert}.key")), ca.as_deref())
                .unwrap();
        let server = tcp::serve_tls(0, acq.clone(), max_delay_ms, config).unwrap();
        let port = server.port;
        Self { acq, server: Some(server), port }
    }

    fn requests(&self, mti: &str) -> u32 {
        self.acq.lock().unwrap().ledger.requests.get(mti).copied().unwrap_or(0)
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown();
        }
    }
}

fn ca_only() -> TlsOptions {
    TlsOptions { ca_pem: Some(file("ca.pem")), ..TlsOptions::default() }
}

fn config() -> Config {
    Config { response_timeout_ms: 1_000, reversal_idle_delay_ms: 3_600_000, ..Config::demo() }
}

fn terminal() -> Terminal {
    terminal_with(config())
}

fn terminal_with(config: Config) -> Terminal {
    Terminal::new(config, poscore_sim::pair::tmk(), Box::new(MemoryStore::new()), Box::new(SeededRng::new(7)), now_ms())
        .unwrap()
}

/// Runs `requests` over TLS with `opts`; the events as JSON.
fn run(host: &Host, opts: &TlsOptions, t: &mut Terminal, requests: Vec<Request>) -> Vec<Value> {
    let connector = TlsConnector::new(opts, "127.0.0.1").expect("TLS options");
    let mut driver = TcpDriver::with_tls(([127, 0, 0, 1], host.port).into(), connector);
    let mut events = Vec::new();
    for r in requests {
        t.start(r, now_ms()).unwrap();
        driver.run_until_idle(t, &mut |e| events.push(serde_json::to_value(e).unwrap()));
    }
    events
}

fn of_type<'a>(events: &'a [Value], ty: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == ty).collect()
}

fn sale() -> Request {
    Request::Sale { amount: 1_234, card: chip(), pin: pin() }
}

fn assert_approved_over(host: &Host, opts: &TlsOptions) {
    let mut t = terminal();
    let events = run(host, opts, &mut t, vec![Request::SignOn, sale()]);
    assert_eq!(of_type(&events, "signed_on").len(), 1, "{events:#?}");
    assert_eq!(of_type(&events, "approved").len(), 1, "{events:#?}");
    assert_eq!(host.requests("0200"), 1);
}

#[test]
fn a_sale_over_tls_verified_by_the_ca() {
    assert_approved_over(&Host::start("server", false, &[]), &ca_only());
}

#[test]
fn a_sale_over_tls_verified_by_a_pinned_ca_key_alone() {
    let opts = TlsOptions { pins: vec![pin_of("ca")], ..TlsOptions::default() };
    assert_approved_over(&Host::start("server", false, &[]), &opts);
}

#[test]
fn a_sale_over_tls_verified_by_the_ca_and_a_pinned_host_key() {
    let opts = TlsOptions { pins: vec![pin_of("server")], ..ca_only() };
    assert_approved_over(&Host::start("server", false, &[]), &opts);
}

#[test]
fn mutual_tls_with_the_terminal_certificate() {
    let opts = TlsOptions {
        client_cert_pem: Some(file("client.pem")),
        client_key_pem: Some(zeroize::Zeroizing::new(file("client.key"))),
        ..ca_only()
    };
    assert_approved_over(&Host::start("server", true, &[]), &opts);
}

/// Signs on over plain trust, then runs a sale against a host whose TLS the terminal refuses:
/// the sale fails with `code`, nothing reached the host, nothing is pending.
fn refused(cert: &str, opts: &TlsOptions, code: &str) {
    let good = Host::start("server", false, &[]);
    let mut t = terminal();
    run(&good, &ca_only(), &mut t, vec![Request::SignOn]);
    let bad = Host::start(cert, false, &[]);
    let events = run(&bad, opts, &mut t, vec![sale()]);
    let failed = of_type(&events, "failed");
    assert_eq!(failed.len(), 1, "{events:#?}");
    assert_eq!(failed[0]["diagnosis"]["entry"]["code"], code, "{:#}", failed[0]);
    assert_eq!(failed[0]["reversal_pending"], false);
    assert!(of_type(&events, "reversal_pending").is_empty(), "{events:#?}");
    assert!(t.pending().is_empty(), "nothing to reverse");
    assert_eq!(bad.requests("0200"), 0, "nothing reached the host");
    assert_eq!(bad.requests("0400"), 0);
}

#[test]
fn an_untrusted_certificate_is_refused_before_anything_is_sent() {
    refused("rogue", &ca_only(), "T112");
}

#[test]
fn an_expired_certificate_is_refused_before_anything_is_sent() {
    refused("expired", &ca_only(), "T111");
}

#[test]
fn a_pin_mismatch_is_refused_before_anything_is_sent() {
    // Pins only: the host presents a chain from another CA.
    refused("rogue", &TlsOptions { pins: vec![pin_of("ca")], ..TlsOptions::default() }, "T113");
    // CA and pin: the chain verifies, the key is not the pinned one.
    refused("server", &TlsOptions { pins: vec![pin_of("rogue")], ..ca_only() }, "T113");
}

#[test]
fn a_certificate_for_another_name_is_refused_before_anything_is_sent() {
    refused("other-name", &ca_only(), "T114");
}

#[test]
fn a_host_without_the_terminal_certificate_it_requires_is_not_a_sale() {
    // TLS 1.3: the client's handshake is over before the server checks the client certificate,
    // so the refusal arrives after the request was written. The engine cannot know the request
    // was not processed: it reverses (the host, having refused the connection, booked nothing).
    let host = Host::start("server", true, &[]);
    let mut t = terminal();
    let events = run(&host, &ca_only(), &mut t, vec![Request::SignOn]);
    assert!(of_type(&events, "signed_on").is_empty(), "{events:#?}");
    assert_eq!(host.requests("0800"), 0, "the host never read a message");
}

#[test]
fn a_line_cut_after_the_request_was_written_reverses() {
    let host = Host::start("server", false, &[("0200", Fault::LineDrop)]);
    let mut t = terminal();
    let events = run(&host, &ca_only(), &mut t, vec![Request::SignOn, sale(), sale()]);
    let failed = of_type(&events, "failed");
    assert_eq!(failed.len(), 1, "{events:#?}");
    assert_eq!(failed[0]["diagnosis"]["entry"]["code"], "T104");
    assert_eq!(failed[0]["reversal_pending"], true);
    assert_eq!(of_type(&events, "reversal_cleared").len(), 1, "{events:#?}");
    assert_eq!(of_type(&events, "approved").len(), 1, "the next sale after the reversal");
    assert!(t.pending().is_empty());
    assert_eq!(host.requests("0400"), 1, "one reversal, not two");
}

/// Every sale row of the fault matrix (`tests/vectors/terminal_faults.json`), over TLS: the same
/// outcome and reversal count as in process. `refuse` is left out: a listening socket cannot
/// refuse one connection (see `poscore_sim::tcp`); the refusals TLS adds are the tests above.
#[test]
fn the_fault_matrix_sale_rows_behave_over_tls_as_in_process() {
    let matrix: Value =
        serde_json::from_str(include_str!("../../vectors/terminal_faults.json")).expect("terminal_faults.json");
    let mut ran = 0;
    for row in matrix["vectors"].as_array().expect("vectors") {
        let (kind, fault) = (row["kind"].as_str().unwrap(), row["fault"].as_str().unwrap());
        if kind != "sale" || fault == "refuse" {
            continue;
        }
        let faults: Vec<(&str, Fault)> = match fault {
            "none" => Vec::new(),
            f => vec![("0200", Fault::parse(f).unwrap_or_else(|| panic!("fault {f:?}")))],
        };
        let host = Host::start_with_delay("server", &faults, 1_500);
        // A reversal left by the fault goes out 50 ms after the sale, by `run_due` below.
        let mut t = terminal_with(Config { reversal_idle_delay_ms: 50, ..config() });
        let mut events = run(&host, &ca_only(), &mut t, vec![Request::SignOn, sale()]);
        // Deliver whatever the fault left (a reversal) before judging.
        let connector = TlsConnector::new(&ca_only(), "127.0.0.1").unwrap();
        let mut driver = TcpDriver::with_tls(([127, 0, 0, 1], host.port).into(), connector);
        driver.run_due(&mut t, &mut |e| events.push(serde_json::to_value(e).unwrap()));
        let outcome = if !of_type(&events, "approved").is_empty() {
            "approved"
        } else if !of_type(&events, "declined").is_empty() {
            "declined"
        } else if host.requests("0400") > 0 {
            "reversed"
        } else {
            "failed"
        };
        assert_eq!(outcome, row["expect"].as_str().unwrap(), "{fault}: {events:#?}");
        assert_eq!(u64::from(host.requests("0400")), row["reversals"].as_u64().unwrap(), "{fault}");
        assert!(t.pending().is_empty(), "{fault}: nothing left pending");
        ran += 1;
    }
    assert!(ran >= 14, "sale rows run: {ran}");
}
