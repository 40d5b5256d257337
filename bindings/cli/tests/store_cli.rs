//! `poscore store`: the read commands change nothing anywhere, and a sealed journal (the demo's)
//! opens with a key file, never with the key on the command line.

use std::path::{Path, PathBuf};
use std::process::Command;

fn poscore(args: &[&str], env: &[(&str, &Path)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_poscore"));
    cmd.args(args).env_remove("POSCORE_STORE_KEY").env_remove("POSCORE_STORE_KEY_FILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run poscore")
}

fn error_code(out: &std::process::Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).expect("a JSON error on stderr");
    v["error"]["code"].as_str().unwrap().to_owned()
}

mod common;
use common::TempDir;

/// Every entry under `dir` with its size and modification time, in order: what "changed
/// nothing" is compared on.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let meta = std::fs::metadata(dir).unwrap();
    out.push((dir.to_path_buf(), meta.len(), meta.modified().unwrap()));
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            let m = std::fs::metadata(&p).unwrap();
            out.push((p, m.len(), m.modified().unwrap()));
        }
    }
    out
}

#[test]
fn read_commands_on_a_directory_that_is_not_a_store_change_nothing() {
    let tmp = TempDir::new("not-a-store");
    let dir = tmp.0.join("work");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("draft.tmp"), b"someone's temp file").unwrap();
    std::fs::write(dir.join("notes.txt"), b"notes").unwrap();
    let d = dir.to_str().unwrap();
    let before = snapshot(&tmp.0);
    for args in [
        vec!["store", "list", "--dir", d, "--json"],
        vec!["store", "get", "--dir", d, "reversal/pending", "--json"],
        vec!["store", "check", "--dir", d, "--json"],
        // The writing commands refuse a directory that holds no store, too.
        vec!["store", "check", "--recover", "--dir", d, "--json"],
        vec!["store", "delete", "--dir", d, "reversal/pending", "--json"],
        vec!["store", "put", "--dir", d, "k", "00", "--json"],
    ] {
        assert_eq!(error_code(&poscore(&args, &[])), "store.not_a_store", "{args:?}");
    }
    assert_eq!(snapshot(&tmp.0), before, "no file created, deleted or touched");
    // A missing directory is not created.
    let missing = tmp.0.join("missing");
    let out = poscore(&["store", "list", "--dir", missing.to_str().unwrap(), "--json"], &[]);
    assert_eq!(error_code(&out), "store.not_a_store");
    assert!(!missing.exists());
    assert_eq!(snapshot(&tmp.0), before);
}

#[test]
fn read_commands_leave_a_stores_crash_leftovers_alone() {
    let tmp = TempDir::new("leftovers");
    let d = tmp.0.join("store");
    let ds = d.to_str().unwrap();
    assert!(poscore(&["store", "put", "--dir", ds, "k", "0102"], &[]).status.success());
    std::fs::write(d.join("6b.tmp"), b"half a record").unwrap();
    let before = snapshot(&tmp.0);
    let out = poscore(&["store", "list", "--dir", ds, "--json"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["keys"], serde_json::json!(["k"]));
    let out = poscore(&["store", "get", "--dir", ds, "k", "--json"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["value"], "0102");
    assert!(poscore(&["store", "check", "--dir", ds], &[]).status.success());
    assert_eq!(snapshot(&tmp.0), before, "reads deleted or touched nothing");
    // Recovery is asked for explicitly.
    assert!(poscore(&["store", "check", "--recover", "--dir", ds], &[]).status.success());
    assert!(!d.join("6b.tmp").exists());
}

#[test]
fn the_demo_journal_opens_with_a_key_file() {
    let tmp = TempDir::new("demo-journal");
    let data = tmp.0.join("demo");
    let out = poscore(&["demo", "--json", "--seed", "3", "--data-dir", data.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let journal = data.join("journal");
    let j = journal.to_str().unwrap();
    // The demo's public sealing key, as 32 raw bytes and as 64 hex digits.
    let raw = tmp.0.join("demo.key");
    std::fs::write(&raw, b"poscore-demo-journal-sealing-key").unwrap();
    let hex = tmp.0.join("demo.hex");
    let digits: String = b"poscore-demo-journal-sealing-key".iter().fold(String::new(), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02X}");
        s
    });
    std::fs::write(&hex, format!("{digits}\n")).unwrap();
    let before = snapshot(&journal);

    // Without the key: refused, and nothing read or changed.
    assert_eq!(error_code(&poscore(&["store", "list", "--dir", j, "--json"], &[])), "store.sealed_key_mismatch");
    let mut listed = Vec::new();
    for (args, env) in [
        (vec!["store", "list", "--dir", j, "--key-file", raw.to_str().unwrap(), "--json"], vec![]),
        (vec!["store", "list", "--dir", j, "--key-file", hex.to_str().unwrap(), "--json"], vec![]),
        (vec!["store", "list", "--dir", j, "--json"], vec![("POSCORE_STORE_KEY_FILE", raw.as_path())]),
    ] {
        let out = poscore(&args, &env);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let keys: Vec<String> = serde_json::from_value(v["keys"].clone()).unwrap();
        assert!(keys.iter().any(|k| k.starts_with("txn/")), "{keys:?}");
        listed.push(keys);
    }
    assert!(listed.windows(2).all(|w| w[0] == w[1]));
    let out = poscore(&["store", "check", "--dir", j, "--key-file", raw.to_str().unwrap(), "--json"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["sealed"].as_bool(), v["records"].as_u64()), (Some(true), Some(listed[0].len() as u64)), "{v}");
    assert_eq!(snapshot(&journal), before, "reading the journal changed nothing");

    // A wrong key, and a key file of the wrong shape, are refused with the reason.
    let wrong = tmp.0.join("wrong.key");
    std::fs::write(&wrong, [7u8; 32]).unwrap();
    let out = poscore(&["store", "list", "--dir", j, "--key-file", wrong.to_str().unwrap(), "--json"], &[]);
    assert_eq!(error_code(&out), "store.sealed_key_mismatch");
    std::fs::write(&wrong, b"too short").unwrap();
    let out = poscore(&["store", "list", "--dir", j, "--key-file", wrong.to_str().unwrap()], &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("64 hex digits or exactly 32 bytes"));
    let out =
        poscore(&["store", "list", "--dir", j, "--key-file", tmp.0.join("none").to_str().unwrap(), "--json"], &[]);
    assert_eq!(error_code(&out), "store.io");
}
