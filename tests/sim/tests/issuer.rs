//! The simulator as an issuer: the test cards carry real ARQCs (CVN 10 under keys derived from
//! the published test IMK), a wrong one is declined, and the approval carries the ARPC (91).

use poscore::store::MemoryStore;
use poscore::terminal::{CardInput, Request};
use poscore_sim::cards::{self, chip, pin, CHIP_PAN};
use poscore_sim::issuer::{self, test_issuer};
use poscore_sim::pair::{test_config, Pair};

/// The test card's field 55 with its cryptogram zeroed: what `cards::ICC_DATA` signs.
const TEMPLATE: &str = "9F260800000000000000009F2701809F100706010A03A000009F37045A3B2C1D9F36020001950500000000009A032611239C01009F02060000000000005F2A02015682027C009F1A0201564F08A0000003330101015008556E696F6E506179";

#[test]
fn the_test_cards_carry_a_real_arqc() {
    let signed = issuer::sign(&test_issuer(), CHIP_PAN, "01", TEMPLATE).unwrap();
    assert_eq!(cards::ICC_DATA, signed);
}

#[test]
fn a_right_arqc_is_approved_with_an_arpc_and_a_wrong_one_declined() {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 11, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    p.run(Request::Sale { amount: 1_000, card: chip(), pin: pin() }).unwrap();
    let ok = p.events_of("approved")[0].clone();
    let auth = ok["issuer_response"]["auth_data"].as_str().unwrap();
    assert_eq!(auth.len(), 20, "ARPC (8) and ARC (2): {auth}");
    assert!(auth.ends_with("3030"));
    // The ARQC flipped: declined, nothing booked, nothing reversed.
    let bad = cards::ICC_DATA.replacen("9F2608", "9F2608FF", 1).replacen("9F2608FF", "9F2608", 1);
    let mut icc = bad.clone();
    let at = icc.find("9F2608").unwrap() + 6;
    let flipped = if &icc[at..at + 2] == "00" { "01" } else { "00" };
    icc.replace_range(at..at + 2, flipped);
    let card = CardInput::Chip {
        pan: CHIP_PAN.into(),
        track2: None,
        expiry: Some("2812".into()),
        card_seq: Some("001".into()),
        icc_data: icc,
    };
    p.run(Request::Sale { amount: 500, card, pin: pin() }).unwrap();
    let d = p.events_of("declined");
    assert_eq!(d.len(), 1, "{:#?}", p.events);
    assert_eq!(d[0]["diagnosis"]["entry"]["code"], issuer::ARQC_FAILED);
    assert_eq!(p.acquirer.ledger.arqc_failures, 1);
    assert_eq!(p.terminal_net(), 1_000);
    assert_eq!(p.terminal_net(), p.host_net());
}
