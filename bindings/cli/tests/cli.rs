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

#[test]
fn store_put_get_list_check() {
    let dir = std::env::temp_dir().join(format!("poscore-cli-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let out = poscore(&["store", "put", "--dir", d, "reversal/pending", "0400AB", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["fsyncs"], 2);
    let out = poscore(&["store", "get", "--dir", d, "reversal/pending", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["value"], "0400AB");
    let out = poscore(&["store", "list", "--dir", d, "--prefix", "reversal/", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["keys"], serde_json::json!(["reversal/pending"]));
    let out = poscore(&["store", "check", "--dir", d, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["records"], 1);
    // Damage the record: check fails with store.corrupt on stderr.
    let rec = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "rec"))
        .unwrap();
    let mut bytes = std::fs::read(&rec).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&rec, bytes).unwrap();
    let out = poscore(&["store", "check", "--dir", d, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["code"], "store.corrupt");
    assert_eq!(v["error"]["module"], "store");
    let _ = std::fs::remove_dir_all(&dir);
}
