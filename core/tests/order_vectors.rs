//! Runs `tests/vectors/order_rules.json`: the wallets' published payment-code schedules (query
//! while open, cancel at the deadline, retry the cancel) against `poscore::order::Order` on a
//! virtual clock.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;

use poscore::order::{Action, Answer, Order, OrderState, WalletRules};
use serde_json::Value;

fn vectors() -> Value {
    support::load!("order_rules.json")
}

fn run(case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap_or("?");
    let wallet = case["wallet"].as_str().ok_or("wallet")?;
    let mut o = Order::new(WalletRules::for_wallet(wallet).map_err(|e| e.to_string())?, 0);
    for (i, step) in case["steps"].as_array().ok_or("steps")?.iter().enumerate() {
        let at = |what: &str| format!("{name}: step {i} ({what})");
        let t = step["t"].as_u64().ok_or_else(|| at("t"))?;
        if let Some(send) = step.get("send") {
            let want: Action = serde_json::from_value(send.clone()).map_err(|e| format!("{}: {e}", at("send")))?;
            if o.next_timeout() != Some(t) {
                return Err(format!("{}: next request due at {:?}, expected {t}", at("send"), o.next_timeout()));
            }
            if t > 0 && o.clone().poll(t - 1).is_some() {
                return Err(format!("{}: due 1 ms early", at("send")));
            }
            let got = o.poll(t);
            if got != Some(want) {
                return Err(format!("{}: sent {got:?}, expected {want:?}", at("send")));
            }
        } else if let Some(reply) = step.get("reply") {
            let answer: Answer = serde_json::from_value(reply.clone()).map_err(|e| format!("{}: {e}", at("reply")))?;
            o.handle(answer, t).map_err(|e| format!("{}: {e}", at("reply")))?;
        } else if step.get("abandon").is_some() {
            o.abandon(t).map_err(|e| format!("{}: {e}", at("abandon")))?;
        } else if step.get("retry_cancel").is_some() {
            o.retry_cancel(t).map_err(|e| format!("{}: {e}", at("retry_cancel")))?;
        } else {
            return Err(at("unknown step"));
        }
    }
    let want: OrderState = serde_json::from_value(case["state"].clone()).map_err(|e| format!("{name}: state: {e}"))?;
    if o.state() != want {
        return Err(format!("{name}: ended {:?}, expected {want:?}", o.state()));
    }
    if !want.is_final() && o.next_timeout().is_some() && !matches!(want, OrderState::Querying { .. }) {
        return Err(format!("{name}: {want:?} must not schedule anything"));
    }
    Ok(())
}

#[test]
fn order_rule_vectors() {
    let v = vectors();
    let cases = v["vectors"].as_array().expect("vectors");
    let failures: Vec<String> = cases.iter().filter_map(|c| run(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} order vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 14);
}

/// Every value of every wallet names the published rules it comes from, and every case of the
/// vectors names the rules it checks.
#[test]
fn every_rule_value_and_case_has_a_source() {
    for wallet in ["wechat", "alipay"] {
        let (rules, sources) = WalletRules::with_sources(wallet).unwrap();
        let fields = serde_json::to_value(rules).unwrap();
        for key in fields.as_object().unwrap().keys() {
            assert!(sources.get(key).is_some_and(|s| !s.is_empty()), "{wallet}.{key} has no source");
        }
        assert_eq!(
            sources.len(),
            fields.as_object().unwrap().len(),
            "{wallet}: a source for a field that does not exist"
        );
    }
    for c in vectors()["vectors"].as_array().unwrap() {
        assert!(c["rules"].as_array().is_some_and(|r| !r.is_empty()), "{}: no rule ids", c["name"]);
    }
    assert_eq!(WalletRules::for_wallet("paypal").unwrap_err().code(), "order.unknown_wallet");
}

/// The names the bindings hand out are the serialized names the vectors use.
#[test]
fn names_are_the_serialized_names() {
    for a in [Action::Pay, Action::Query, Action::Cancel] {
        assert_eq!(serde_json::to_value(a).unwrap(), a.name());
    }
    let states = [
        OrderState::New,
        OrderState::Awaiting { action: Action::Pay },
        OrderState::Querying { at: 1 },
        OrderState::Cancelling { at: 1, attempts: 1 },
        OrderState::Paid,
        OrderState::Closed,
        OrderState::Revoked { refunded: None },
        OrderState::CancelExhausted,
        OrderState::CancelRefused,
    ];
    for s in states {
        assert_eq!(serde_json::to_value(s).unwrap()["state"], s.name());
    }
}

/// An answer with no request on the line is refused, never acted on.
#[test]
fn answers_out_of_turn_are_refused() {
    let mut o = Order::new(WalletRules::for_wallet("wechat").unwrap(), 0);
    assert_eq!(o.handle(Answer::Paid, 0).unwrap_err().code(), "order.unexpected_answer");
    assert_eq!(o.poll(0), Some(Action::Pay));
    assert!(o.handle(Answer::CancelRefunded, 10).is_err(), "a cancel answer to a pay");
    assert_eq!(o.state(), OrderState::Awaiting { action: Action::Pay });
    o.handle(Answer::Paid, 20).unwrap();
    assert!(o.handle(Answer::Paid, 30).is_err(), "a second answer");
    assert_eq!(o.poll(1_000_000), None, "a paid order sends nothing more");
}

proptest::proptest! {
    /// Whatever the wallet answers and however late: the order ends paid, closed or revoked, or
    /// with the operator (cancel exhausted / refused); it never queries after the deadline,
    /// never cancels before the wallet's minimum age nor more often than allowed, and sends
    /// nothing once it is over.
    #[test]
    fn every_order_ends_and_keeps_the_wallet_rules(
        wallet in proptest::sample::select(vec!["wechat", "alipay"]),
        answers in proptest::collection::vec((0u8..12, 0u64..12_000), 1..60),
        abandon_at in proptest::option::of(0u64..40_000),
    ) {
        let rules = WalletRules::for_wallet(wallet).unwrap();
        let mut o = Order::new(rules, 0);
        let mut answers = answers.into_iter().cycle();
        let (mut cancels, mut sends) = (0u32, 0u32);
        let mut now = 0u64;
        while let Some(due) = o.next_timeout() {
            sends += 1;
            proptest::prop_assert!(sends < 200, "the order never ends: {:?}", o.state());
            if let (Some(a), OrderState::Querying { .. }) = (abandon_at, o.state()) {
                if a >= now && a < due {
                    o.abandon(a).unwrap();
                    continue;
                }
            }
            now = now.max(due);
            let action = o.poll(now).expect("due");
            match action {
                Action::Pay => proptest::prop_assert_eq!(now, 0),
                Action::Query => proptest::prop_assert!(now <= rules.poll_deadline_ms, "query at {now}"),
                Action::Cancel => {
                    cancels += 1;
                    proptest::prop_assert!(now >= rules.cancel_min_age_ms, "cancel at {now}");
                    proptest::prop_assert!(cancels <= rules.cancel_max_attempts, "{cancels} cancels");
                }
            }
            let (pick, delay) = answers.next().unwrap();
            let choices: &[Answer] = match action {
                Action::Pay => &[Answer::Paid, Answer::InProgress, Answer::Unknown, Answer::Declined],
                Action::Query => &[Answer::Paid, Answer::Waiting, Answer::Closed, Answer::NotFound, Answer::Unknown],
                Action::Cancel => &[
                    Answer::CancelClosed,
                    Answer::CancelRefunded,
                    Answer::CancelDone,
                    Answer::CancelRetry,
                    Answer::Unknown,
                    Answer::CancelRefused,
                ],
            };
            now += delay;
            o.handle(choices[usize::from(pick) % choices.len()], now).unwrap();
        }
        let end = o.state();
        proptest::prop_assert!(
            end.is_final() || matches!(end, OrderState::CancelExhausted | OrderState::CancelRefused),
            "ended {:?}", end
        );
        proptest::prop_assert_eq!(o.poll(u64::MAX), None);
    }
}
