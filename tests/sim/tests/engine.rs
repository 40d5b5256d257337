//! The engine against the in-process acquirer: every transaction type, the reversal rules,
//! restart, exhaustion.

use poscore::store::MemoryStore;
use poscore::terminal::{Request, Resolution, TxnStatus};
use poscore_sim::cards::{self, chip, magstripe, pin, qr, wrong_pin};
use poscore_sim::pair::{test_config, Pair, SharedStore};
use poscore_sim::Fault;

fn signed_on() -> Pair {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 7, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    assert_eq!(p.events_of("signed_on").len(), 1, "{:?}", p.events);
    assert!(p.terminal.is_signed_on());
    p
}

fn sale(amount: u64) -> Request {
    Request::Sale { amount, card: chip(), pin: pin() }
}

#[test]
fn sign_on_and_sales_of_every_entry_mode() {
    let mut p = signed_on();
    p.run(sale(8800)).unwrap();
    p.run(Request::Sale { amount: 1200, card: magstripe(), pin: pin() }).unwrap();
    p.run(Request::Sale { amount: 3300, card: cards::contactless(), pin: None }).unwrap();
    p.run(Request::Sale { amount: 4500, card: qr(), pin: None }).unwrap();
    let approved = p.events_of("approved");
    assert_eq!(approved.len(), 4, "{:#?}", p.events);
    assert_eq!(approved[0]["receipt"]["pan"], "621234******1232");
    assert_eq!(approved[3]["receipt"]["entry_mode"], "qr");
    assert_eq!(p.host_net(), 8800 + 1200 + 3300 + 4500);
    assert_eq!(p.terminal_net(), p.host_net());
    assert!(p.terminal.pending().is_empty());
}

#[test]
fn declines_carry_the_diagnosis() {
    let mut p = signed_on();
    p.run(Request::Sale { amount: 100, card: chip(), pin: wrong_pin() }).unwrap();
    p.acquirer.balances.insert(cards::MAG_PAN.into(), 50);
    p.run(Request::Sale { amount: 100, card: magstripe(), pin: pin() }).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::Respond { code: "96".into() });
    p.run(sale(100)).unwrap();
    let d = p.events_of("declined");
    let codes: Vec<_> = d.iter().map(|e| e["diagnosis"]["entry"]["code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(codes, ["55", "51", "96"]);
    assert_eq!(d[0]["diagnosis"]["entry"]["operator"]["en"], "Incorrect PIN");
    assert_eq!(p.host_net(), 0);
    assert_eq!(p.terminal_net(), 0);
}

#[test]
fn timeout_is_reversed_before_the_next_sale() {
    let mut p = signed_on();
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    p.run(sale(5000)).unwrap();
    assert_eq!(p.host_net(), 5000, "the host booked it");
    let pending = p.events_of("reversal_pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["reason"], "98");
    // With no next sale, the reversal goes on its own after the idle delay.
    p.quiesce();
    assert_eq!(p.events_of("reversal_cleared").len(), 1, "{:#?}", p.events);
    assert_eq!(p.host_net(), 0);
    assert_eq!(p.terminal_net(), 0);
    let order: Vec<_> =
        p.events.iter().map(|e| serde_json::to_value(e).unwrap()["type"].as_str().unwrap().to_owned()).collect();
    let rec = order.iter().position(|t| t == "reversal_recorded").unwrap();
    let send = order.iter().position(|t| t == "sending").unwrap();
    assert!(rec < order.iter().rposition(|t| t == "sending").unwrap() && send < rec + 2);
}

#[test]
fn reversal_goes_before_the_next_request() {
    let mut cfg = test_config();
    cfg.reversal_idle_delay_ms = 3_600_000;
    let mut p = Pair::new(Box::new(MemoryStore::new()), 3, cfg).unwrap();
    p.run(Request::SignOn).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    p.run(sale(5000)).unwrap();
    assert_eq!(p.events_of("reversal_cleared").len(), 0);
    p.sent.clear();
    p.run(sale(700)).unwrap();
    assert_eq!(p.sent, ["0400", "0200"]);
    assert_eq!(p.host_net(), 700);
    assert_eq!(p.terminal_net(), 700);
}

#[test]
fn mac_failure_and_mismatch_are_reversed_late_answers_ignored() {
    let mut p = signed_on();
    p.acquirer.push_fault(Some("0200"), Fault::CorruptMac);
    p.run(sale(100)).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::WrongStan);
    p.run(sale(200)).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::Late);
    p.run(sale(300)).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::Duplicate);
    p.run(sale(400)).unwrap();
    let reasons: Vec<_> =
        p.events_of("reversal_pending").iter().map(|e| e["reason"].as_str().unwrap().to_owned()).collect();
    assert_eq!(reasons, ["A0", "06", "98"]);
    assert!(p.events_of("late_response").len() >= 2, "{:#?}", p.events_of("late_response"));
    assert_eq!(p.host_net(), 400);
    assert_eq!(p.terminal_net(), 400);
}

#[test]
fn void_refund_preauth_completion_inquiry_and_settlement() {
    let mut p = signed_on();
    p.run(sale(10_000)).unwrap();
    let a = p.events_of("approved");
    let stan = a[0]["stan"].as_str().unwrap().to_owned();
    let rrn = a[0]["rrn"].as_str().unwrap().to_owned();
    p.run(Request::Void { original_stan: stan.clone(), card: chip(), pin: pin() }).unwrap();
    assert_eq!(p.events_of("approved").len(), 2, "{:#?}", p.events);
    assert!(p.terminal.start(Request::Void { original_stan: stan, card: chip(), pin: pin() }, p.now).is_err());
    p.run(sale(6_000)).unwrap();
    let rrn2 = p.events_of("approved")[2]["rrn"].as_str().unwrap().to_owned();
    p.run(Request::Refund { amount: 1_000, original_rrn: rrn2, original_date: "1123".into(), card: chip() }).unwrap();
    p.run(Request::Refund { amount: 1_000, original_rrn: rrn, original_date: "1123".into(), card: chip() }).unwrap(); // voided: 25
    p.run(Request::PreAuth { amount: 20_000, card: chip(), pin: pin() }).unwrap();
    let auth = p.events_of("approved").last().unwrap()["auth_code"].as_str().unwrap().to_owned();
    p.run(Request::Completion {
        amount: 18_000,
        original_auth_code: auth,
        original_date: "1123".into(),
        card: chip(),
        pin: pin(),
    })
    .unwrap();
    p.run(Request::BalanceInquiry { card: chip(), pin: pin() }).unwrap();
    let last = p.events_of("approved").last().unwrap().clone();
    assert_eq!(last["kind"], "balance_inquiry");
    assert!(last["balance"].as_u64().unwrap() > 0);
    assert_eq!(p.host_net(), 6_000 - 1_000 + 18_000);
    assert_eq!(p.terminal_net(), p.host_net());
    let batch = p.terminal.batch().to_owned();
    p.run(Request::Settle).unwrap();
    let s = p.events_of("settlement_balanced");
    assert_eq!(s.len(), 1, "{:#?}", p.events);
    assert_eq!(s[0]["batch"], batch.as_str());
    assert_ne!(p.terminal.batch(), batch);
}

#[test]
fn unbalanced_settlement_uploads_the_batch() {
    let mut p = signed_on();
    p.run(sale(100)).unwrap();
    p.run(sale(200)).unwrap();
    p.acquirer.push_fault(Some("0500"), Fault::Unbalanced);
    p.run(Request::Settle).unwrap();
    assert_eq!(p.events_of("settlement_unbalanced").len(), 1);
    assert_eq!(p.events_of("batch_uploaded")[0]["count"], 2);
    // Closed on the uploaded details: no second 0500 (openpos SERV_SettleBatchEnd2).
    assert_eq!(p.events_of("settlement_closed_unbalanced").len(), 1, "{:#?}", p.events);
    assert_eq!(p.events_of("settlement_balanced").len(), 0);
    assert_eq!(p.acquirer.ledger.uploaded, 2);
    assert_eq!(p.acquirer.ledger.upload_ends, 1);
    assert_eq!(p.acquirer.ledger.settled.len(), 1);
    assert_ne!(p.terminal.batch(), "000001");
}

#[test]
fn settlement_reports_foreign_cards_apart_and_uploads_by_entry_mode() {
    let mut p = signed_on();
    p.run(sale(100)).unwrap(); // chip, UnionPay
    p.run(Request::Sale { amount: 250, card: poscore_sim::cards::magstripe(), pin: pin() }).unwrap(); // Visa
    let t = p.terminal.totals(p.terminal.batch());
    assert_eq!((t.debit_amount, t.debit_count, t.foreign_debit_amount, t.foreign_debit_count), (350, 2, 250, 1));
    assert_eq!(&t.field48()[..31], "0000000001000010000000000000000");
    assert_eq!(&t.field48()[31..], "0000000002500010000000000000000");
    // Balanced: the chip transaction is uploaded (203), then the end (207) with the count.
    p.sent.clear();
    p.run(Request::Settle).unwrap();
    assert_eq!(p.sent, ["0500", "0320", "0320"], "{:#?}", p.events);
    assert_eq!(p.events_of("settlement_balanced").len(), 1);
    assert_eq!(p.events_of("batch_uploaded")[0]["count"], 1);
    assert_eq!((p.acquirer.ledger.uploaded, p.acquirer.ledger.upload_ends), (1, 1));
    // Unbalanced: every transaction, the magnetic stripe one in a 201 list, then 202.
    p.run(sale(300)).unwrap();
    p.run(Request::Sale { amount: 400, card: poscore_sim::cards::magstripe(), pin: pin() }).unwrap();
    p.acquirer.push_fault(Some("0500"), Fault::Unbalanced);
    p.sent.clear();
    p.run(Request::Settle).unwrap();
    assert_eq!(p.sent, ["0500", "0320", "0320", "0320"], "{:#?}", p.events);
    assert_eq!(p.events_of("settlement_closed_unbalanced").len(), 1);
    assert_eq!((p.acquirer.ledger.uploaded, p.acquirer.ledger.upload_ends), (3, 2));
    assert_eq!(p.acquirer.ledger.settled.len(), 2);
    assert_eq!(p.terminal_net(), p.host_net());
}

#[test]
fn a_partial_approval_books_the_approved_amount() {
    let mut p = signed_on();
    p.acquirer.push_fault(Some("0200"), Fault::Partial { approved: 600 });
    p.run(sale(1_000)).unwrap();
    let a = p.events_of("approved")[0].clone();
    assert_eq!((a["amount"].as_u64(), a["requested_amount"].as_u64()), (Some(600), Some(1_000)), "{a:#}");
    assert!(a["balance"].as_u64().is_some());
    assert_eq!(a["diagnosis"]["entry"]["code"], "10");
    let text = a["receipt"]["response_text"].as_str().unwrap();
    assert!(text.contains("6.00") && text.contains("10.00") && text.contains("4.00"), "{text}");
    assert!(p.terminal.pending().is_empty(), "not reversed as a mismatch");
    assert_eq!(p.terminal_net(), 600);
    assert_eq!(p.terminal_net(), p.host_net());
    // A void cancels what was booked.
    let stan = a["stan"].as_str().unwrap().to_owned();
    p.run(Request::Void { original_stan: stan, card: chip(), pin: pin() }).unwrap();
    assert_eq!(p.events_of("approved").len(), 2);
    assert_eq!(p.terminal_net(), 0);
    assert_eq!(p.terminal_net(), p.host_net());
}

#[test]
fn exhausted_reversal_blocks_sales_until_resolved() {
    let mut p = signed_on();
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    for _ in 0..3 {
        p.acquirer.push_fault(Some("0400"), Fault::DropRequest);
    }
    p.run(sale(900)).unwrap();
    p.quiesce();
    assert_eq!(p.events_of("reversal_exhausted").len(), 1, "{:#?}", p.events);
    let stan = p.events_of("reversal_exhausted")[0]["stan"].as_str().unwrap().to_owned();
    let err = p.terminal.start(sale(1), p.now).unwrap_err();
    assert_eq!(err.code(), "terminal.reversal_unresolved");
    // The refusal is diagnosed like any failure: what the operator sees is T701.
    assert_eq!(p.terminal.diagnose_error(&err).unwrap().entry.code, "T701");
    assert_eq!(p.host_net(), 900, "the charge stands until the reversal arrives");
    p.terminal.resolve_exhausted_reversal(&stan, Resolution::Retry, p.now).unwrap();
    p.quiesce();
    assert_eq!(p.events_of("reversal_cleared").len(), 1);
    assert_eq!(p.host_net(), 0);
    assert_eq!(p.acquirer.ledger.reversal_requests.values().sum::<u32>(), 1);
    p.run(sale(1)).unwrap();
    assert_eq!(p.terminal_net(), 1);
}

#[test]
fn restart_sends_the_pending_reversal_first() {
    let store = SharedStore::default();
    let mut p = Pair::new(Box::new(store.clone()), 9, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    p.terminal.start(sale(4200), p.now).unwrap();
    p.drain(); // the 0200 reaches the host, which books it; the answer is in transit
    assert_eq!(p.host_net(), 4200);
    // Power loss now: restart over what the journal holds.
    p.restart(Box::new(SharedStore::new(store.durable())), 9, test_config()).unwrap();
    let inflight = p.terminal.records().filter(|r| r.status == TxnStatus::InFlight).count();
    assert_eq!(inflight, 1);
    p.sent.clear();
    p.quiesce();
    assert_eq!(p.sent, ["0400"], "the reversal is the first thing sent after the restart");
    assert_eq!(p.host_net(), 0);
    assert_eq!(p.terminal_net(), 0);
    assert!(p.terminal.pending().is_empty());
}

#[test]
fn card_pulled_after_approval_is_reversed() {
    let mut p = signed_on();
    p.run(sale(7_700)).unwrap();
    let stan = p.events_of("approved")[0]["stan"].as_str().unwrap().to_owned();
    assert_eq!(p.host_net(), 7_700);
    let d =
        p.terminal.card_failed_after_approval(&stan, poscore::response::CardReadError::ChipDeclined, p.now).unwrap();
    assert_eq!(d.reversal_reason.as_deref(), Some("06"));
    p.quiesce();
    assert_eq!(p.events_of("reversal_cleared").len(), 1);
    assert_eq!(p.host_net(), 0);
    assert_eq!(p.terminal_net(), 0);
    assert!(p
        .terminal
        .card_failed_after_approval(&stan, poscore::response::CardReadError::CardRemoved, p.now)
        .is_err());
}

#[test]
fn double_tap_is_refused_not_sent_twice() {
    let mut p = signed_on();
    p.terminal.start(sale(1_500), p.now).unwrap();
    let err = p.terminal.start(sale(1_500), p.now).unwrap_err();
    assert_eq!(err.code(), "terminal.duplicate");
    p.settle();
    assert_eq!(p.events_of("approved").len(), 1);
    // Once the first is done, the same amount on the same card is a new sale.
    p.run(sale(1_500)).unwrap();
    assert_eq!(p.events_of("approved").len(), 2);
    assert_eq!(p.host_net(), 3_000);
}

#[test]
fn late_original_answer_during_its_reversal_is_only_logged() {
    let mut p = signed_on();
    // The sale's answer comes late, after the timeout, while its reversal (same STAN) is out.
    // Timeout 1 s, reversal after the 5 s idle delay: the 0210 lands while the 0400 waits.
    p.acquirer.push_fault(Some("0200"), Fault::Delay { ms: 6_500 });
    p.acquirer.push_fault(Some("0400"), Fault::Delay { ms: 900 });
    p.terminal.start(sale(3_000), p.now).unwrap();
    p.quiesce(); // timers in virtual time order: timeout, idle-delay reversal, late 0210, 0410
    let late = p.events_of("late_response");
    assert!(late.iter().any(|e| e["mti"] == "0210"), "{late:?}");
    assert_eq!(p.events_of("reversal_cleared").len(), 1);
    assert_eq!(p.events_of("approved").len(), 0, "the late approval is never acted on");
    assert_eq!(p.acquirer.ledger.reversal_requests.values().sum::<u32>(), 1, "one 0400, not disturbed by the 0210");
    assert_eq!(p.host_net(), 0);
    assert_eq!(p.terminal_net(), 0);
}

#[test]
fn reversal_answers_12_and_25_end_it_96_retries() {
    for (code, extra_attempts) in [("12", 0), ("25", 0), ("96", 1)] {
        let mut p = signed_on();
        p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
        p.acquirer.push_fault(Some("0400"), Fault::Respond { code: code.into() });
        p.terminal.start(sale(800), p.now).unwrap();
        p.quiesce();
        assert_eq!(p.events_of("reversal_cleared").len(), 1, "{code}");
        assert_eq!(p.events_of("reversal_retry").len(), extra_attempts, "{code}");
        assert_eq!(p.acquirer.ledger.reversal_requests.values().sum::<u32>(), 1 + extra_attempts as u32, "{code}");
        assert!(p.terminal.pending().is_empty());
        // 12/25 without booking the reversal: the host still holds the charge. (A real host
        // answers 12/25 only when it has nothing to reverse; the fault forces it here.)
        let expected = if code == "96" { 0 } else { 800 };
        assert_eq!(p.host_net(), expected, "{code}");
    }
}

#[test]
fn flush_pending_sends_the_reversal_now() {
    let mut cfg = test_config();
    cfg.reversal_idle_delay_ms = 3_600_000;
    let mut p = Pair::new(Box::new(MemoryStore::new()), 12, cfg).unwrap();
    p.run(Request::SignOn).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    p.run(sale(900)).unwrap();
    assert_eq!(p.terminal.pending().len(), 1);
    p.terminal.flush_pending(p.now);
    p.settle();
    assert!(p.terminal.pending().is_empty());
    assert_eq!(p.events_of("reversal_cleared").len(), 1);
}

#[test]
fn pre_auth_void_and_completion_void() {
    let mut p = signed_on();
    p.run(Request::PreAuth { amount: 30_000, card: chip(), pin: pin() }).unwrap();
    let pa = p.events_of("approved")[0].clone();
    p.run(Request::PreAuthVoid { original_stan: pa["stan"].as_str().unwrap().into(), card: chip(), pin: pin() })
        .unwrap();
    assert_eq!(p.events_of("approved").len(), 2, "{:#?}", p.events);
    // Each prints as what it is (预授权撤销), not as a plain void of a sale.
    assert_eq!(p.events_of("approved")[1]["receipt"]["txn_type"], "pre_auth_void");
    p.run(Request::PreAuth { amount: 20_000, card: chip(), pin: pin() }).unwrap();
    let auth = p.events_of("approved")[2]["auth_code"].as_str().unwrap().to_owned();
    p.run(Request::Completion {
        amount: 15_000,
        original_auth_code: auth,
        original_date: "1123".into(),
        card: chip(),
        pin: pin(),
    })
    .unwrap();
    let comp = p.events_of("approved")[3]["stan"].as_str().unwrap().to_owned();
    assert_eq!(p.host_net(), 15_000);
    // The completion void's answer is lost: reversed, the completion stands.
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    p.run(Request::CompletionVoid { original_stan: comp.clone(), card: chip(), pin: pin() }).unwrap();
    p.quiesce();
    assert_eq!(p.host_net(), 15_000);
    assert_eq!(p.terminal_net(), 15_000);
    p.run(Request::CompletionVoid { original_stan: comp.clone(), card: chip(), pin: pin() }).unwrap();
    let voided = p.events_of("approved").last().unwrap().clone();
    assert_eq!(voided["receipt"]["txn_type"], "pre_auth_completion_void");
    assert_eq!(p.host_net(), 0);
    assert_eq!(p.terminal_net(), 0);
    let err = p.terminal.start(Request::CompletionVoid { original_stan: comp, card: chip(), pin: pin() }, p.now);
    assert_eq!(err.unwrap_err().code(), "terminal.unknown_original");
    p.run(Request::Settle).unwrap();
    assert_eq!(p.events_of("settlement_balanced").len(), 1);
}

#[test]
fn settlement_prunes_batches_older_than_keep_batches() {
    let cfg = poscore::terminal::Config { keep_batches: 2, ..test_config() };
    let store = SharedStore::new(MemoryStore::new());
    let mut p = Pair::new(Box::new(store.clone()), 5, cfg).unwrap();
    p.run(Request::SignOn).unwrap();
    let mut batches = Vec::new();
    for amount in [1_000, 2_000, 3_000, 4_000] {
        batches.push(p.terminal.batch().to_owned());
        p.run(sale(amount)).unwrap();
        p.run(Request::Settle).unwrap();
        assert_eq!(p.events_of("settlement_balanced").len(), batches.len());
    }
    let kept: Vec<String> = p.terminal.records().map(|r| r.batch.clone()).collect();
    assert_eq!(kept, batches[2..].to_vec(), "the two most recent closed batches stay");
    let keys = poscore::store::Store::list(&store, "txn/").unwrap();
    assert_eq!(keys.len(), 2, "pruned from the store too: {keys:?}");
    assert!(keys.iter().all(|k| k.contains(&batches[2]) || k.contains(&batches[3])), "{keys:?}");
    // A restart reads the same journal.
    let again = Pair::new(Box::new(store.clone()), 6, test_config()).unwrap();
    assert_eq!(again.terminal.records().count(), 2);
}
