//! Runs tests/vectors/dukpt.json, the vectors every surface runs.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;
use support::{list, s};

use poscore::dukpt::{self, AesKeyUsage};
use poscore::keys::{self, hex_decode, hex_encode, Algorithm, Key, KeyUsage};
use poscore::mac::{self, MacAlgorithm, Padding};
use poscore::pin::{self, PinFormat};
use serde_json::Value;

fn vectors() -> Value {
    support::load!("dukpt.json")
}

/// TDES when the vector says so or carries a 10-byte KSN; AES (by key length) otherwise.
fn bdk(v: &Value) -> Key {
    let hex = s(v, "bdk");
    let ten_byte_ksn = ["ksn", "start_ksn"].iter().any(|f| v[*f].as_str().is_some_and(|k| k.len() == 20));
    let alg = if v["scheme"].as_str() == Some("tdes") || (ten_byte_ksn && v["scheme"].is_null()) {
        Algorithm::Tdes2
    } else {
        Algorithm::aes_for_len(hex.len() / 2).unwrap()
    };
    Key::dangerous_from_hex(alg, KeyUsage::Bdk, hex).unwrap()
}

#[test]
fn every_vector_cites_a_source() {
    support::assert_sources(&vectors(), |src, sources| sources.contains_key(src) || src.starts_with("derived"));
}

#[test]
fn tdes_keys() {
    for v in list(&vectors(), "tdes") {
        let k = dukpt::tdes_derive(&bdk(v), &hex_decode(s(v, "ksn")).unwrap()).unwrap();
        let check = |field: &str, key: &Key| {
            if let Some(want) = v[field].as_str() {
                assert_eq!(hex_encode(key.dangerous_reveal()), want, "{field} {v}");
            }
        };
        check("ipek", k.ipek.as_ref().unwrap());
        check("transaction_key", &k.transaction_key);
        check("pin_key", &k.pin);
        check("mac_request_key", &k.mac_request);
        check("mac_response_key", &k.mac_response);
        check("data_request_key", &k.data_request);
        check("data_response_key", &k.data_response);
    }
}

#[test]
fn tdes_pin_blocks() {
    for v in list(&vectors(), "tdes_pin_blocks") {
        let k = dukpt::tdes_derive(&bdk(v), &hex_decode(s(v, "ksn")).unwrap()).unwrap();
        let format = PinFormat::from_number(v["format"].as_u64().unwrap() as u8).unwrap();
        let block = hex_decode(s(v, "pin_block")).unwrap();
        let got = pin::decrypt_pin(&k.pin, format, &block, Some(s(v, "pan"))).unwrap();
        assert_eq!(got.dangerous_reveal(), s(v, "pin"), "{v}");
        // Format 0 has no random fill: encrypting reproduces the block exactly.
        let p = pin::Pin::new(s(v, "pin")).unwrap();
        let enc =
            pin::encrypt_pin(&k.pin, format, &p, Some(s(v, "pan")), &mut poscore::rng::SeededRng::new(0)).unwrap();
        assert_eq!(hex_encode(&enc), s(v, "pin_block"), "{v}");
    }
}

#[test]
fn tdes_data_and_mac() {
    for v in list(&vectors(), "tdes_data") {
        let k = dukpt::tdes_derive(&bdk(v), &hex_decode(s(v, "ksn")).unwrap()).unwrap();
        let data = Padding::Method1.apply(&hex_decode(s(v, "data")).unwrap(), 8);
        let iv = [0u8; 8];
        assert_eq!(
            hex_encode(&keys::encrypt_data(&k.data_request, &iv, &data).unwrap()),
            s(v, "request_encrypted"),
            "{v}"
        );
        assert_eq!(
            hex_encode(&keys::encrypt_data(&k.data_response, &iv, &data).unwrap()),
            s(v, "response_encrypted"),
            "{v}"
        );
        let raw = hex_decode(s(v, "data")).unwrap();
        let m = mac::generate(&k.mac_request, MacAlgorithm::Iso9797Alg3, &raw, Padding::Method1).unwrap();
        assert_eq!(hex_encode(&m), s(v, "request_mac"), "{v}");
        let m = mac::generate(&k.mac_response, MacAlgorithm::Iso9797Alg3, &raw, Padding::Method1).unwrap();
        assert_eq!(hex_encode(&m), s(v, "response_mac"), "{v}");
    }
}

#[test]
fn aes_keys() {
    for v in list(&vectors(), "aes") {
        let usage = AesKeyUsage::from_name(s(v, "key_usage")).unwrap();
        let kt = dukpt::aes_key_type_from_name(s(v, "key_type")).unwrap();
        let ksn = hex_decode(s(v, "ksn")).unwrap();
        let k = dukpt::aes_derive(&bdk(v), &ksn, usage, kt).unwrap();
        assert_eq!(hex_encode(k.initial_key.dangerous_reveal()), s(v, "initial_key"), "{v}");
        if let Some(dk) = v["derivation_key"].as_str() {
            assert_eq!(hex_encode(k.derivation_key.dangerous_reveal()), dk, "{v}");
        }
        assert_eq!(hex_encode(k.working_key.dangerous_reveal()), s(v, "working_key"), "{v}");
        // The terminal path from the initial key gives the same working key.
        let from_ik = dukpt::aes_derive_from_initial_key(&k.initial_key, &ksn, usage, kt).unwrap();
        assert_eq!(from_ik.working_key.dangerous_reveal(), k.working_key.dangerous_reveal());
    }
}

#[test]
fn errors() {
    for v in list(&vectors(), "errors") {
        let ksn = hex_decode(s(v, "ksn")).unwrap();
        let e = if s(v, "scheme") == "tdes" {
            dukpt::tdes_derive(&bdk(v), &ksn).unwrap_err()
        } else {
            let usage = AesKeyUsage::from_name(s(v, "key_usage")).unwrap();
            let kt = dukpt::aes_key_type_from_name(s(v, "key_type")).unwrap();
            dukpt::aes_derive(&bdk(v), &ksn, usage, kt).unwrap_err()
        };
        assert_eq!(e.code(), s(v, "error"), "{v}");
    }
}

#[test]
fn tdes_terminal_sequences() {
    use poscore::dukpt::TdesTerminal;
    for v in list(&vectors(), "tdes_terminal") {
        let start = hex_decode(s(v, "start_ksn")).unwrap();
        let ipek = dukpt::tdes_ipek(&bdk(v), &start).unwrap();
        let counter = u32::from_be_bytes([start[6], start[7], start[8], start[9]]) & 0x1F_FFFF;
        let mut t = if counter == 0 {
            TdesTerminal::load(&ipek, &start).unwrap()
        } else {
            TdesTerminal::load_at(&ipek, &start).unwrap()
        };
        let p = pin::Pin::new(s(v, "pin")).unwrap();
        for tx in v["transactions"].as_array().unwrap() {
            let got = t.next_transaction().unwrap();
            assert_eq!(hex_encode(&got.ksn), s(tx, "ksn"), "{tx}");
            let block = pin::encrypt_pin(
                &got.keys.pin,
                PinFormat::Iso0,
                &p,
                Some(s(v, "pan")),
                &mut poscore::rng::SeededRng::new(0),
            )
            .unwrap();
            assert_eq!(hex_encode(&block), s(tx, "pin_block"), "{tx}");
        }
    }
}

#[test]
fn aes_terminal_sequences() {
    use poscore::dukpt::AesTerminal;
    for v in list(&vectors(), "aes_terminal") {
        let id = hex_decode(s(v, "initial_key_id")).unwrap();
        let ik = dukpt::aes_initial_key(&bdk(v), &id).unwrap();
        let mut t = AesTerminal::load(&ik, &id).unwrap();
        let usage = AesKeyUsage::from_name(s(v, "key_usage")).unwrap();
        let kt = dukpt::aes_key_type_from_name(s(v, "key_type")).unwrap();
        for tx in v["transactions"].as_array().unwrap() {
            let got = t.next_transaction().unwrap();
            assert_eq!(hex_encode(&got.ksn), s(tx, "ksn"), "{tx}");
            assert_eq!(
                hex_encode(got.working_key(usage, kt).unwrap().dangerous_reveal()),
                s(tx, "working_key"),
                "{tx}"
            );
        }
    }
}
