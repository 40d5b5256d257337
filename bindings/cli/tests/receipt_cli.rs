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

/// A record as the npm package hands it out (camelCase keys: `voucherNo`) renders the same.
#[test]
fn a_camel_cased_record_from_the_npm_package_renders_the_same() {
    fn camel(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => serde_json::Value::Object(
                m.into_iter()
                    .map(|(k, v)| {
                        let mut out = String::new();
                        let mut up = false;
                        for c in k.chars() {
                            if c == '_' {
                                up = true;
                            } else if up {
                                out.push(c.to_ascii_uppercase());
                                up = false;
                            } else {
                                out.push(c);
                            }
                        }
                        (out, camel(v))
                    })
                    .collect(),
            ),
            serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(camel).collect()),
            other => other,
        }
    }
    let input = vectors().join("inputs/chip_sale.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&input).unwrap()).unwrap();
    let path = std::env::temp_dir().join(format!("poscore-camel-{}.json", std::process::id()));
    std::fs::write(&path, camel(v).to_string()).unwrap();
    let snake = poscore(&["receipt", "--from-json", input.to_str().unwrap(), "--format", "text"]);
    let camel_out = poscore(&["receipt", "--from-json", path.to_str().unwrap(), "--format", "text"]);
    let _ = std::fs::remove_file(&path);
    assert!(camel_out.status.success(), "{}", String::from_utf8_lossy(&camel_out.stderr));
    assert_eq!(snake.stdout, camel_out.stdout);
}
