//! Runs tests/vectors/tlv.json, the vectors every surface runs.

use poscore::iso8583::{parse_hex, to_hex};
use poscore::tlv;
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/tlv.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read tlv.json")).expect("parse tlv.json")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    let l = v[key].as_array().unwrap_or_else(|| panic!("{key} missing"));
    assert!(!l.is_empty(), "{key} is empty");
    l
}

#[test]
fn every_vector_cites_a_source() {
    let v = vectors();
    let sources = v["sources"].as_object().unwrap();
    for (key, group) in v.as_object().unwrap() {
        if let Some(items) = group.as_array() {
            for item in items {
                let src = item["source"].as_str().unwrap_or_else(|| panic!("{key}: {item} has no source"));
                assert!(sources.contains_key(src), "{key}: unknown source {src}");
            }
        }
    }
}

#[test]
fn decode() {
    for v in list(&vectors(), "decode") {
        let input = parse_hex(v["hex"].as_str().unwrap()).unwrap();
        let items = tlv::decode(&input).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(serde_json::to_value(tlv::to_json(&items, false)).unwrap(), v["tlv"], "{v}");
        let expect = v["encoded"].as_str().or(v["hex"].as_str()).unwrap();
        assert_eq!(to_hex(&tlv::encode(&items)), expect, "{v}");
    }
}

#[test]
fn errors() {
    for v in list(&vectors(), "errors") {
        let input = parse_hex(v["hex"].as_str().unwrap()).unwrap();
        let e = tlv::decode(&input).expect_err(&v.to_string());
        assert_eq!(e.code(), v["error"].as_str().unwrap(), "{v}: {e}");
        assert_eq!(e.offset() as u64, v["offset"].as_u64().unwrap(), "{v}: {e}");
    }
}
