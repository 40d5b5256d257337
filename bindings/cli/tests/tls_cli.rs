//! `poscore terminal` over TLS against `poscore sim --tls-cert`, as an integrator configures it:
//! the `tls` section of the terminal's config file (a CA bundle, pins from `poscore tls pin`),
//! a sale approved; a wrong pin, an expired certificate and an untrusted one each refused with
//! their diagnosis, nothing sent and nothing left to reverse.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::{arg, Sim, TempDir};

#[path = "../../../tests/sim/examples/pki/mod.rs"]
#[allow(dead_code)]
mod pki;

/// `poscore sim` serving TLS with `<cert>.pem` / `<cert>.key` from `pki`.
fn tls_sim(dir: &Path, pki: &Path, cert: &str) -> Sim {
    let (pem, key) = (pki.join(format!("{cert}.pem")), pki.join(format!("{cert}.key")));
    let sim = Sim::start(
        dir.join(format!("ledger-{cert}.json")),
        &["--tls-cert".as_ref(), arg(&pem), "--tls-key".as_ref(), arg(&key)],
    );
    assert_eq!(sim.listening["tls"], true, "{}", sim.listening);
    sim
}

/// Runs `poscore --json terminal ARGS` with a config whose `tls` section is `tls`; every config
/// of a test shares one journal (one terminal, its STANs never repeated to the host).
struct Term {
    config: PathBuf,
    data: PathBuf,
    key: PathBuf,
}

impl Term {
    fn new(dir: &Path, name: &str, port: u16, tls: &serde_json::Value) -> Self {
        std::fs::write(dir.join("tmk.hex"), "0123456789ABCDEFFEDCBA9876543210\n").unwrap();
        std::fs::write(dir.join("journal.key"), b"poscore-cli-terminal-test-key!!!").unwrap();
        let config = serde_json::json!({
            "config": { "terminal_id": "12345678", "merchant_id": "898310048160001", "merchant_name": "poscore 测试商户",
                        "response_timeout_ms": 5_000, "reversal_backoff_ms": 100 },
            "host": format!("127.0.0.1:{port}"),
            "tmk_file": dir.join("tmk.hex"),
            "tls": tls,
        });
        let path = dir.join(format!("terminal-{name}.json"));
        std::fs::write(&path, config.to_string()).unwrap();
        Self { config: path, data: dir.join("data"), key: dir.join("journal.key") }
    }

    fn run(&self, args: &[&str], stdin: &str) -> (bool, serde_json::Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_poscore"))
            .args(["--json", "terminal"])
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .arg("--key-file")
            .arg(&self.key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), stdin.as_bytes()).unwrap();
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            serde_json::json!({ "stderr": String::from_utf8_lossy(&out.stderr),
                                "stdout": String::from_utf8_lossy(&out.stdout) })
        });
        (out.status.success(), v)
    }

    fn sale(&self) -> (bool, serde_json::Value) {
        self.run(&["sale", "--amount", "1234", "--card", "chip", "--pin-stdin"], "123456\n")
    }
}

fn pins(pki: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(pki.join("pins.json")).unwrap()).unwrap()
}

fn has_event(v: &serde_json::Value, ty: &str) -> bool {
    v["events"].as_array().is_some_and(|a| a.iter().any(|e| e["type"] == ty))
}

#[test]
fn a_terminal_day_over_tls_verified_by_the_ca_and_by_a_pin() {
    let dir = TempDir::new("tls-day");
    let pki = dir.0.join("pki");
    pki::write(&pki).unwrap();
    let sim = tls_sim(&dir.0, &pki, "server");

    // `poscore tls pin` prints the pins of a PEM chain, leaf first. Trusted by the CA file; by
    // the acquirer's CA pinned alone (a CA-issued leaf pinned alone is refused on every surface:
    // pin its CA, or give the CA file too, as the third terminal does).
    let out = Command::new(env!("CARGO_BIN_EXE_poscore"))
        .args(["--json", "tls", "pin"])
        .arg(pki.join("server.pem"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["pins"][0], pins(&pki)["server"], "{printed}");
    assert_eq!(printed["pins"][1], pins(&pki)["ca"], "{printed}");
    let configs = [
        ("ca", serde_json::json!({ "ca_file": pki.join("ca.pem") })),
        ("pin", serde_json::json!({ "pins": [printed["pins"][1]] })),
        ("ca-pin", serde_json::json!({ "ca_file": pki.join("ca.pem"), "pins": [printed["pins"][0]] })),
    ];
    for (name, tls) in configs {
        let term = Term::new(&dir.0, name, sim.port, &tls);
        let (ok, v) = term.run(&["sign-on"], "");
        assert!(ok, "{name}: {v}");
        let (ok, v) = term.sale();
        assert!(ok && has_event(&v, "approved"), "{name}: {v}");
    }
    assert_eq!(sim.requests("0200"), 3);
}

/// Each refusal: the sign-on fails with the diagnosis code, no host saw an 0800 and the
/// terminal owes nothing.
#[test]
fn refused_handshakes_show_their_diagnosis_and_leave_nothing_to_reverse() {
    let dir = TempDir::new("tls-refused");
    let pki = dir.0.join("pki");
    pki::write(&pki).unwrap();
    let good = tls_sim(&dir.0, &pki, "server");
    let expired = tls_sim(&dir.0, &pki, "expired");
    let rogue = tls_sim(&dir.0, &pki, "rogue");
    let ca = serde_json::json!({ "ca_file": pki.join("ca.pem") });
    let cases = [
        ("expired", &expired, ca.clone(), "T111"),
        ("rogue", &rogue, ca.clone(), "T112"),
        ("pin", &good, serde_json::json!({ "pins": [pins(&pki)["rogue"]] }), "T113"),
    ];
    for (name, sim, tls, code) in cases {
        // The sign-on is refused at the handshake: no 0800 left the terminal.
        let term = Term::new(&dir.0, name, sim.port, &tls);
        let (ok, v) = term.run(&["sign-on"], "");
        assert!(!ok, "{name}: {v}");
        assert!(v.to_string().contains(code), "{name}: {code} expected in {v}");
        let (ok, v) = term.run(&["pending"], "");
        assert!(ok, "{name}: {v}");
        assert!(!v.to_string().contains("\"stan\""), "{name}: nothing pending: {v}");
    }
    assert_eq!(good.requests("0800") + expired.requests("0800") + rogue.requests("0800"), 0, "nothing reached a host");
}

#[test]
fn the_tls_section_rejects_unknown_keys_and_an_empty_trust() {
    let dir = TempDir::new("tls-config");
    let unknown = Term::new(&dir.0, "unknown", 1, &serde_json::json!({ "ca_fil": "x.pem" }));
    let (ok, v) = unknown.run(&["sign-on"], "");
    assert!(!ok && v.to_string().contains("ca_fil"), "{v}");
    let empty = Term::new(&dir.0, "empty", 1, &serde_json::json!({}));
    let (ok, v) = empty.run(&["sign-on"], "");
    assert!(!ok && v.to_string().to_lowercase().contains("tls"), "{v}");
}
