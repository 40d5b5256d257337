//! `poscore explain` end to end: the JSON shape the issue specifies, terminal codes, unknown
//! codes, profiles from files, and the docs page.

use std::process::Command;

use serde_json::Value;

fn poscore(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_poscore")).args(args).output().expect("run poscore");
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn json(args: &[&str]) -> Value {
    let (ok, out, err) = poscore(args);
    assert!(ok, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn explain_json_shape() {
    let v = json(&["explain", "51", "--lang", "en", "--json"]);
    assert_eq!(v["code"], "51");
    assert_eq!(v["source"], "unionpay");
    assert_eq!(v["outcome"], "Declined");
    assert_eq!(v["cause"], "account_balance");
    assert_eq!(v["unknown"], false);
    assert!(v["operator_text"].is_string() && v["customer_text"].is_string());
    assert_eq!(v["remedies"][0], "Ask for another card or another payment method");
    let zh = json(&["explain", "51", "--lang", "zh-CN", "--json", "--profile", "iso"]);
    assert_eq!(zh["source"], "iso");
    assert_eq!(zh["operator_text"], "余额不足");
}

#[test]
fn terminal_and_unknown_codes() {
    assert_eq!(json(&["explain", "103", "--json"])["source"], "terminal");
    assert_eq!(json(&["explain", "9997", "--json"])["source"], "terminal");
    let u = json(&["explain", "QZ", "--json"]);
    assert_eq!(u["outcome"], "Declined");
    assert_eq!(u["unknown"], true);
}

#[test]
fn next_action_with_request() {
    let v = json(&["explain", "comm.receive_timeout.after_send", "--request", "financial", "--json"]);
    assert_eq!(v["code"], "T103");
    assert_eq!(v["action"], "reverse");
    assert_eq!(v["reversal_reason"], "98");
    assert_eq!(json(&["explain", "25", "--request", "reversal", "--json"])["action"], "reversal_done");
}

#[test]
fn profile_from_file() {
    let dir = std::env::temp_dir().join(format!("poscore-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("acme.json");
    std::fs::write(
        &path,
        r#"{"name": "acme", "base": "unionpay", "entries": [{"code": "51", "outcome": "RetryLater"}]}"#,
    )
    .unwrap();
    let v = json(&["explain", "51", "--profile", path.to_str().unwrap(), "--json"]);
    assert_eq!(v["outcome"], "RetryLater");
    assert_eq!(v["source"], "acquirer");
    let (ok, _, err) = poscore(&["explain", "51", "--profile", "visa", "--json"]);
    assert!(!ok);
    assert!(err.contains("response.unknown_profile"), "{err}");
    let (ok, _, err) = poscore(&["explain", "51", "--lang", "fr"]);
    assert!(!ok);
    assert!(err.contains("response.unknown_language"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn all_markdown_is_the_docs_page() {
    let (ok, out, err) = poscore(&["explain", "--all", "--format", "markdown"]);
    assert!(ok, "{err}");
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/response-codes.md")).unwrap();
    assert!(out == page, "docs/response-codes.md is stale: regenerate with `poscore explain --all --format markdown`");
    let all = json(&["explain", "--all", "--json", "--profile", "iso"]);
    let entries = all["entries"].as_array().unwrap();
    assert_eq!(entries.iter().filter(|e| e["source"] == "iso").count(), 100, "ISO 00-99");
    assert!(entries.iter().any(|e| e["code"] == "9997-03" && e["source"] == "terminal"));
}
