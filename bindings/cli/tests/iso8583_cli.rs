//! The `poscore iso8583` and `poscore tlv` commands against the shared vectors: the CLI's JSON
//! is the vectors' JSON, so `decode --json` must print each vector's message and `encode` its hex.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn poscore(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_poscore"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run poscore");
    child.stdin.take().unwrap().write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn vectors(name: &str) -> Value {
    let path = format!("{}/../../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn decode_and_encode_every_pack_vector() {
    let all = vectors("iso8583.json");
    let dir = std::env::temp_dir().join(format!("poscore-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for v in all["pack"].as_array().unwrap() {
        let mut spec = v["spec"].as_str().unwrap().to_owned();
        // Test-only specs live in the file's "specs" map: pass them as a spec file.
        if let Some(j) = all["specs"].get(&spec) {
            let path = dir.join(format!("{spec}.json"));
            std::fs::write(&path, j.to_string()).unwrap();
            spec = path.to_str().unwrap().to_owned();
        }
        let spec = spec.as_str();
        let hex = v["hex"].as_str().unwrap();
        let (ok, out, err) = poscore(&["--json", "iso8583", "decode", "--reveal", "--spec", spec, hex], None);
        assert!(ok, "{err}");
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), v["message"], "{}", v["name"]);
        let (ok, out, err) = poscore(&["iso8583", "encode", "--spec", spec], Some(&v["message"].to_string()));
        assert!(ok, "{err}");
        assert_eq!(out.trim(), hex, "{}", v["name"]);
    }
}

#[test]
fn decode_errors_name_field_and_offset() {
    let v = vectors("iso8583.json");
    let bad = v["unpack_errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"].as_str().unwrap().contains("field 35"))
        .unwrap();
    let (ok, _, err) = poscore(&["iso8583", "decode", "--spec", "cup-pos", bad["hex"].as_str().unwrap()], None);
    assert!(!ok);
    assert_eq!(err.trim(), "error[iso8583.bad_length_prefix]: field 35: length prefix \"9A\" is not BCD at offset 39");
}

#[test]
fn text_decode_masks_pan_and_secrets() {
    let v = vectors("iso8583.json");
    let sale = &v["pack"][8];
    let (ok, out, _) = poscore(&["iso8583", "decode", "--spec", "cup-pos", sale["hex"].as_str().unwrap()], None);
    assert!(ok);
    assert!(out.contains("621234******1232"), "{out}");
    assert!(!out.contains("6212345678901232"), "{out}");
    assert!(!out.contains("1122334455667788"), "PIN block shown: {out}");
    assert!(!out.contains("A1B2C3D4E5F60718"), "cryptogram or MAC shown: {out}");
    assert!(out.contains("60.1"), "{out}");
}

#[test]
fn tlv_decode_json() {
    for v in vectors("tlv.json")["decode"].as_array().unwrap() {
        let hex = v["hex"].as_str().unwrap();
        if hex.is_empty() {
            continue;
        }
        let (ok, out, err) = poscore(&["--json", "tlv", "decode", hex], None);
        assert!(ok, "{err}");
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["tlv"], v["tlv"]);
    }
}

#[test]
fn frame_round_trip() {
    let (ok, out, err) =
        poscore(&["iso8583", "frame", "encode", "--tpdu", "6000030000", "--header", "613100000000", "08000020"], None);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "000F6000030000613100000000".to_owned() + "08000020");
    let (ok, out, _) =
        poscore(&["--json", "iso8583", "frame", "decode", "--tpdu", "x", "--header-len", "6", out.trim()], None);
    assert!(ok);
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["response_tpdu"], "6000000003");
    assert_eq!(j["message"], "08000020");
}

#[test]
fn json_decode_masks_too_and_takes_whole_frames_and_dumps_from_stdin() {
    let v = vectors("iso8583.json");
    let sale = &v["pack"][8];
    let hex = sale["hex"].as_str().unwrap();
    let (ok, out, err) = poscore(&["--json", "iso8583", "decode", "--spec", "cup-pos", hex], None);
    assert!(ok, "{err}");
    assert!(out.contains("621234******1232"), "{out}");
    for secret in ["6212345678901232", "1122334455667788", "A1B2C3D4E5F60718"] {
        assert!(!out.contains(secret), "{secret} in masked JSON: {out}");
    }
    let j: Value = serde_json::from_str(&out).unwrap();
    assert!(j["fields"]["55"]["tlv"].is_array(), "field 55 decoded: {j}");
    // The whole frame as the line carried it (length, TPDU, UnionPay header), as a dump with
    // spaces and newlines on stdin.
    let (ok, framed, err) =
        poscore(&["iso8583", "frame", "encode", "--tpdu", "6000030000", "--header", "603100311001", hex], None);
    assert!(ok, "{err}");
    let dump: String = framed
        .trim()
        .as_bytes()
        .chunks(32)
        .map(|c| c.chunks(2).map(|b| std::str::from_utf8(b).unwrap()).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    let (ok, out, err) = poscore(&["--json", "iso8583", "decode", "--spec", "cup-pos"], Some(&dump));
    assert!(ok, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["frame"]["tpdu"], "6000030000");
    assert_eq!(j["frame"]["header"], "603100311001");
    assert_eq!(j["fields"]["2"], "621234******1232");
    let (ok, out, _) = poscore(&["--json", "iso8583", "decode", "--spec", "cup-pos", "--reveal", "-"], Some(&dump));
    assert!(ok);
    assert!(out.contains("6212345678901232"), "--reveal shows the test card: {out}");
}
