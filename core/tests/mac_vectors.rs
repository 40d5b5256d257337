//! Runs tests/vectors/mac.json, the vectors every surface runs.

#[path = "support/vectors.rs"]
mod support;
use support::{list, s};

use poscore::keys::{hex_decode, hex_encode, Algorithm, Key, KeyUsage};
use poscore::mac::{self, MacAlgorithm, Padding};
use serde_json::Value;

fn vectors() -> Value {
    support::load("mac.json")
}

/// Builds the key the way every surface does: the algorithm family picks the cipher, the key
/// length the variant; usage is `mac_both` unless the vector says otherwise.
fn key(v: &Value, alg: MacAlgorithm) -> poscore::Result<Key> {
    let bytes = hex_decode(s(v, "key"))?;
    let key_alg = match alg {
        MacAlgorithm::AesCmac => Algorithm::aes_for_len(bytes.len())?,
        MacAlgorithm::Sm4Cmac => Algorithm::Sm4,
        _ => Algorithm::des_for_len(bytes.len())?,
    };
    let usage = match v["key_usage"].as_str() {
        Some(u) => serde_json::from_value::<KeyUsage>(Value::String(u.to_owned())).expect("key usage"),
        None => KeyUsage::MacBoth,
    };
    Ok(Key::dangerous_from_bytes(key_alg, usage, &bytes)?)
}

fn compute(v: &Value) -> poscore::Result<Vec<u8>> {
    let alg = MacAlgorithm::from_name(s(v, "algorithm"))?;
    let k = key(v, alg)?;
    let padding = Padding::from_number(v["padding"].as_u64().unwrap_or(1) as u8)?;
    let data = hex_decode(s(v, "data"))?;
    let mut m = mac::generate(&k, alg, &data, padding)?;
    if let Some(n) = v["length"].as_u64() {
        m.truncate(n as usize);
    }
    // Whatever generate produced must verify, and a flipped bit must not.
    mac::verify(&k, alg, &data, padding, &m)?;
    let mut bad = m.clone();
    bad[0] ^= 0x01;
    assert_eq!(mac::verify(&k, alg, &data, padding, &bad).unwrap_err().code(), "mac.mismatch");
    Ok(m)
}

#[test]
fn every_vector_cites_a_source() {
    support::assert_sources_in_map(&vectors());
}

#[test]
fn macs() {
    for v in list(&vectors(), "mac") {
        assert_eq!(hex_encode(&compute(v).unwrap()), s(v, "mac"), "{v}");
    }
}

#[test]
fn errors() {
    for v in list(&vectors(), "errors") {
        assert_eq!(compute(v).unwrap_err().code(), s(v, "error"), "{v}");
    }
}
