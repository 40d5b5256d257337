//! `poscore demo`: what `scripts/demo` runs.
//!
//! Until the transaction engine lands this walks through the card utilities a terminal applies
//! to every input before a sale: what was presented, which brand, whether the check digit holds,
//! and what may be shown on screen or printed.

use poscore::card;
use serde_json::json;

use crate::Output;

/// Inputs a terminal sees in a day: typed PANs, swiped track 2, chip track 2 equivalent data,
/// scanned wallet codes, and a few mistakes. Test numbers only.
const INPUTS: &[(&str, &str)] = &[
    ("keyed PAN", "6212345678901232"),
    ("keyed PAN, one digit mistyped", "6212345678901233"),
    ("swiped magstripe", ";4761739001010010=25121011143878089?"),
    ("chip track 2 equivalent (tag 57)", "6212345678901232D2812220123456789F"),
    ("scanned WeChat Pay code", "134567890123456789"),
    ("scanned Alipay code", "284567890123456789"),
    ("scanned UnionPay QR code", "6225123456789012345"),
    ("keyed Mastercard 2-series", "2223000048400011"),
    ("garbled swipe", "4761739001010010=25A2201"),
];

pub fn run() -> Output {
    let mut text = String::from("poscore demo: what the terminal makes of each input\n\n");
    let mut events = Vec::new();
    for (what, input) in INPUTS {
        match card::inspect(input) {
            Ok(i) => {
                let verdict = match (i.kind, i.luhn_valid) {
                    (card::InputKind::PaymentCode, _) => {
                        format!("payment code for {}", i.payment_code.map_or("?", card::PaymentCodeKind::as_str))
                    }
                    (_, true) => format!("{} card, check digit ok", i.brand.display_name()),
                    (_, false) => "check digit WRONG: ask the operator to re-enter".to_owned(),
                };
                let chip = if i.chip_card == Some(true) { " (chip card: insert it)" } else { "" };
                text += &format!("{what:<34} {:<22} {verdict}{chip}\n", i.masked);
                events.push(json!({"input": what, "ok": true, "inspection": i}));
            }
            Err(e) => {
                text += &format!("{what:<34} {:<22} rejected: {e}\n", "-");
                events.push(json!({"input": what, "ok": false, "error": {"code": e.code(), "message": e.to_string()}}));
            }
        }
    }
    Output::new(json!({ "demo": "card", "events": events }), text)
}
