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
fn demo_runs_a_terminal_day_with_invariants_held() {
    let dir = std::env::temp_dir().join(format!("poscore-cli-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = poscore(&["demo", "--json", "--seed", "3", "--data-dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let types: Vec<String> = lines.iter().filter_map(|l| l["event"]["type"].as_str().map(str::to_owned)).collect();
    for t in [
        "signed_on",
        "approved",
        "declined",
        "reversal_recorded",
        "reversal_pending",
        "reversal_sent",
        "reversal_cleared",
        "settlement_balanced",
        "echo_answered",
        "downloaded",
        "host_requested",
        "batch_uploaded",
        "chip_completed",
        "script_advice_delivered",
    ] {
        assert!(types.iter().any(|x| x == t), "no {t} event");
    }
    // The downloads: parameters, CA public keys (verified), status upload, then the AIDs the
    // reply header asked for, before the next sale.
    let downloads: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"]["type"] == "downloaded")
        .filter_map(|l| l["event"]["kind"].as_str())
        .collect();
    assert_eq!(downloads, ["parameter_download", "capk_download", "status_upload", "aid_download"]);
    // Field 59 in every financial request, decoded: A2 with device type and serial number.
    let f59: Vec<&serde_json::Value> = lines.iter().filter_map(|l| l.get("field59")).collect();
    assert!(f59.len() >= 10, "{}", f59.len());
    for f in &f59 {
        assert_eq!(f["decoded"]["A2"]["01"], "04", "{f}");
        assert!(f["decoded"]["A2"]["02"].as_str().is_some_and(|s| !s.is_empty()), "{f}");
    }
    // The partial approval: approved for less, the rest shown.
    let partial = lines.iter().find(|l| l["event"]["requested_amount"].is_u64()).expect("a partial approval");
    assert_eq!(
        (partial["event"]["amount"].as_u64(), partial["event"]["requested_amount"].as_u64()),
        (Some(15_000), Some(20_000))
    );
    // The reversal goes out before the next sale.
    let sent = types.iter().position(|t| t == "reversal_sent").unwrap();
    let pending = types.iter().position(|t| t == "reversal_pending").unwrap();
    assert!(pending < sent);
    let summary = lines.last().unwrap();
    let inv = &summary["invariants"];
    assert_eq!(inv["ledger_equals_approved_log"], true);
    assert_eq!(inv["no_pending_reversal"], true);
    assert_eq!(inv["no_duplicate_reversal"], true);
    assert_eq!(inv["stan_never_reused"], true);
    assert_eq!(inv["settled_once_nothing_booked_into_a_closed_batch"], true);
    assert_eq!(inv["field59_in_every_financial_request"], true);
    assert!(inv["ca_public_keys"].as_u64().unwrap() >= 3 && inv["aid_params"].as_u64().unwrap() >= 1, "{inv}");
    // Every journal record of the day was scanned: no track data, PIN block or stray PAN.
    assert_eq!(inv["journal_card_data_leaks"], serde_json::json!([]), "{inv}");
    let html = summary["html_receipt"].as_str().unwrap();
    let page = std::fs::read_to_string(html).unwrap();
    assert!(page.contains("621234******1232") && !page.contains("6212345678901232"));
    let codes: Vec<&str> = summary["steps"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"55") && codes.contains(&"51") && codes.contains(&"96") && codes.contains(&"T103"));
    // Text mode prints the summary table and the invariants.
    let text = poscore(&["demo", "--seed", "3"]);
    let t = String::from_utf8_lossy(&text.stdout);
    assert!(t.contains("Summary") && t.contains("✓ host net charges == terminal approved log"), "{t}");
    let _ = std::fs::remove_dir_all(&dir);
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

#[test]
fn sim_subcommand_prints_its_port_and_serves() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_poscore"))
        .args(["sim", "--seed", "2", "--script", "0200:code:51", "--stdin-lifetime"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    let port = u16::try_from(v["port"].as_u64().unwrap()).unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    let bad = poscore(&["sim", "--script", "0200:nonsense"]);
    assert_eq!(bad.status.code(), Some(1));
}
