//! `poscore receipt` end to end: the binary against the shared goldens.

use std::path::{Path, PathBuf};
use std::process::Command;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/receipts")
}

fn poscore(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_poscore")).args(args).output().expect("run poscore")
}

#[test]
fn text_matches_golden() {
    let input = vectors().join("inputs/chip_sale.json");
    let out = poscore(&["receipt", "--from-json", input.to_str().unwrap(), "--format", "text"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let want = std::fs::read_to_string(vectors().join("chip_sale/text_32_zh.txt")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
}

#[test]
fn escpos_hex_and_raw_file_match_golden() {
    let input = vectors().join("inputs/swipe_sale.json");
    let input = input.to_str().unwrap();
    let want = std::fs::read_to_string(vectors().join("swipe_sale/escpos_48_en.hex")).unwrap();
    let out = poscore(&["receipt", "--from-json", input, "--format", "escpos", "--width", "48", "--lang", "en"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), want.trim());

    let file = std::env::temp_dir().join(format!("poscore-receipt-{}.bin", std::process::id()));
    let out = poscore(&[
        "receipt",
        "--from-json",
        input,
        "--format",
        "escpos",
        "--width",
        "48",
        "--lang",
        "en",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let raw = std::fs::read(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    let hex: String = raw.iter().fold(String::new(), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02X}");
        s
    });
    assert_eq!(hex, want.trim());
}

#[test]
fn json_flag_and_reprint() {
    let input = vectors().join("inputs/chip_sale.json");
    let out = poscore(&[
        "--json",
        "receipt",
        "--from-json",
        input.to_str().unwrap(),
        "--format",
        "json",
        "--copy",
        "cardholder",
        "--reprint",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "json");
    assert_eq!(v["output"]["schema_version"], 1);
    assert_eq!(v["output"]["reprint"], true);
    assert_eq!(v["output"]["copy"], "cardholder");
    assert_eq!(v["output"]["card"]["masked_pan"], "621234******1232");
}

#[test]
fn bad_record_is_an_error_with_a_code() {
    let input = vectors().join("inputs/bad_pan.json");
    let out = poscore(&["--json", "receipt", "--from-json", input.to_str().unwrap()]);
    assert!(!out.status.success());
    let e: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(e["error"]["code"], "receipt.bad_pan");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("6212-3456"), "the PAN is not echoed");
}
