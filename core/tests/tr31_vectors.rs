//! Runs tests/vectors/tr31.json, the vectors every surface runs.

use poscore::keys::{hex_decode, hex_encode, Algorithm, Key, KeyUsage};
use poscore::rng::SeededRng;
use poscore::tr31::{self, Header};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/tr31.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read tr31.json")).expect("parse tr31.json")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    let l = v[key].as_array().unwrap_or_else(|| panic!("{key} missing"));
    assert!(!l.is_empty(), "{key} is empty");
    l
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// KBPK algorithm from the block version: B is TDES, D is AES (by key length).
fn kbpk(version: &str, hex: &str) -> poscore::Result<Key> {
    let b = hex_decode(hex)?;
    let alg = if version == "D" { Algorithm::aes_for_len(b.len())? } else { Algorithm::des_for_len(b.len())? };
    Ok(Key::dangerous_from_bytes(alg, KeyUsage::KeyEncryption, &b)?)
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
fn unwrap() {
    for v in list(&vectors(), "unwrap") {
        let block = s(v, "block");
        let kb = tr31::unwrap(&kbpk(&block[..1], s(v, "kbpk")).unwrap(), block).unwrap();
        assert_eq!(hex_encode(kb.dangerous_key_bytes()), s(v, "key"), "{v}");
        assert_eq!(serde_json::to_value(&kb.header).unwrap(), v["header"], "{v}");
    }
}

#[test]
fn unwrap_errors() {
    for v in list(&vectors(), "unwrap_errors") {
        let block = s(v, "block");
        let e = kbpk(&block[..1], s(v, "kbpk")).and_then(|k| tr31::unwrap(&k, block)).unwrap_err();
        assert_eq!(e.code(), s(v, "error"), "{v}");
    }
}

#[test]
fn wrap() {
    for v in list(&vectors(), "wrap") {
        let (h, _) = Header::parse(s(v, "header")).unwrap();
        let kb = kbpk(&h.version, s(v, "kbpk")).unwrap();
        let key_bytes = hex_decode(s(v, "key")).unwrap();
        let alg = if h.algorithm == "A" {
            Algorithm::aes_for_len(key_bytes.len())
        } else {
            Algorithm::des_for_len(key_bytes.len())
        };
        let key = Key::dangerous_from_bytes(alg.unwrap(), KeyUsage::DataEncryption, &key_bytes).unwrap();
        let masked = v["masked_key_len"].as_u64().map(|n| n as usize);
        let out = tr31::wrap(&kb, &h, &key, masked, &mut SeededRng::new(v["seed"].as_u64().unwrap())).unwrap();
        assert_eq!(out, s(v, "key_block"), "{v}");
        let back = tr31::unwrap(&kb, &out).unwrap();
        assert_eq!(back.dangerous_key_bytes(), &key_bytes[..]);
        assert_eq!(back.header, h);
    }
}
