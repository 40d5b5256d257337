//! The `poscore-sim` binary as the Node and Kotlin end-to-end tests use it: start it, read the
//! port from its first line, run a terminal against it over TCP with the blocking driver.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use poscore::rng::SeededRng;
use poscore::store::MemoryStore;
use poscore::terminal::driver::{now_ms, TcpDriver};
use poscore::terminal::{Config, Event, Request, Terminal};
use poscore_sim::cards::{chip, pin};

#[test]
fn binary_serves_a_terminal_over_tcp_with_scripted_faults() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_poscore-sim"))
        .args(["--port", "0", "--seed", "4", "--script", "0200:drop_response", "--stdin-lifetime"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start poscore-sim");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).expect("{\"port\":N}");
    let port = u16::try_from(v["port"].as_u64().unwrap()).unwrap();

    let config = Config { response_timeout_ms: 500, reversal_idle_delay_ms: 3_600_000, ..Config::demo() };
    let mut t = Terminal::new(
        config,
        poscore_sim::pair::tmk(),
        Box::new(MemoryStore::new()),
        Box::new(SeededRng::new(4)),
        now_ms(),
    )
    .unwrap();
    let mut driver = TcpDriver::new(([127, 0, 0, 1], port).into());
    let mut events = Vec::new();
    let mut run = |t: &mut Terminal, r: Request, events: &mut Vec<Event>| {
        t.start(r, now_ms()).unwrap();
        driver.run_until_idle(t, &mut |e| events.push(e.clone()));
    };
    run(&mut t, Request::SignOn, &mut events);
    run(&mut t, Request::Sale { amount: 1_000, card: chip(), pin: pin() }, &mut events); // answer dropped
    run(&mut t, Request::Sale { amount: 2_000, card: chip(), pin: pin() }, &mut events); // reversal first
    let kinds: Vec<String> =
        events.iter().map(|e| serde_json::to_value(e).unwrap()["type"].as_str().unwrap().to_owned()).collect();
    assert!(kinds.contains(&"signed_on".to_owned()), "{kinds:?}");
    let pending = kinds.iter().position(|k| k == "reversal_pending").expect("timeout → reversal");
    let cleared = kinds.iter().position(|k| k == "reversal_cleared").expect("reversal acknowledged");
    let approved = kinds.iter().rposition(|k| k == "approved").expect("second sale approved");
    assert!(pending < cleared && cleared < approved, "{kinds:?}");
    assert!(t.pending().is_empty());
    drop(child.stdin.take()); // --stdin-lifetime: the server exits
    let status = child.wait().unwrap();
    assert!(status.success());
}
