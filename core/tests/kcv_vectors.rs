//! Runs tests/vectors/kcv.json, the vectors every surface runs.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;
use support::{list, s};

use poscore::keys::{self, hex_decode, hex_encode, Algorithm, KcvMethod, Key, KeyUsage};
use serde_json::Value;

fn vectors() -> Value {
    support::load!("kcv.json")
}

/// The CLI's rule, which every surface follows: the algorithm family names the method and the
/// default length; the key length picks the variant.
fn kcv(key: &str, algorithm: &str, length: Option<usize>) -> poscore::Result<String> {
    let bytes = hex_decode(key)?;
    let (alg, method, default_len) = match algorithm {
        "tdes" => (Algorithm::des_for_len(bytes.len())?, KcvMethod::EncryptZeros, 3),
        "aes" => (Algorithm::aes_for_len(bytes.len())?, KcvMethod::Cmac, 5),
        "aes-legacy" => (Algorithm::aes_for_len(bytes.len())?, KcvMethod::EncryptZeros, 3),
        "sm4" => (Algorithm::Sm4, KcvMethod::EncryptZeros, 3),
        other => panic!("unknown algorithm {other}"),
    };
    let k = Key::dangerous_from_bytes(alg, KeyUsage::KeyEncryption, &bytes)?;
    Ok(hex_encode(&k.kcv(method, length.unwrap_or(default_len))))
}

#[test]
fn every_vector_cites_a_source() {
    support::assert_sources_in_map(&vectors());
}

#[test]
fn check_values() {
    for v in list(&vectors(), "kcv") {
        let got = kcv(s(v, "key"), s(v, "algorithm"), v["length"].as_u64().map(|n| n as usize)).unwrap();
        assert_eq!(got, s(v, "kcv"), "{v}");
    }
}

#[test]
fn errors() {
    for v in list(&vectors(), "errors") {
        let e = kcv(s(v, "key"), s(v, "algorithm"), None).unwrap_err();
        assert_eq!(e.code(), s(v, "error"), "{v}");
    }
}

#[test]
fn sm4_block() {
    for v in list(&vectors(), "sm4_block") {
        let k = Key::dangerous_from_hex(Algorithm::Sm4, KeyUsage::DataEncryption, s(v, "key")).unwrap();
        // One block of CBC with a zero IV is the raw block cipher.
        let c = keys::encrypt_data(&k, &[0; 16], &hex_decode(s(v, "plaintext")).unwrap()).unwrap();
        assert_eq!(hex_encode(&c), s(v, "ciphertext"), "{v}");
    }
}

fn tmk(v: &Value) -> Key {
    let b = hex_decode(s(v, "tmk")).unwrap();
    Key::dangerous_from_bytes(Algorithm::des_for_len(b.len()).unwrap(), KeyUsage::KeyEncryption, &b).unwrap()
}

#[test]
fn field62() {
    for v in list(&vectors(), "field62") {
        let wk = keys::parse_field62(&tmk(v), &hex_decode(s(v, "field62")).unwrap()).unwrap();
        assert_eq!(hex_encode(wk.pik.dangerous_reveal()), s(v, "pik"), "{v}");
        assert_eq!(hex_encode(wk.mak.dangerous_reveal()), s(v, "mak"), "{v}");
        assert_eq!(
            wk.tdk.as_ref().map(|k| hex_encode(k.dangerous_reveal())),
            v["tdk"].as_str().map(str::to_owned),
            "{v}"
        );
        // The host-side builder produces exactly the same field.
        assert_eq!(hex_encode(&keys::build_field62(&tmk(v), &wk).unwrap()), s(v, "field62"), "{v}");
    }
}

#[test]
fn field62_errors() {
    for v in list(&vectors(), "field62_errors") {
        let e = keys::parse_field62(&tmk(v), &hex_decode(s(v, "field62")).unwrap()).unwrap_err();
        assert_eq!(e.code(), s(v, "error"), "{v}");
        if let (keys::KeyError::KcvMismatch { key, .. }, Some(want)) = (&e, v["key"].as_str()) {
            assert_eq!(*key, want, "{v}");
        }
    }
}
