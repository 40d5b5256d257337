//! The crypto subcommands end to end: `--json` output, uppercase hex, errors on stderr.

use std::io::Write;
use std::process::{Command, Stdio};

fn poscore(args: &[&str]) -> (bool, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_poscore")).arg("--json").args(args).output().expect("run poscore");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let json = if out.status.success() {
        serde_json::from_str(&stdout).unwrap()
    } else {
        serde_json::from_str(&stderr).unwrap()
    };
    (out.status.success(), json, stdout)
}

#[test]
fn pin_encode_decode() {
    let (ok, j, _) = poscore(&["pin", "encode", "--format", "0", "--pin", "1234", "--pan", "5432101234567890"]);
    assert!(ok);
    assert_eq!(j["pin_block"], "041215FEDCBA9876");
    let (ok, j, _) = poscore(&[
        "pin",
        "encode",
        "--format",
        "4",
        "--pin",
        "1234",
        "--pan",
        "4111111111111111",
        "--key",
        "AF8CB133A78F8DC2D1359F18527593FB",
        "--fill",
        "2F69ADDE2E9E7ACE",
    ]);
    assert!(ok);
    assert_eq!(j["pin_block"], "A912150391AB65A67E52883D81CE2D15");
    let (ok, j, _) = poscore(&[
        "pin",
        "decode",
        "--format",
        "4",
        "--block",
        "a912150391ab65a67e52883d81ce2d15",
        "--pan",
        "4111111111111111",
        "--key",
        "AF8CB133A78F8DC2D1359F18527593FB",
    ]);
    assert!(ok);
    assert_eq!(j["pin"], "1234");
}

#[test]
fn kcv_mac_dukpt_tr31() {
    assert_eq!(poscore(&["kcv", "--key", "0123456789ABCDEFFEDCBA9876543210"]).1["kcv"], "08D7B4");
    let now = "4E6F77206973207468652074696D6520666F7220616C6C20";
    let (_, j, _) = poscore(&[
        "mac",
        "--algorithm",
        "x9.19",
        "--key",
        "0123456789ABCDEFFEDCBA9876543210",
        "--data",
        now,
        "--length",
        "4",
    ]);
    assert_eq!(j["mac"], "A1C72E74");
    let (_, j, _) =
        poscore(&["dukpt", "derive", "--bdk", "0123456789ABCDEFFEDCBA9876543210", "--ksn", "FFFF9876543210E00001"]);
    assert_eq!(j["ipek"], "6AC292FAA1315B4D858AB3A3D7D5933A");
    assert_eq!(j["pin_key"], "042666B49184CF5C68DE9628D0397B36");
    let (_, j, _) = poscore(&[
        "dukpt",
        "derive",
        "--aes",
        "--bdk",
        "FEDCBA9876543210F1F1F1F1F1F1F1F1",
        "--ksn",
        "123456789012345600000001",
        "--key-type",
        "pin",
        "--working-key",
        "2tdea",
    ]);
    assert_eq!(j["working_key"], "630C706D9546E47D4449313F61C4D4AB");
    let (_, j, _) = poscore(&[
        "tr31",
        "wrap",
        "--kbpk",
        "DD7515F2BFC17F85CE48F3CA25CB21F6",
        "--key",
        "3F419E1CB7079442AA37474C2EFBF8B8",
        "--header",
        "B0000P0TE00E0000",
        "--seed",
        "3",
    ]);
    let block = j["key_block"].as_str().unwrap().to_owned();
    let (ok, j, _) = poscore(&["tr31", "unwrap", "--kbpk", "DD7515F2BFC17F85CE48F3CA25CB21F6", "--block", &block]);
    assert!(ok);
    assert_eq!(j["key"], "3F419E1CB7079442AA37474C2EFBF8B8");
    assert_eq!(j["header"]["key_usage"], "P0");
}

#[test]
fn errors_are_json_on_stderr() {
    let (ok, j, stdout) =
        poscore(&["pin", "decode", "--format", "0", "--block", "141234FFFFFFFFFF", "--pan", "4761739001010010"]);
    assert!(!ok);
    assert!(stdout.is_empty());
    assert_eq!(j["error"]["code"], "pin.control_field");
    assert_eq!(j["error"]["module"], "pin");
    let (ok, j, _) =
        poscore(&["tr31", "unwrap", "--kbpk", "DD7515F2BFC17F85CE48F3CA25CB21F6", "--block", "B0016P0TE00E0000"]);
    assert!(!ok);
    assert_eq!(j["error"]["code"], "tr31.bad_key_data");
}

#[test]
fn batch_answers_one_line_per_command() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_poscore"))
        .arg("batch")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"[\"kcv\",\"--key\",\"0123456789ABCDEFFEDCBA9876543210\"]\n[\"nope\"]\n[\"mac\",\"--algorithm\",\"md5\",\"--key\",\"00\",\"--data\",\"00\"]\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["kcv"], "08D7B4");
    assert!(lines[1]["usage_error"].is_string());
    assert_eq!(lines[2]["error"]["code"], "mac.unknown_algorithm");
}
