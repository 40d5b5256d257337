//! Runs tests/vectors/tr31.json, the vectors every surface runs.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;
use support::{list, s};

use poscore::keys::{hex_decode, hex_encode, Algorithm, Key, KeyUsage};
use poscore::rng::SeededRng;
use poscore::tr31::{self, Header};
use serde_json::Value;

fn vectors() -> Value {
    support::load!("tr31.json")
}

/// KBPK algorithm from the block version: B is TDES, D is AES (by key length).
fn kbpk(version: &str, hex: &str) -> poscore::Result<Key> {
    let b = hex_decode(hex)?;
    let alg = if version == "D" { Algorithm::aes_for_len(b.len())? } else { Algorithm::des_for_len(b.len())? };
    Ok(Key::dangerous_from_bytes(alg, KeyUsage::KeyEncryption, &b)?)
}

#[test]
fn every_vector_cites_a_source() {
    support::assert_sources_in_map(&vectors());
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
