//! Runs tests/vectors/card.json, the vectors every surface runs.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;
use support::{list, s};

use poscore::card::{self, MaskPolicy, Track2};
use serde_json::Value;

fn vectors() -> Value {
    support::load!("card.json")
}

/// Asserts a vector that expects an error got that error (code and, when given, offset).
fn check_error(v: &Value, e: &card::CardError) {
    assert_eq!(e.code(), s(v, "error"), "{v}");
    if let Some(o) = v["offset"].as_u64() {
        assert_eq!(e.offset(), Some(o as usize), "{v}");
    }
}

#[test]
fn every_vector_cites_a_source() {
    support::assert_sources(&vectors(), |_, _| true);
}

#[test]
fn luhn() {
    for v in list(&vectors(), "luhn") {
        assert_eq!(card::luhn_valid(s(v, "input")), v["valid"].as_bool().unwrap(), "{v}");
    }
}

#[test]
fn check_digit() {
    for v in list(&vectors(), "check_digit") {
        match card::luhn_check_digit(s(v, "partial")) {
            Ok(d) => assert_eq!(u64::from(d), v["digit"].as_u64().unwrap(), "{v}"),
            Err(e) => check_error(v, &e),
        }
    }
}

#[test]
fn mask() {
    for v in list(&vectors(), "mask") {
        let policy = MaskPolicy {
            keep_first: v["keep_first"].as_u64().unwrap() as usize,
            keep_last: v["keep_last"].as_u64().unwrap() as usize,
            mask_char: '*',
        };
        match card::mask_pan(s(v, "pan"), &policy) {
            Ok(m) => assert_eq!(m, s(v, "masked"), "{v}"),
            Err(e) => check_error(v, &e),
        }
    }
}

#[test]
fn brand() {
    for v in list(&vectors(), "brand") {
        assert_eq!(card::brand(s(v, "pan")).as_str(), s(v, "brand"), "{v}");
    }
}

#[test]
fn track2() {
    for v in list(&vectors(), "track2") {
        match Track2::parse(s(v, "input")) {
            Ok(t) => {
                assert!(v["error"].is_null(), "expected an error: {v}");
                assert_eq!(serde_json::to_value(t.summary()).unwrap(), v["expect"], "{v}");
            }
            Err(e) => check_error(v, &e),
        }
    }
}

#[test]
fn payment_code() {
    for v in list(&vectors(), "payment_code") {
        let got = card::classify_payment_code(s(v, "code")).map(card::PaymentCodeKind::as_str);
        assert_eq!(got, v["kind"].as_str(), "{v}");
    }
}

#[test]
fn inspect() {
    for v in list(&vectors(), "inspect") {
        match card::inspect(s(v, "input")) {
            Ok(i) => {
                assert!(v["error"].is_null(), "expected an error: {v}");
                assert_eq!(serde_json::to_value(i).unwrap(), v["expect"], "{v}");
            }
            Err(e) => check_error(v, &e),
        }
    }
}
