//! Runs tests/vectors/pin.json, the vectors every surface runs.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;
use support::{list, s};

use poscore::keys::{hex_decode, hex_encode, Algorithm, Key, KeyUsage};
use poscore::pin::{self, Pin, PinBlock, PinFormat};
use poscore::rng::{FixedRng, Rng, SeededRng};
use serde_json::Value;

fn vectors() -> Value {
    support::load!("pin.json")
}

fn format(v: &Value, field: &str) -> poscore::Result<PinFormat> {
    Ok(PinFormat::from_number(v[field].as_u64().unwrap() as u8)?)
}

fn rng(v: &Value) -> Box<dyn Rng> {
    match (v["fill"].as_str(), v["seed"].as_u64()) {
        (Some(f), _) => Box::new(FixedRng::new(&hex_decode(f).unwrap())),
        (None, Some(seed)) => Box::new(SeededRng::new(seed)),
        (None, None) => Box::new(SeededRng::new(0)),
    }
}

/// PIN keys: TDES by length for formats 0-3, AES by length for format 4.
fn key(f: PinFormat, hex: &str) -> poscore::Result<Key> {
    let b = hex_decode(hex)?;
    let alg = if f == PinFormat::Iso4 { Algorithm::aes_for_len(b.len())? } else { Algorithm::des_for_len(b.len())? };
    Ok(Key::dangerous_from_bytes(alg, KeyUsage::PinEncryption, &b)?)
}

#[test]
fn every_vector_cites_a_source() {
    support::assert_sources_in_map(&vectors());
}

#[test]
fn encode_and_decode() {
    for v in list(&vectors(), "encode") {
        let fmt = format(v, "format").unwrap();
        let the_pin = Pin::new(s(v, "pin")).unwrap();
        let pan = v["pan"].as_str();
        let mut random = rng(v);
        let block = if let Some(hex) = v["key"].as_str() {
            let pin_key = key(fmt, hex).unwrap();
            let enc = pin::encrypt_pin(&pin_key, fmt, &the_pin, pan, random.as_mut()).unwrap();
            assert_eq!(pin::decrypt_pin(&pin_key, fmt, &enc, pan).unwrap().dangerous_reveal(), s(v, "pin"), "{v}");
            enc
        } else {
            let clear = pin::encode(fmt, &the_pin, pan, random.as_mut()).unwrap();
            assert_eq!(pin::decode(&clear, pan).unwrap().dangerous_reveal(), s(v, "pin"), "{v}");
            clear.dangerous_reveal().to_vec()
        };
        assert_eq!(hex_encode(&block), s(v, "pin_block"), "{v}");
    }
}

#[test]
fn decode_errors() {
    for v in list(&vectors(), "decode_errors") {
        let got = (|| -> poscore::Result<Pin> {
            let f = format(v, "format")?;
            let block = hex_decode(s(v, "block"))?;
            match v["key"].as_str() {
                Some(k) => pin::decrypt_pin(&key(f, k)?, f, &block, v["pan"].as_str()),
                None => Ok(pin::decode(&PinBlock::dangerous_from_bytes(f, &block)?, v["pan"].as_str())?),
            }
        })();
        assert_eq!(got.unwrap_err().code(), s(v, "error"), "{v}");
    }
}

#[test]
fn encode_errors() {
    for v in list(&vectors(), "encode_errors") {
        let got = (|| -> poscore::Result<Vec<u8>> {
            let f = format(v, "format")?;
            let p = Pin::new(s(v, "pin"))?;
            match (v["key"].as_str(), v["key_algorithm"].as_str()) {
                (Some(k), Some("tdes2")) => {
                    let k = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::PinEncryption, k)?;
                    pin::encrypt_pin(&k, f, &p, v["pan"].as_str(), &mut SeededRng::new(0))
                }
                _ => Ok(pin::encode(f, &p, v["pan"].as_str(), &mut SeededRng::new(0))?.dangerous_reveal().to_vec()),
            }
        })();
        assert_eq!(got.unwrap_err().code(), s(v, "error"), "{v}");
    }
}

#[test]
fn translate() {
    for v in list(&vectors(), "translate") {
        let (ff, tf) = (format(v, "from_format").unwrap(), format(v, "to_format").unwrap());
        let (fk, tk) = (key(ff, s(v, "from_key")).unwrap(), key(tf, s(v, "to_key")).unwrap());
        let pan = v["pan"].as_str();
        let out = pin::translate(&fk, ff, &tk, tf, &hex_decode(s(v, "block")).unwrap(), pan, rng(v).as_mut()).unwrap();
        assert_eq!(hex_encode(&out), s(v, "pin_block"), "{v}");
        assert_eq!(pin::decrypt_pin(&tk, tf, &out, pan).unwrap().dangerous_reveal(), s(v, "pin"));
    }
}
