//! `poscore emv arqc|arpc` end to end: the published Visa CVN 10 and 18 transactions of pyemv's
//! HSM-checked tests (tests/vectors/emv.json, source pyemv-hsm-cvn), verification exit status,
//! and one error per flag naming it.

use std::process::{Command, Output};

const IMK: &str = "0123456789ABCDEFFEDCBA9876543210";
const PAN: &str = "1234567890123456";
const DATA10: &str = "0000000040000000000000000124800004800001241911050152BF45851800001C03A06010";
const DATA18: &str = "0000000040000000000000000124800004800001241911050152BF45851800001C06011203A0B800";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_poscore")).args(args).output().expect("run poscore")
}

/// `poscore --json ARGS`: (exit code, JSON from stdout or stderr).
fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_poscore")).arg("--json").args(args).output().expect("run poscore");
    let text = if out.status.success() { out.stdout } else { out.stderr };
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{e}: {text:?}")))
}

fn arqc_args<'a>(cvn: &'a str, data: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v =
        vec!["emv", "arqc", "--imk", IMK, "--pan", PAN, "--psn", "00", "--atc", "001C", "--data", data, "--cvn", cvn];
    v.extend_from_slice(extra);
    v
}

#[test]
fn emv_arqc_cvn10_and_cvn18() {
    let (code, j) = json(&arqc_args("10", DATA10, &[]));
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["arqc"], "29CCA15AE665FA2E");
    assert_eq!(j["session_key"], j["icc_master_key"], "CVN 10 has no session key");
    assert_eq!(j.as_object().unwrap().len(), 3, "{j}");
    let (code, j) = json(&arqc_args("18", DATA18, &[]));
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["arqc"], "7A788EA6B8A3E733");
    assert_ne!(j["session_key"], j["icc_master_key"]);
    // The text form names each value.
    let out = run(&arqc_args("18", DATA18, &[]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("arqc            7A788EA6B8A3E733"), "{text}");
}

#[test]
fn emv_arqc_verification_exits_1_on_a_mismatch() {
    let (code, j) = json(&arqc_args("10", DATA10, &["--arqc", "29cca15ae665fa2e"]));
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["verified"], true);
    let (code, j) = json(&arqc_args("10", DATA10, &["--arqc", "29CCA15AE665FA2F"]));
    assert_eq!(code, 1);
    assert_eq!(j["error"]["code"], "emv.arqc_mismatch");
    // Without --json: one line on stderr, nothing on stdout, no panic.
    let out = run(&arqc_args("18", DATA10, &["--arqc", "7A788EA6B8A3E733"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("error[emv.arqc_mismatch]: ARQC does not verify under CVN 18"), "{err}");
    assert!(!err.contains("panicked") && !err.contains(IMK) && !err.contains(PAN), "{err}");
}

#[test]
fn emv_arpc_method1_and_method2() {
    let base = ["emv", "arpc", "--imk", IMK, "--pan", PAN, "--psn", "00", "--atc", "001C"];
    let mut a = base.to_vec();
    a.extend(["--arqc", "29CCA15AE665FA2E", "--cvn", "10", "--arc", "3030"]);
    let (code, j) = json(&a);
    assert_eq!((code, j.clone()), (0, serde_json::json!({"arpc": "28993816AFAE4AEB"})), "{j}");
    let mut a = base.to_vec();
    a.extend(["--arqc", "7A788EA6B8A3E733", "--cvn", "18", "--csu", "00000000"]);
    assert_eq!(json(&a).1["arpc"], "9AF514C1");
    let out = run(&a);
    assert!(String::from_utf8(out.stdout).unwrap().contains("tag 91          9AF514C100000000"));
    // pyemv tests/test_kd_hsm.py test_derive_icc_mk_b_sha_pad: Option B with decimalised letters,
    // ATC 001C, proprietary authentication data.
    let (code, j) = json(&[
        "emv",
        "arpc",
        "--imk",
        IMK,
        "--pan",
        "000000000000000005",
        "--psn",
        "23",
        "--atc",
        "001C",
        "--arqc",
        "8CAD6F2489C640B1",
        "--cvn",
        "18",
        "--csu",
        "00000000",
        "--prop-auth-data",
        "12345678",
    ]);
    assert_eq!((code, &j["arpc"]), (0, &serde_json::json!("E39F1876")), "{j}");
}

#[test]
#[allow(clippy::similar_names)] // ARQC and ARPC are the EMV names
fn emv_every_flag_is_checked_and_named() {
    let arqc = |flag: &str, value: &str| {
        let mut args: Vec<String> = arqc_args("10", DATA10, &[]).into_iter().map(str::to_owned).collect();
        let at = args.iter().position(|a| a == flag).unwrap();
        args[at + 1] = value.to_owned();
        json(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    for (flag, value, code, needle) in [
        ("--imk", "0123", "emv.bad_length", "imk"),
        ("--imk", "0123456789ABCDEFFEDCBA987654321X", "emv.bad_hex", "imk"),
        ("--pan", "1234-5678", "emv.not_digits", "pan"),
        ("--pan", "12345678901234567890", "emv.bad_length", "pan"),
        ("--psn", "1", "emv.bad_length", "psn"),
        ("--psn", "A1", "emv.not_digits", "psn"),
        ("--atc", "1C", "emv.bad_length", "atc"),
        ("--atc", "01C", "emv.bad_hex", "atc"),
        ("--data", "0", "emv.bad_hex", "data"),
        ("--cvn", "22", "emv.unsupported_cvn", "CVN 22"),
    ] {
        let (status, j) = arqc(flag, value);
        assert_eq!(status, 1, "{flag} {value}: {j}");
        assert_eq!(j["error"]["code"], code, "{flag} {value}: {j}");
        assert_eq!(j["error"]["module"], "emv", "{flag} {value}: {j}");
        let message = j["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{flag} {value}: {message}");
    }
    let (status, j) = json(&arqc_args("10", DATA10, &["--arqc", "29CC"]));
    assert_eq!((status, j["error"]["code"].as_str()), (1, Some("emv.bad_length")));
    assert!(j["error"]["message"].as_str().unwrap().starts_with("arqc"));

    let arpc = |extra: &[&str]| {
        let mut a = vec![
            "emv",
            "arpc",
            "--imk",
            IMK,
            "--pan",
            PAN,
            "--psn",
            "00",
            "--atc",
            "001C",
            "--arqc",
            "29CCA15AE665FA2E",
        ];
        a.extend_from_slice(extra);
        json(&a)
    };
    for (extra, code, needle) in [
        (&["--cvn", "10"][..], "emv.missing_input", "arc"),
        (&["--cvn", "10", "--arc", "30"][..], "emv.bad_length", "arc"),
        (&["--cvn", "10", "--arc", "3030", "--csu", "00000000"][..], "emv.unexpected_input", "csu"),
        (&["--cvn", "10", "--arc", "3030", "--prop-auth-data", "01"][..], "emv.unexpected_input", "prop-auth-data"),
        (&["--cvn", "18"][..], "emv.missing_input", "csu"),
        (&["--cvn", "18", "--csu", "000000"][..], "emv.bad_length", "csu"),
        (&["--cvn", "18", "--csu", "00000000", "--arc", "3030"][..], "emv.unexpected_input", "arc"),
        (
            &["--cvn", "18", "--csu", "00000000", "--prop-auth-data", "001122334455667788"][..],
            "emv.bad_length",
            "prop-auth-data",
        ),
        (&["--cvn", "18", "--csu", "0000000G"][..], "emv.bad_hex", "csu"),
    ] {
        let (status, j) = arpc(extra);
        assert_eq!(status, 1, "{extra:?}: {j}");
        assert_eq!(j["error"]["code"], code, "{extra:?}: {j}");
        assert!(j["error"]["message"].as_str().unwrap().starts_with(needle), "{extra:?}: {j}");
    }
    // A missing or non-numeric flag is a usage error naming it (exit 2).
    let out = run(&["emv", "arqc", "--imk", IMK, "--pan", PAN, "--psn", "00", "--atc", "001C", "--data", "00"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--cvn"));
    let out = run(&arqc_args("ten", DATA10, &[]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--cvn"));
}

#[test]
fn emv_in_batch_mode() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_poscore"))
        .arg("batch")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let line = serde_json::to_string(&arqc_args("18", DATA18, &["--arqc", "7A788EA6B8A3E733"])).unwrap();
    child.stdin.take().unwrap().write_all(format!("{line}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["verified"], true, "{j}");
}
