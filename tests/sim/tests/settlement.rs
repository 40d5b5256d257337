//! Every money path as safe as the reversal path: the settlement journaled (lost answers,
//! restarts, exhaustion, an interrupted batch upload), "sign on again" answers that survive a
//! restart, and a journal that keeps no track data, PIN block or clear working keys.

use poscore::store::{MemoryStore, Store};
use poscore::terminal::{CardInput, Request, TerminalError};
use poscore_sim::cards::{self, chip, magstripe, pin};
use poscore_sim::pair::{test_config, Pair, SharedStore};
use poscore_sim::Fault;

fn signed_on_over(store: &SharedStore) -> Pair {
    let mut p = Pair::new(Box::new(store.clone()), 11, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    assert!(p.terminal.is_signed_on(), "{:?}", p.events);
    p
}

fn sale(amount: u64) -> Request {
    Request::Sale { amount, card: chip(), pin: pin() }
}

fn assert_host_books_agree(p: &Pair) {
    let l = &p.acquirer.ledger;
    assert!(l.double_settlements.is_empty(), "settled twice: {:?}", l.double_settlements);
    assert!(l.booked_into_closed_batch.is_empty(), "booked into a closed batch: {:?}", l.booked_into_closed_batch);
    assert!(l.stan_reuse.is_empty(), "STAN reused: {:?}", l.stan_reuse);
    assert_eq!(p.host_net(), p.terminal_net());
}

#[test]
fn a_lost_settlement_answer_is_resent_before_the_next_sale() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    p.run(sale(1_000)).unwrap();
    p.acquirer.push_fault(Some("0500"), Fault::DropResponse);
    p.run(Request::Settle).unwrap();
    assert_eq!(p.acquirer.ledger.settled.len(), 1, "the host closed the batch");
    assert_eq!(p.terminal.batch(), "000001", "the terminal does not know yet");
    let owed = p.terminal.settlement_owed().expect("the settlement is owed");
    assert_eq!((owed.batch.as_str(), owed.attempts, owed.exhausted), ("000001", 1, false));
    assert_eq!(p.events_of("failed").last().unwrap()["kind"], "settle");

    // The next sale waits for the settlement's repeat (the host answers it idempotently), the
    // chip upload (203) and the end of the upload (207).
    p.sent.clear();
    p.run(sale(2_000)).unwrap();
    assert_eq!(p.sent, ["0500", "0320", "0320", "0200"]);
    assert_eq!(p.events_of("settlement_balanced").len(), 1);
    assert_eq!(p.terminal.batch(), "000002");
    assert!(p.terminal.settlement_owed().is_none());
    assert_eq!(p.acquirer.ledger.settlement_repeats, 1);
    assert_eq!(p.acquirer.ledger.settled.len(), 1);
    let last = p.terminal.records().last().unwrap();
    assert_eq!((last.batch.as_str(), last.amount), ("000002", 2_000));
    assert_host_books_agree(&p);
}

#[test]
fn a_restart_resends_the_owed_settlement_first() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    p.run(sale(1_500)).unwrap();
    p.acquirer.push_fault(Some("0500"), Fault::DropResponse);
    p.terminal.start(Request::Settle, p.now).unwrap();
    p.drain(); // the 0500 leaves; the power goes before any answer
    assert_eq!(p.sent.last().map(String::as_str), Some("0500"));
    let durable = SharedStore::new(store.durable());
    p.restart(Box::new(durable), 11, test_config()).unwrap();
    assert!(p.terminal.settlement_owed().is_some(), "the settlement record survived");
    p.sent.clear();
    p.run(sale(700)).unwrap();
    assert_eq!(p.sent, ["0500", "0320", "0320", "0200"]);
    assert_eq!(p.terminal.batch(), "000002");
    assert_host_books_agree(&p);
}

#[test]
fn an_exhausted_settlement_refuses_sales_until_the_operator_settles_again() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    p.run(sale(900)).unwrap();
    for _ in 0..test_config().reversal_max_attempts {
        p.acquirer.push_fault(Some("0500"), Fault::DropRequest);
    }
    p.run(Request::Settle).unwrap();
    p.quiesce();
    let owed = p.terminal.settlement_owed().expect("owed");
    assert!(owed.exhausted, "{owed:?}");
    let e = p.terminal.start(sale(100), p.now).unwrap_err();
    assert!(matches!(e, TerminalError::SettlementUnresolved { ref batch } if batch == "000001"), "{e}");
    assert!(p.terminal.diagnose_error(&e).is_some(), "the operator is told what to do");
    // Sign-on and inquiries move no money and pass.
    p.run(Request::BalanceInquiry { card: chip(), pin: pin() }).unwrap();
    // Settling again resends it.
    p.run(Request::Settle).unwrap();
    assert_eq!(p.events_of("settlement_balanced").len(), 1);
    assert!(p.terminal.settlement_owed().is_none());
    p.run(sale(100)).unwrap();
    assert_host_books_agree(&p);
}

#[test]
fn a_refused_settlement_leaves_the_batch_open() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    p.run(sale(400)).unwrap();
    p.acquirer.push_fault(Some("0500"), Fault::Respond { code: "96".into() });
    p.run(Request::Settle).unwrap();
    assert_eq!(p.events_of("declined").last().unwrap()["kind"], "settle");
    assert!(p.terminal.settlement_owed().is_none());
    p.run(sale(500)).unwrap();
    assert_eq!(p.terminal.batch(), "000001");
    assert_host_books_agree(&p);
}

#[test]
fn a_connect_failure_before_the_first_settlement_leaves_nothing_owed() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    p.acquirer.push_fault(Some("0500"), Fault::Refuse);
    p.run(Request::Settle).unwrap();
    assert!(p.terminal.settlement_owed().is_none(), "nothing left the terminal");
    assert!(store.durable().get("term/settle").unwrap().is_none());
}

#[test]
fn an_interrupted_batch_upload_resumes_where_it_stopped() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    for a in [100, 200, 300] {
        p.run(sale(a)).unwrap();
    }
    p.acquirer.push_fault(Some("0500"), Fault::Unbalanced);
    p.terminal.start(Request::Settle, p.now).unwrap();
    // Run until the host has the first upload and the terminal has recorded its answer.
    while p.acquirer.ledger.uploaded < 2 {
        assert!(p.step(true), "the upload goes on");
    }
    let durable = SharedStore::new(store.durable());
    p.restart(Box::new(durable), 11, test_config()).unwrap();
    assert!(p.terminal.settlement_owed().unwrap().uploading);
    p.sent.clear();
    p.quiesce();
    assert!(p.sent.iter().all(|m| m == "0320"), "resumed, not restarted: {:?}", p.sent);
    assert!(p.acquirer.ledger.uploaded <= 4, "at most the one in flight is uploaded twice");
    assert_eq!(p.acquirer.ledger.upload_ends, 1);
    assert_eq!(p.events_of("settlement_closed_unbalanced").len(), 1);
    assert_eq!(p.terminal.batch(), "000002");
    assert_host_books_agree(&p);
}

#[test]
fn sign_on_again_answers_drop_the_keys_durably() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    p.acquirer.push_fault(Some("0200"), Fault::Respond { code: "77".into() });
    p.run(sale(100)).unwrap();
    assert!(!p.terminal.is_signed_on());
    assert!(store.durable().get("term/keys").unwrap().is_none(), "the keys are gone from the journal");
    let durable = SharedStore::new(store.durable());
    p.restart(Box::new(durable), 11, test_config()).unwrap();
    assert!(!p.terminal.is_signed_on(), "a restart does not bring stale keys back");
    assert!(matches!(p.terminal.start(sale(100), p.now), Err(TerminalError::NotSignedOn)));
}

/// Every value the store holds, as text.
fn journal_text(store: &MemoryStore) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for prefix in ["term/", "txn/"] {
        for k in store.list(prefix).unwrap() {
            let v = store.get(&k).unwrap().unwrap();
            out.push((k, String::from_utf8_lossy(&v).into_owned()));
        }
    }
    out
}

#[test]
fn the_journal_keeps_no_track_data_pin_block_or_clear_keys() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    // A chip whose field 55 carries the track 2 equivalent (57) and its discretionary data.
    let t2 = format!("{}D28122201234567890", cards::CHIP_PAN);
    let icc = format!("57{:02X}{t2}9F2003123456{}", t2.len() / 2, cards::ICC_DATA);
    let chip57 = CardInput::Chip {
        pan: cards::CHIP_PAN.into(),
        track2: Some(t2.clone()),
        expiry: Some("2812".into()),
        card_seq: Some("001".into()),
        icc_data: icc,
    };
    p.run(Request::Sale { amount: 100, card: chip57, pin: pin() }).unwrap();
    p.run(Request::Sale { amount: 200, card: magstripe(), pin: pin() }).unwrap();
    let rrn = p.terminal.records().last().unwrap().rrn.clone().unwrap();
    p.acquirer.push_fault(Some("0220"), Fault::DropResponse);
    p.run(Request::Refund { amount: 50, original_rrn: rrn, original_date: "1123".into(), card: magstripe() }).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    p.run(sale(300)).unwrap(); // pending reversal: its template is what stays longest
    p.quiesce();
    let journal = journal_text(&store.durable());
    assert!(journal.iter().any(|(k, _)| k.starts_with("txn/")));
    let track_values = [t2.replace('D', "="), t2.clone(), "4761739001010010=2512".into(), "25121011143878089".into()];
    for (k, v) in &journal {
        for t in &track_values {
            assert!(!v.contains(t.as_str()), "{k} keeps track data {t}: {v}");
        }
        assert!(!v.contains("\"35\"") && !v.contains("\"52\"") && !v.contains("\"26\""), "{k}: {v}");
        assert!(!v.contains(&format!("57{:02X}", t2.len() / 2)), "{k} keeps tag 57: {v}");
        assert!(!v.contains("9F2003123456"), "{k} keeps tag 9F20: {v}");
        if k == "term/keys" {
            assert!(v.contains("field62") && !v.contains("pik") && !v.contains("mak"), "keys in the clear: {v}");
        }
    }
    // What is kept still does its job: the refund repeats and the reversal goes out.
    assert!(p.terminal.pending().is_empty(), "{:?}", p.terminal.pending());
    assert_host_books_agree(&p);
}
