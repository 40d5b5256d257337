//! Runs tests/vectors/mac.json, the vectors every surface runs.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;
use support::{list, s};

use poscore::keys::{hex_decode, hex_encode, Algorithm, Key, KeyUsage};
use poscore::mac::{self, MacAlgorithm, Padding};
use serde_json::Value;

fn vectors() -> Value {
    support::load!("mac.json")
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
    // A vector with "length" is a truncation the protocol agreed; verify expects exactly that.
    let len = v["length"].as_u64().map_or(alg.mac_len(), |n| usize::try_from(n).expect("length"));
    m.truncate(len);
    // Whatever generate produced must verify at its length, and a flipped bit must not.
    mac::verify(&k, alg, &data, padding, &m, len)?;
    let mut bad = m.clone();
    bad[0] ^= 0x01;
    assert_eq!(mac::verify(&k, alg, &data, padding, &bad, len).unwrap_err().code(), "mac.mismatch");
    Ok(m)
}

/// The received tag never chooses its own truncation: the first 4 bytes of a valid 8-byte MAC
/// are refused where 8 are expected, and a tag longer than expected is refused too.
#[test]
fn truncated_mac_is_refused_when_full_length_is_expected() {
    let k = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::MacBoth, "0123456789ABCDEFFEDCBA9876543210").unwrap();
    let data = hex_decode("0200302004C030C09811").unwrap();
    for alg in [MacAlgorithm::Iso9797Alg1, MacAlgorithm::Iso9797Alg3, MacAlgorithm::CupEcb] {
        let m = mac::generate(&k, alg, &data, Padding::Method1).unwrap();
        assert_eq!(m.len(), 8);
        mac::verify(&k, alg, &data, Padding::Method1, &m, 8).unwrap();
        let e = mac::verify(&k, alg, &data, Padding::Method1, &m[..4], 8).unwrap_err();
        assert_eq!(e.code(), "mac.bad_length", "{alg:?}: {e}");
        let e = mac::verify(&k, alg, &data, Padding::Method1, &m, 4).unwrap_err();
        assert_eq!(e.code(), "mac.bad_length", "{alg:?}: {e}");
        // An expected length outside 4..=8 is a caller error, refused the same way.
        for bad_len in [0, 3, 9, usize::MAX] {
            let e = mac::verify(&k, alg, &data, Padding::Method1, &m, bad_len).unwrap_err();
            assert_eq!(e.code(), "mac.bad_length", "{alg:?} expected {bad_len}");
        }
    }
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
