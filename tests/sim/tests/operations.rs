//! Merchant and operator tools over a real day against the simulator (issue 14): the
//! transaction log query (filters, paging, masking), reprints, and staff alerts.

use poscore::receipt::{self, ReceiptData, RenderOptions};
use poscore::store::MemoryStore;
use poscore::terminal::{Config, LogQuery, Request, TerminalError, TxnKind, TxnStatus};
use poscore_sim::cards::{chip, magstripe, pin, wechat, wrong_pin, CHIP_PAN, MAG_PAN};
use poscore_sim::pair::{test_config, Pair};
use poscore_sim::Fault;

fn day() -> Pair {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 3, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    for (amount, card, pin) in [
        (1_000, chip(), pin()),
        (2_000, magstripe(), pin()),
        (3_000, chip(), wrong_pin()),
        (4_000, wechat(), None),
        (5_000, chip(), pin()),
    ] {
        p.run(Request::Sale { amount, card, pin }).unwrap();
    }
    let first = p.events_of("approved")[0]["stan"].as_str().unwrap().to_owned();
    p.run(Request::Void { original_stan: first, card: chip(), pin: pin() }).unwrap();
    p
}

fn alerts(p: &Pair) -> Vec<serde_json::Value> {
    p.events_of("staff_alert")
}

#[test]
fn the_log_filters_pages_and_masks() {
    let p = day();
    let all = p.terminal.query_log(&LogQuery::default()).unwrap();
    assert_eq!(all.total, 6, "{:#?}", all.entries);
    // Newest first: the void.
    assert_eq!(all.entries[0].kind, TxnKind::Void);
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains(CHIP_PAN) && !text.contains(MAG_PAN), "the log shows no full card number");
    assert!(all.entries.iter().all(|e| e.masked_pan.as_deref().is_some_and(|m| m.contains('*'))));

    let declined = p.terminal.query_log(&LogQuery { status: vec![TxnStatus::Declined], ..Default::default() }).unwrap();
    assert_eq!(declined.total, 1);
    assert_eq!(declined.entries[0].response_code.as_deref(), Some("55"));

    let swiped = p
        .terminal
        .query_log(&LogQuery { entry: vec![poscore::receipt::EntryMode::Swipe], ..Default::default() })
        .unwrap();
    assert_eq!(swiped.total, 1);
    assert_eq!(swiped.entries[0].amount, 2_000);

    let wallet =
        p.terminal.query_log(&LogQuery { entry: vec![poscore::receipt::EntryMode::Qr], ..Default::default() }).unwrap();
    assert_eq!(wallet.entries[0].wallet, Some(poscore::card::PaymentCodeKind::WechatPay));

    let band = p
        .terminal
        .query_log(&LogQuery { min_amount: Some(2_000), max_amount: Some(4_000), ..Default::default() })
        .unwrap();
    assert_eq!(band.total, 3);

    let rrn = all.entries.iter().find_map(|e| e.rrn.clone()).unwrap();
    let by_rrn = p.terminal.query_log(&LogQuery { rrn: Some(rrn.clone()), ..Default::default() }).unwrap();
    assert_eq!(by_rrn.total, 1);
    assert_eq!(by_rrn.entries[0].rrn.as_deref(), Some(rrn.as_str()));

    let today = all.entries[0].date.clone();
    let dated = p
        .terminal
        .query_log(&LogQuery { from_date: Some(today.clone()), to_date: Some(today), ..Default::default() })
        .unwrap();
    assert_eq!(dated.total, 6);
    let none = p.terminal.query_log(&LogQuery { to_date: Some("2000-01-01".into()), ..Default::default() }).unwrap();
    assert_eq!(none.total, 0);

    // Pages of two.
    let mut seen = Vec::new();
    for offset in [0, 2, 4, 6] {
        let page = p.terminal.query_log(&LogQuery { offset, limit: 2, ..Default::default() }).unwrap();
        assert_eq!(page.total, 6);
        seen.extend(page.entries.into_iter().map(|e| e.stan));
    }
    assert_eq!(seen, all.entries.iter().map(|e| e.stan.clone()).collect::<Vec<_>>());

    // Untrusted query input: a clear error, never a panic.
    for bad in [
        LogQuery { from_date: Some("2026-02-30".into()), ..Default::default() },
        LogQuery { to_date: Some("yesterday".into()), ..Default::default() },
        LogQuery { limit: 501, ..Default::default() },
    ] {
        assert!(matches!(p.terminal.query_log(&bad), Err(TerminalError::BadRequest { .. })), "{bad:?}");
    }
    let e = serde_json::from_str::<LogQuery>(r#"{"stann": "000001"}"#).unwrap_err();
    assert!(e.to_string().contains("stann"), "unknown keys are refused: {e}");
}

#[test]
fn any_slip_can_be_reprinted_marked_reprint() {
    let p = day();
    let approved = p.events_of("approved");
    let stan = approved[1]["stan"].as_str().unwrap();
    let slip = p.terminal.reprint(stan, None).unwrap();
    assert_eq!(slip.voucher_no, stan);
    let data = ReceiptData::new(slip).unwrap();
    let text = receipt::render_text(&data, &RenderOptions { reprint: true, ..RenderOptions::default() }).unwrap();
    assert!(text.contains("重打印"), "{text}");
    assert!(!text.contains(MAG_PAN));
    assert!(matches!(p.terminal.reprint("999999", None), Err(TerminalError::UnknownOriginal { .. })));
}

#[test]
fn staff_alerts_follow_what_they_are_about() {
    // A reversal that cannot be delivered: exhausted, and an alert.
    let mut p = Pair::new(Box::new(MemoryStore::new()), 5, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    for _ in 0..3 {
        p.acquirer.push_fault(Some("0400"), Fault::DropResponse);
    }
    p.run(Request::Sale { amount: 700, card: chip(), pin: pin() }).unwrap();
    p.quiesce();
    let a = alerts(&p);
    let kinds: Vec<_> = a.iter().map(|a| a["alert"].as_str().unwrap().to_owned()).collect();
    assert!(kinds.contains(&"reversal_exhausted".to_owned()), "{kinds:?}");
    let exhausted = a.iter().find(|a| a["alert"] == "reversal_exhausted").unwrap();
    assert_eq!(exhausted["amount"], 700);
    assert_eq!(exhausted["diagnosis"]["entry"]["code"], "T701");

    // A reversal pending longer than the threshold (the line keeps refusing): one alert.
    let config = Config { alert_pending_ms: 60_000, reversal_max_attempts: 1_000, ..test_config() };
    let mut p = Pair::new(Box::new(MemoryStore::new()), 6, config).unwrap();
    p.run(Request::SignOn).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    p.run(Request::Sale { amount: 800, card: chip(), pin: pin() }).unwrap();
    p.acquirer.down = true;
    let until = p.now + 200_000;
    while p.now < until && p.step(true) {}
    let long: Vec<_> = alerts(&p).into_iter().filter(|a| a["alert"] == "reversal_pending_too_long").collect();
    assert_eq!(long.len(), 1, "{:?}", alerts(&p));

    // An unbalanced settlement.
    let mut p = day();
    p.acquirer.push_fault(Some("0500"), Fault::Unbalanced);
    p.run(Request::Settle).unwrap();
    let a = alerts(&p);
    let unbalanced = a.iter().find(|a| a["alert"] == "settlement_unbalanced").expect("an alert");
    assert_eq!(unbalanced["diagnosis"]["entry"]["code"], "T702");

    // The host rejects the keys (A0 MAC error answer): sign on again.
    let mut p = day();
    p.acquirer.push_fault(Some("0200"), Fault::Respond { code: "A0".into() });
    p.run(Request::Sale { amount: 900, card: chip(), pin: pin() }).unwrap();
    assert!(alerts(&p).iter().any(|a| a["alert"] == "keys_rejected"), "{:?}", alerts(&p));
    assert!(!p.terminal.is_signed_on());
}

#[test]
fn the_audit_trail_logs_each_attempt_with_its_send_and_answer_times() {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 8, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    p.acquirer.push_fault(Some("0400"), Fault::Respond { code: "96".into() });
    p.run(Request::Sale { amount: 1_100, card: chip(), pin: pin() }).unwrap();
    p.quiesce();
    let all = p.terminal.audit_trail(0, u64::MAX).unwrap();
    assert_eq!(all[0].what, "signed_on", "{all:#?}");
    let trail: Vec<_> = all.iter().filter(|a| a.what == "message").collect();
    let lines: Vec<_> = trail.iter().map(|a| (a.mti.as_deref().unwrap(), a.result.as_deref().unwrap())).collect();
    assert_eq!(lines, [("0200", "comm.receive_timeout.after_send"), ("0400", "96"), ("0400", "00")], "{trail:#?}");
    assert!(trail.iter().all(|a| a.done_at.is_some_and(|d| a.at <= d) && a.stan == trail[0].stan));
    assert_eq!(trail[0].done_at.unwrap() - trail[0].at, test_config().response_timeout_ms, "the timeout is the wait");
    assert!(trail.iter().all(|a| a.masked_pan.as_deref() == Some("621234******1232")));
    assert!(trail[0].csv().starts_with(&format!("{},", trail[0].at)));
    let later = p.terminal.audit_trail(trail[1].at, u64::MAX).unwrap();
    assert_eq!(later.iter().filter(|a| a.what == "message").count(), 2);
}

#[test]
fn the_audit_trail_notes_sign_on_settlement_operator_decisions_and_alerts_across_a_restart() {
    let store = poscore_sim::pair::SharedStore::new(MemoryStore::new());
    let mut p = Pair::new(Box::new(store.clone()), 9, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    // A reversal that cannot be delivered: exhausted (an alert), then the operator retries it.
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    for _ in 0..3 {
        p.acquirer.push_fault(Some("0400"), Fault::DropResponse);
    }
    p.run(Request::Sale { amount: 700, card: chip(), pin: pin() }).unwrap();
    p.quiesce();
    let stan = p.terminal.pending()[0].stan.clone();
    p.terminal.resolve_exhausted_reversal(&stan, poscore::terminal::Resolution::Retry, p.now).unwrap();
    p.quiesce();
    p.run(Request::Sale { amount: 300, card: chip(), pin: pin() }).unwrap();
    p.run(Request::Settle).unwrap();
    // After a restart, from the journal alone.
    p.restart(Box::new(poscore_sim::pair::SharedStore::new(store.durable())), 9, test_config()).unwrap();
    let notes: Vec<String> = p
        .terminal
        .audit_trail(0, u64::MAX)
        .unwrap()
        .into_iter()
        .filter(|a| a.what != "message")
        .map(|a| a.what)
        .collect();
    assert_eq!(notes, ["signed_on", "alert:reversal_exhausted", "reversal_resolved:retry", "settled"], "in order");
}
