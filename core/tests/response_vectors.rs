//! Runs tests/vectors/response.json, the vectors every surface runs.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;
use support::{list, s};

use poscore::response::{Context, Event, Lang, Registry, Request};
use serde_json::{json, Value};

fn vectors() -> Value {
    support::load!("response.json")
}

/// The registry a vector names: a bundled profile or a profile given as JSON text.
fn registry(v: &Value) -> Registry {
    match v["profile_json"].as_str() {
        Some(json) => Registry::from_profile_json(json).unwrap_or_else(|e| panic!("{e} in {v}")),
        None => Registry::bundled(s(v, "profile")).unwrap(),
    }
}

#[test]
fn every_vector_cites_a_source() {
    support::assert_sources(&vectors(), |src, sources| {
        let head = src.split(':').next().unwrap_or(src);
        sources.contains_key(head) || head == "edge case" || head == "derived"
    });
}

fn lookup_group(group: &str) {
    for v in list(&vectors(), group) {
        let reg = registry(v);
        let lang = Lang::parse(s(v, "lang")).unwrap();
        let got = serde_json::to_value(reg.explain(s(v, "code"), lang)).unwrap();
        assert_eq!(got, v["expect"], "{v}");
    }
}

#[test]
fn lookup() {
    lookup_group("lookup");
}

#[test]
fn profile_lookup() {
    lookup_group("profile_lookup");
}

fn diagnose_group(group: &str) {
    for v in list(&vectors(), group) {
        let reg = registry(v);
        let ctx = Context::from_key(Request::parse(s(v, "request")).unwrap(), s(v, "event")).unwrap();
        let d = reg.diagnose(&ctx);
        let got = json!({
            "code": d.entry.code,
            "outcome": d.entry.outcome,
            "unknown": d.unknown,
            "action": d.action,
            "reversal_reason": d.reversal_reason,
        });
        let want = json!({
            "code": v["code"],
            "outcome": v["outcome"],
            "unknown": v["unknown"],
            "action": v["action"],
            "reversal_reason": v["reversal_reason"],
        });
        assert_eq!(got, want, "{v}");
    }
}

#[test]
fn diagnose() {
    diagnose_group("diagnose");
}

#[test]
fn profile_diagnose() {
    diagnose_group("profile_diagnose");
}

#[test]
fn profile_errors() {
    for v in list(&vectors(), "profile_errors") {
        let e = Registry::from_profile_json(s(v, "profile_json")).expect_err(&v.to_string());
        assert_eq!(e.code(), s(v, "error"), "{v}: {e}");
    }
}

#[test]
fn lang() {
    for v in list(&vectors(), "lang") {
        match Lang::parse(s(v, "input")) {
            Ok(l) => assert_eq!(l.as_str(), s(v, "lang"), "{v}"),
            Err(e) => assert_eq!(e.code(), s(v, "error"), "{v}"),
        }
    }
}

#[test]
fn event_keys() {
    for v in list(&vectors(), "event_keys") {
        match Event::parse(s(v, "key")) {
            Ok(ev) => {
                assert!(v["error"].is_null(), "expected an error: {v}");
                assert_eq!(ev.key(), s(v, "key"), "{v}");
            }
            Err(e) => assert_eq!(e.code(), s(v, "error"), "{v}"),
        }
    }
}
