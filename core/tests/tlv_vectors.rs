//! Runs tests/vectors/tlv.json, the vectors every surface runs.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;
use support::list;

use poscore::iso8583::{parse_hex, to_hex};
use poscore::tlv;
use serde_json::Value;

fn vectors() -> Value {
    support::load!("tlv.json")
}

#[test]
fn every_vector_cites_a_source() {
    support::assert_sources_in_map(&vectors());
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
