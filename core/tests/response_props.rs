//! Property tests: profile JSON, event keys, language tags and code lookups never panic on
//! arbitrary input, and event keys round-trip.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::response::{Context, Event, Lang, Profile, Registry, Request};
use proptest::prelude::*;

proptest! {
    #[test]
    fn profile_json_never_panics(s in any::<String>()) {
        let _ = Profile::from_json(&s);
        let _ = Registry::from_profile_json(&s);
    }

    #[test]
    fn profile_shaped_json_never_panics(
        code in "[ -~]{0,20}",
        outcome in prop::sample::select(vec!["Approved", "Declined", "RetryNow", "Nope"]),
        remedy in "[a-z_]{0,12}",
        reason in "[A-Z0-9]{0,3}",
        base in prop::sample::select(vec!["iso", "unionpay", "terminal", "x"]),
    ) {
        let json = serde_json::json!({
            "name": "p", "base": base,
            "entries": [{"code": code, "outcome": outcome, "remedies": [remedy], "reversal_reason": reason}],
            "local": {"general": code},
        })
        .to_string();
        if let Ok(reg) = Registry::from_profile_json(&json) {
            // Whatever loaded is consistent: every remedy resolves and the local map targets exist.
            for e in reg.entries() {
                for r in &e.remedies {
                    prop_assert!(reg.remedies().iter().any(|x| &x.id == r));
                }
            }
            for c in reg.local_map().values() {
                prop_assert!(reg.get(c).is_some());
            }
        }
    }

    #[test]
    fn event_keys_never_panic(s in any::<String>()) {
        if let Ok(ev) = Event::parse(&s) {
            prop_assert_eq!(Event::parse(&ev.key()).unwrap(), ev);
        }
    }

    #[test]
    fn dotted_keys_never_panic(s in "[a-z_.:0-9]{0,40}") {
        if let Ok(ev) = Event::parse(&s) {
            prop_assert_eq!(ev.key(), s);
        }
    }

    #[test]
    fn lang_never_panics(s in any::<String>()) {
        let _ = Lang::parse(&s);
    }

    #[test]
    fn any_code_resolves(code in any::<String>()) {
        let reg = Registry::unionpay();
        let (e, unknown) = reg.resolve(&code);
        prop_assert_eq!(unknown, reg.get(&code).is_none());
        let d = reg.diagnose(&Context::host(Request::Financial, &code));
        prop_assert_eq!(d.unknown, unknown);
        prop_assert_eq!(d.entry, e);
    }
}
