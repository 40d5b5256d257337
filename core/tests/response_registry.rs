//! Checks on the bundled tables themselves: completeness in both languages, the rules that tie
//! outcome classes to next actions, sensitive declines, and profile layering.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::response::{
    self, Cause, Context, Entry, Event, Lang, NextAction, Outcome, Profile, Registry, Request, Source, BUNDLED_PROFILES,
};

fn bundled() -> Vec<Registry> {
    BUNDLED_PROFILES.iter().map(|n| Registry::bundled(n).unwrap()).collect()
}

#[test]
fn every_entry_has_every_field_in_both_languages() {
    for reg in bundled() {
        let ids: Vec<&str> = reg.remedies().iter().map(|r| r.id.as_str()).collect();
        for r in reg.remedies() {
            assert!(!r.text.zh.trim().is_empty() && !r.text.en.trim().is_empty(), "remedy {}", r.id);
        }
        for e in reg.entries() {
            for t in [&e.operator, &e.customer] {
                assert!(!t.zh.trim().is_empty(), "{}: {} empty zh", reg.name(), e.code);
                assert!(!t.en.trim().is_empty(), "{}: {} empty en", reg.name(), e.code);
                // Chinese text is Chinese and English text is not.
                assert!(t.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{}: zh {:?}", e.code, t.zh);
                assert!(!t.en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{}: en {:?}", e.code, t.en);
            }
            if e.outcome != Outcome::Approved {
                assert!(!e.remedies.is_empty(), "{}: {} has no remedy", reg.name(), e.code);
            }
            for r in &e.remedies {
                assert!(ids.contains(&r.as_str()), "{}: {} names unknown remedy {r}", reg.name(), e.code);
            }
            if e.outcome == Outcome::ReverseThenRetry {
                assert!(e.reversal_reason.is_some(), "{}: reversal without a reason", e.code);
            } else {
                assert!(e.reversal_reason.is_none(), "{}: reason without a reversal", e.code);
            }
            assert_eq!(
                e.outcome == Outcome::Approved,
                e.cause == Cause::None,
                "{}: approvals and only approvals have cause none",
                e.code
            );
            for lang in [Lang::Zh, Lang::En] {
                let x = reg.explain(&e.code, lang);
                assert!(!x.unknown);
                assert_eq!(x.remedies.len(), e.remedies.len());
                assert!(
                    x.remedies.iter().all(|t| !t.is_empty() && !ids.contains(&t.as_str())),
                    "{}: remedy ids leak",
                    e.code
                );
            }
        }
    }
}

#[test]
fn iso_has_00_to_99_in_full() {
    let iso = Registry::iso();
    for n in 0..100 {
        let code = format!("{n:02}");
        let e = iso.get(&code).unwrap_or_else(|| panic!("ISO {code} missing"));
        assert_eq!(e.source, Source::Iso, "{code}");
    }
    assert!(iso.get("A0").is_none(), "A0 is UnionPay's, not ISO 8583:1987's");
}

#[test]
fn unionpay_codes_from_the_issue_are_unionpay_entries() {
    let up = Registry::unionpay();
    for code in [
        "00", "01", "03", "04", "05", "12", "13", "14", "15", "19", "21", "22", "25", "30", "33", "34", "36", "38",
        "40", "41", "43", "51", "54", "55", "57", "58", "59", "61", "62", "64", "65", "68", "75", "77", "90", "91",
        "92", "94", "96", "97", "98", "99", "A0", "10", "A1", "A2", "A3", "A4", "A5", "A6", "A7",
    ] {
        assert_eq!(up.get(code).unwrap_or_else(|| panic!("{code} missing")).source, Source::Unionpay, "{code}");
    }
    // Codes UnionPay does not redefine fall back to ISO.
    assert_eq!(up.get("02").unwrap().source, Source::Iso);
    assert_eq!(up.entries().filter(|e| e.source != Source::Terminal).count(), 108, "ISO 00-99 plus A0-A7");
    // Q/CUP 006.6-2014 §A.2: A2, A4, A5 and A6 are "approved with a defect" (有缺陷的成功).
    for code in ["10", "A2", "A4", "A5", "A6"] {
        assert_eq!(up.get(code).unwrap().outcome, poscore::response::Outcome::Approved, "{code}");
    }
}

#[test]
fn terminal_codes_resolve_in_every_profile() {
    for reg in bundled() {
        for code in ["103", "9997", "9997-01", "9997-02", "9997-03", "9997-04", "9997-05", "9997-06"] {
            let e = reg.get(code).unwrap_or_else(|| panic!("{code} missing in {}", reg.name()));
            assert_eq!(e.source, Source::Terminal);
        }
        // The local map covers every local event a host can report.
        for key in reg.local_map().keys() {
            let ev = Event::parse(key).or_else(|_| Event::parse(&format!("{key}.before_send")));
            assert!(ev.is_ok(), "local map key {key} is not an event key");
        }
    }
}

/// Every event kind, in every phase.
fn all_local_events() -> Vec<Event> {
    use response::{CardReadError as C, CommError as M, KeyProblem as K, Phase as P, PrinterFault as F};
    use response::{ResponseProblem as R, VerifyFailure as V};
    let phases = [P::BeforeSend, P::AfterSend, P::AfterApproval];
    let mut v = Vec::new();
    for phase in phases {
        for error in [
            M::ConnectFailed,
            M::SendFailed,
            M::ReceiveTimeout,
            M::LineDropped,
            M::TlsCertificateExpired,
            M::TlsCertificateUntrusted,
            M::TlsPinMismatch,
            M::TlsNameMismatch,
            M::TlsHandshakeFailed,
        ] {
            v.push(Event::Comm { error, phase });
        }
        for error in [C::ChipFallback, C::MagstripeBadRead, C::CardRemoved, C::ChipDeclined] {
            v.push(Event::CardRead { error, phase });
        }
    }
    v.extend([F::OutOfPaper, F::CoverOpen, F::Overheat, F::Fault].map(|fault| Event::Printer { fault }));
    v.extend([K::NotSignedOn, K::KcvMismatch, K::MasterKeyMissing].map(|problem| Event::Keys { problem }));
    v.extend([R::MacFailed, R::Mismatch, R::Malformed].map(|problem| Event::Response { problem }));
    v.extend(
        [V::Unknown, V::Card, V::PaymentMethod, V::Pin, V::Network, V::Hardware, V::Software]
            .map(|reason| Event::CannotVerify { reason }),
    );
    v.push(Event::HostMaintenance);
    v.push(Event::ReversalExhausted);
    v.push(Event::General);
    v
}

#[test]
// The table spells out each outcome's rule, even where two rules give the same action.
#[allow(clippy::match_same_arms)]
fn outcome_classes_drive_the_next_action() {
    for reg in bundled() {
        let mut events: Vec<Event> =
            reg.entries().map(|e| Event::HostResponse { code: e.code.clone() }).chain(all_local_events()).collect();
        events.push(Event::HostResponse { code: "ZZ".into() });
        for request in Request::ALL {
            for event in &events {
                let from_host = matches!(event, Event::HostResponse { .. });
                let d = reg.diagnose(&Context { request, event: event.clone() });
                let why = format!("{} {request:?} {}", reg.name(), event.key());
                let e: &Entry = &d.entry;
                // Every event key round-trips.
                assert_eq!(&Event::parse(&event.key()).unwrap(), event, "{why}");
                // Only a new reversal of a reversible request carries a reason.
                assert_eq!(
                    d.reversal_reason.is_some(),
                    d.action == NextAction::Reverse && request != Request::Reversal,
                    "{why}"
                );
                if request == Request::Reversal {
                    let done = from_host && reg.reversal_done_codes().contains(&e.code);
                    let expect = if done {
                        NextAction::ReversalDone
                    } else if e.outcome == Outcome::SignOnAgain {
                        NextAction::SignOn
                    } else {
                        NextAction::Reverse
                    };
                    assert_eq!(d.action, expect, "{why}");
                    continue;
                }
                assert_ne!(d.action, NextAction::ReversalDone, "{why}");
                if let Some(a) = e.action {
                    assert_eq!(d.action, a, "{why}");
                    continue;
                }
                let expect = match e.outcome {
                    Outcome::Approved => NextAction::Complete,
                    Outcome::Declined | Outcome::CallIssuer | Outcome::PickUpCard => NextAction::Decline,
                    Outcome::FixTerminal | Outcome::OperatorError if from_host => NextAction::Decline,
                    Outcome::FixTerminal | Outcome::OperatorError => NextAction::Attend,
                    Outcome::RetryNow => NextAction::RetryNow,
                    Outcome::RetryLater => NextAction::RetryLater,
                    Outcome::SignOnAgain => NextAction::SignOn,
                    Outcome::ReverseThenRetry if request.reversible() => NextAction::Reverse,
                    Outcome::ReverseThenRetry => NextAction::RetryNow,
                };
                assert_eq!(d.action, expect, "{why}");
                if d.action == NextAction::Reverse {
                    assert_eq!(d.reversal_reason, e.reversal_reason, "{why}");
                }
            }
        }
    }
}

#[test]
fn nothing_sent_never_reverses_and_sent_without_answer_always_does() {
    use response::{CommError as M, Phase as P};
    let reg = Registry::unionpay();
    for error in [M::ConnectFailed, M::SendFailed, M::ReceiveTimeout, M::LineDropped] {
        let before =
            reg.diagnose(&Context { request: Request::Financial, event: Event::Comm { error, phase: P::BeforeSend } });
        assert_eq!(before.action, NextAction::RetryNow, "{error:?}");
        if error != M::ConnectFailed {
            let after = reg
                .diagnose(&Context { request: Request::Financial, event: Event::Comm { error, phase: P::AfterSend } });
            assert_eq!(after.action, NextAction::Reverse, "{error:?}");
            assert_eq!(after.reversal_reason.as_deref(), Some("98"));
        }
    }
    // Printer faults happen after approval: they never reverse the sale.
    for fault in
        [response::PrinterFault::OutOfPaper, response::PrinterFault::CoverOpen, response::PrinterFault::Overheat]
    {
        let d = reg.diagnose(&Context { request: Request::Financial, event: Event::Printer { fault } });
        assert_eq!(d.action, NextAction::Attend);
    }
}

#[test]
fn sensitive_declines_do_not_reveal_the_reason() {
    const TELLING: [&str; 14] = [
        "没收",
        "挂失",
        "被窃",
        "欺诈",
        "作弊",
        "受限",
        "盗",
        "lost",
        "stolen",
        "fraud",
        "pick",
        "restricted",
        "capture",
        "security",
    ];
    for reg in bundled() {
        let mut n = 0;
        for e in reg.entries() {
            if e.outcome == Outcome::PickUpCard || e.cause == Cause::AccountRestricted {
                assert!(e.sensitive, "{}: {} should be sensitive", reg.name(), e.code);
            }
            if e.sensitive {
                n += 1;
                for t in [&e.customer.zh, &e.customer.en] {
                    let lower = t.to_lowercase();
                    assert!(
                        !TELLING.iter().any(|w| lower.contains(w)),
                        "{}: {} customer text {t:?} tells why",
                        reg.name(),
                        e.code
                    );
                }
                assert_eq!(e.customer.en, "Transaction declined, please contact your card issuer", "{}", e.code);
                assert_eq!(e.customer.zh, "交易失败，请联系发卡行", "{}", e.code);
            }
        }
        if reg.name() != "terminal" {
            assert!(n >= 15, "{}: only {n} sensitive codes", reg.name());
        }
    }
}

#[test]
fn unknown_codes_are_declined_flagged_and_never_errors() {
    let reg = Registry::unionpay();
    for code in ["ZZ", "", "  ", "B9", "99999", "t999", "😀", "0"] {
        let (e, unknown) = reg.resolve(code);
        assert!(unknown, "{code:?}");
        assert_eq!(e.outcome, Outcome::Declined);
        assert_eq!(e.cause, Cause::Unknown);
        let d = reg.diagnose(&Context::host(Request::Financial, code));
        assert!(d.unknown);
        assert_eq!(d.action, NextAction::Decline);
    }
    assert_eq!(reg.resolve("zz").0.source, Source::Unionpay);
    assert_eq!(Registry::iso().resolve("zz").0.source, Source::Iso);
}

#[test]
fn profiles_override_and_extend() {
    let json = r#"{
        "name": "acme", "base": "iso",
        "remedies": [{"id": "call_acme", "text": {"zh": "致电 ACME", "en": "Call ACME"}}],
        "entries": [
            {"code": "05", "customer": {"zh": "交易失败", "en": "Declined"}, "remedies": ["call_acme"]},
            {"code": "n1", "outcome": "RetryLater", "cause": "host_maintenance",
             "operator": {"zh": "前置机维护", "en": "Front end maintenance"},
             "customer": {"zh": "请稍后再试", "en": "Please try later"}, "remedies": ["wait_maintenance"]}
        ]
    }"#;
    let reg = Registry::from_profile_json(json).unwrap();
    assert_eq!(reg.chain(), ["terminal", "iso", "acme"]);
    let e05 = reg.get("05").unwrap();
    let iso05 = Registry::iso().get("05").unwrap().clone();
    assert_eq!(e05.source, Source::Acquirer);
    assert_eq!(e05.outcome, iso05.outcome, "untouched fields are kept");
    assert_eq!(e05.operator, iso05.operator);
    assert_eq!(e05.customer.en, "Declined");
    assert_eq!(reg.explain("05", Lang::En).remedies, ["Call ACME"]);
    let n1 = reg.get("N1").unwrap();
    assert_eq!(n1.outcome, Outcome::RetryLater);
    assert_eq!(reg.diagnose(&Context::host(Request::Financial, "n1")).action, NextAction::RetryLater);
    // The base is untouched and other codes keep their meaning.
    assert_eq!(reg.get("51"), Registry::iso().get("51"));
    assert!(Registry::iso().get("N1").is_none());

    // Layering a second profile over an acquirer profile.
    let mut reg2 = reg.clone();
    let p = Profile::from_json(r#"{"name": "acme-shop", "entries": [{"code": "N1", "outcome": "Declined"}]}"#).unwrap();
    reg2.apply(p).unwrap();
    assert_eq!(reg2.get("N1").unwrap().outcome, Outcome::Declined);
    assert_eq!(reg2.get("N1").unwrap().operator.en, "Front end maintenance");

    // A failed apply leaves the registry as it was.
    let mut reg3 = reg.clone();
    let bad = Profile::from_json(r#"{"name": "b", "entries": [{"code": "51", "remedies": ["nope"]}]}"#).unwrap();
    assert_eq!(reg3.apply(bad).unwrap_err().code(), "response.unknown_remedy");
    assert_eq!(reg3, reg);

    // The bundled files are valid profiles in the same format.
    for json in [response::data::TERMINAL, response::data::ISO, response::data::UNIONPAY] {
        Profile::from_json(json).unwrap();
    }
}

#[test]
fn diagnosis_serializes_for_the_bindings() {
    let reg = Registry::unionpay();
    let d = reg.diagnose(&Context::from_key(Request::Financial, "response.mac_failed").unwrap());
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["action"], "reverse");
    assert_eq!(v["reversal_reason"], "A0");
    assert_eq!(v["entry"]["outcome"], "ReverseThenRetry");
    assert_eq!(v["entry"]["cause"], "terminal_software");
    assert_eq!(v["profile"], "unionpay");
    let ctx = Context::from_key(Request::Reversal, "comm.receive_timeout.after_send").unwrap();
    let cv = serde_json::to_value(&ctx).unwrap();
    assert_eq!(
        cv,
        serde_json::json!({"request": "reversal", "event": {"type": "comm", "error": "receive_timeout", "phase": "after_send"}})
    );
    assert_eq!(serde_json::from_value::<Context>(cv).unwrap(), ctx);
    let x = d.explain(&reg, Lang::Zh);
    assert_eq!(x.code, "T601");
}
