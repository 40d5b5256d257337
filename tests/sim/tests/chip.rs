//! EMV online completion through the engine and the simulator: the card's second GENERATE AC
//! result (TC, AAC), the script result advice (0620) journaled and delivered before the next
//! sale and across a crash, and the TC upload at settlement.

use poscore::store::MemoryStore;
use poscore::terminal::{ChipCompletion, Request, TxnKind};
use poscore_sim::cards::{chip, pin};
use poscore_sim::pair::{test_config, Pair, SharedStore};

fn sale(amount: u64) -> Request {
    Request::Sale { amount, card: chip(), pin: pin() }
}

fn completion(cid: &str, scripts: Option<&str>) -> ChipCompletion {
    ChipCompletion {
        cryptogram: "1122334455667788".into(),
        cid: cid.into(),
        tvr: Some("0000000000".into()),
        tsi: Some("F800".into()),
        atc: Some("0002".into()),
        script_results: scripts.map(str::to_owned),
    }
}

fn approved_sale(p: &mut Pair, amount: u64) -> String {
    p.run(sale(amount)).unwrap();
    p.events_of("approved").last().unwrap()["stan"].as_str().unwrap().to_owned()
}

#[test]
fn a_tc_completes_the_sale_and_is_what_the_settlement_uploads() {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 11, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    let stan = approved_sale(&mut p, 1_000);
    let out = p.terminal.complete_chip(&stan, &completion("40", None), p.now).unwrap();
    assert!(out.completed && !out.reversal_pending && !out.script_advice, "{out:?}");
    p.run(Request::Settle).unwrap();
    assert_eq!(p.acquirer.ledger.uploaded_cryptograms, [("1122334455667788".to_owned(), "40".to_owned())]);
    assert_eq!(p.terminal_net(), p.host_net());
}

#[test]
fn an_aac_after_approval_is_reversed() {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 11, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    let stan = approved_sale(&mut p, 2_000);
    let out = p.terminal.complete_chip(&stan, &completion("00", None), p.now).unwrap();
    assert!(out.reversal_pending && !out.completed, "{out:?}");
    p.quiesce();
    assert_eq!(p.events_of("reversal_cleared").len(), 1, "{:#?}", p.events);
    assert_eq!(p.terminal_net(), 0);
    assert_eq!(p.host_net(), 0);
}

#[test]
fn script_results_go_to_the_host_before_the_next_sale_and_survive_a_crash() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = Pair::new(Box::new(store.clone()), 11, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    let stan = approved_sale(&mut p, 3_000);
    p.sent.clear();
    let out = p.terminal.complete_chip(&stan, &completion("40", Some("2000000000")), p.now).unwrap();
    assert!(out.completed && out.script_advice);
    // Power goes before the advice reaches the host: the journal still owes it.
    let durable = SharedStore::new(store.durable());
    p.restart(Box::new(durable), 11, test_config()).unwrap();
    assert_eq!(p.terminal.pending().len(), 1);
    assert_eq!(p.terminal.pending()[0].kind, poscore::terminal::TxnKind::ScriptAdvice);
    p.sent.clear();
    p.run(sale(500)).unwrap();
    assert_eq!(p.sent, ["0620", "0200"], "{:#?}", p.events);
    let delivered = p.events_of("script_advice_delivered");
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["stan"], stan.as_str());
    let key = (test_config().terminal_id, p.terminal.batch().to_owned(), stan);
    assert_eq!(p.acquirer.ledger.script_advices.get(&key), Some(&1));
    assert!(p.terminal.pending().is_empty());
}

#[test]
fn a_lost_advice_answer_is_repeated_until_the_host_answers() {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 11, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    let stan = approved_sale(&mut p, 3_000);
    p.acquirer.push_fault(Some("0620"), poscore_sim::Fault::DropResponse);
    p.terminal.complete_chip(&stan, &completion("40", Some("2000000000")), p.now).unwrap();
    p.quiesce();
    assert_eq!(p.events_of("script_advice_delivered").len(), 1, "{:#?}", p.events);
    let key = (test_config().terminal_id, p.terminal.batch().to_owned(), stan);
    assert_eq!(p.acquirer.ledger.script_advices.get(&key), Some(&2), "sent again after the lost answer, once");
    assert!(p.terminal.pending().is_empty());
}

#[test]
fn completion_is_refused_for_an_unknown_or_non_chip_transaction() {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 11, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    assert!(p.terminal.complete_chip("000999", &completion("40", None), p.now).is_err());
    p.run(Request::Sale { amount: 100, card: poscore_sim::cards::magstripe(), pin: pin() }).unwrap();
    let stan = p.events_of("approved")[0]["stan"].as_str().unwrap().to_owned();
    assert!(p.terminal.complete_chip(&stan, &completion("40", None), p.now).is_err());
    let bad = ChipCompletion { cryptogram: "XYZ".into(), ..completion("40", None) };
    assert!(p.terminal.complete_chip(&stan, &bad, p.now).is_err());
}

#[test]
fn the_advice_carries_the_script_results_and_the_sale_keeps_only_the_card_data() {
    for full in [true, false] {
        let mut p = Pair::new(Box::new(MemoryStore::new()), 11, test_config()).unwrap();
        p.run(Request::SignOn).unwrap();
        let stan = approved_sale(&mut p, 3_000);
        let mut done = completion("40", Some("2000000001"));
        if !full {
            (done.tvr, done.tsi, done.atc) = (None, None, None);
        }
        p.terminal.complete_chip(&stan, &done, p.now).unwrap();
        let f55 = |kind: TxnKind| {
            p.terminal.records().find(|r| r.kind == kind).unwrap().template.fields.get(&55).cloned().unwrap()
        };
        let (sale55, advice55) = (f55(TxnKind::Sale), f55(TxnKind::ScriptAdvice));
        assert!(advice55.contains("DF31052000000001"), "0620 without its script results: {advice55}");
        assert!(advice55.contains("9F26081122334455667788"), "{advice55}");
        assert!(sale55.contains("9F26081122334455667788") && sale55.contains("9F270140"), "{sale55}");
        assert!(!sale55.contains("DF31"), "the sale's upload data keeps no script results: {sale55}");
    }
}
