//! The `poscore` binary as a user runs it: JSON on stdout, errors on stderr with a non-zero exit.

use std::process::Command;

fn poscore(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_poscore")).args(args).output().expect("run poscore")
}

#[test]
fn card_inspect_json() {
    let out = poscore(&["card", "inspect", "4761739001010010", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["brand"], "visa");
    assert_eq!(v["luhn_valid"], true);
    assert_eq!(v["masked"], "476173******0010");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("4761739001010010"));
}

#[test]
fn errors_go_to_stderr_with_nonzero_exit() {
    let out = poscore(&["card", "inspect", "4761739001010010=25A2201", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["code"], "card.unexpected_char");
    let out = poscore(&["card", "inspect", "4761739001010010=25A2201"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error[card.unexpected_char]"));
}

#[test]
fn demo_runs() {
    let out = poscore(&["demo", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["events"].as_array().unwrap().len() >= 5);
}
