//! Offline payments with store-and-forward (issue 18) against the simulated acquirer:
//! - an outage: a sale cannot connect (nothing sent, no reversal), two sales are accepted
//!   offline, and after reconnection both are forwarded, in order, before the next online sale;
//! - the merchant's limits, each refusal with its own diagnosis;
//! - the stripe-terminal-android issue 747 scenario (stored payments forwarded two to four times on
//!   reconnect): reconnect storms, lost advice answers and restarts mid-forward, and every stored
//!   payment reaches the host ledger exactly once;
//! - a property: no accepted set of offline payments ever exceeds a configured limit.

use std::collections::{BTreeMap, BTreeSet};

use poscore::response::OfflineEvent;
use poscore::store::MemoryStore;
use poscore::terminal::{CardInput, Config, OfflineLimits, OfflineReason, Request, TerminalError, TxnKind, TxnStatus};
use poscore_sim::cards::{self, chip, chip_tc, pin};
use poscore_sim::pair::{test_config, Pair, SharedStore};
use poscore_sim::{Fault, SplitMix as Dice};

fn signed_on(config: Config) -> Pair {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 7, config).unwrap();
    p.run(Request::SignOn).unwrap();
    assert!(p.terminal.is_signed_on());
    p
}

/// Each offline sale a new card transaction: a new ATC, so a new TC.
static ATC: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(2);

fn offline(amount: u64, reason: OfflineReason) -> Request {
    let card = cards::chip_tc_atc(ATC.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    Request::OfflineSale { amount, card, reason, offline_pin: false, auth_code: None }
}

fn refused(p: &mut Pair, request: Request) -> OfflineEvent {
    match p.terminal.start(request, p.now) {
        Err(TerminalError::OfflineRefused { what }) => what,
        other => panic!("expected an offline refusal, got {other:?}"),
    }
}

/// Offline sales the host booked, by STAN.
fn offline_bookings(p: &Pair) -> BTreeMap<String, u64> {
    p.acquirer
        .ledger
        .bookings
        .values()
        .filter(|b| b.kind == "offline_sale")
        .map(|b| (b.stan.clone(), b.amount))
        .collect()
}

#[test]
fn outage_then_two_offline_sales_forwarded_in_order_before_the_next_sale() {
    let mut p = signed_on(test_config());
    p.acquirer.down = true;
    p.run(Request::Sale { amount: 1_000, card: chip(), pin: pin() }).unwrap();
    let failed = p.events_of("failed");
    assert_eq!(failed.last().unwrap()["reversal_pending"], false, "nothing left: no reversal");
    assert_eq!(failed.last().unwrap()["diagnosis"]["entry"]["code"], "T101");
    assert!(p.terminal.pending().is_empty(), "a connect failure owes the host nothing");

    p.run(offline(1_000, OfflineReason::HostUnreachable)).unwrap();
    p.run(offline(2_500, OfflineReason::HostUnreachable)).unwrap();
    let stored = p.events_of("stored_offline");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1]["stored_count"], 2);
    assert_eq!(stored[1]["stored_amount"], 3_500);
    assert_eq!(stored[0]["diagnosis"]["entry"]["code"], "T951");
    let receipt = &stored[0]["receipt"];
    assert!(receipt["response_text"].as_str().unwrap().contains("OFFLINE"));
    assert_eq!(receipt["pan"], "621234******1232", "masked on the slip");
    assert_eq!(p.terminal.offline_owed().len(), 2);
    assert!(p.terminal.offline_owed().iter().all(|r| r.status == TxnStatus::Stored));
    // The line is still down: the retry timer tries, sends nothing, costs no attempt.
    p.now += 2_500;
    p.terminal.handle_timeout(p.now);
    p.drain();
    assert!(p.terminal.offline_owed().iter().all(|r| r.status == TxnStatus::Stored && r.attempts == 0));
    assert!(offline_bookings(&p).is_empty());

    // Reconnect: the next online sale forwards both first, in STAN order, as 0220s.
    p.acquirer.down = false;
    let before = p.sent.len();
    p.run(Request::Sale { amount: 700, card: chip(), pin: pin() }).unwrap();
    assert_eq!(&p.sent[before..], ["0220", "0220", "0200"]);
    let forwarded = p.events_of("offline_forwarded");
    assert_eq!(forwarded.len(), 2);
    let stans: Vec<_> = stored.iter().map(|e| e["stan"].as_str().unwrap().to_owned()).collect();
    assert_eq!(forwarded.iter().map(|e| e["stan"].as_str().unwrap()).collect::<Vec<_>>(), stans);
    assert_eq!(offline_bookings(&p).values().sum::<u64>(), 3_500);
    assert!(p.terminal.offline_owed().is_empty());
    assert_eq!(p.host_net(), p.terminal_net());
    // 60.1 = 36 (IC offline purchase), field 59 carried as in every financial message.
    assert!(p.acquirer.field59.iter().filter(|(m, _, _)| m == "0220").all(|(_, _, f)| f.is_some()));
    // They are sales of the batch now: the settlement counts them and balances.
    p.run(Request::Settle).unwrap();
    assert_eq!(p.events_of("settlement_balanced").len(), 1, "{:#?}", &p.events[p.events.len().saturating_sub(6)..]);
    let totals = &p.events_of("settlement_balanced")[0]["totals"];
    assert_eq!(totals["debit_amount"], 4_200);
    assert_eq!(totals["debit_count"], 3);
}

#[test]
fn a_request_waiting_behind_an_unreachable_forward_fails_as_host_unreachable() {
    let mut p = signed_on(test_config());
    p.run(offline(500, OfflineReason::CardApproved)).unwrap();
    assert_eq!(p.events_of("offline_forwarded").len(), 1, "a card-approved sale is forwarded at once");
    p.acquirer.down = true;
    p.run(offline(600, OfflineReason::CardApproved)).unwrap();
    // The forward could not connect; a sale now fails as unreachable without trying again
    // behind it, and the app may store it offline.
    p.run(Request::Sale { amount: 900, card: chip(), pin: pin() }).unwrap();
    assert_eq!(p.events_of("failed").last().unwrap()["diagnosis"]["entry"]["code"], "T101");
    p.run(offline(900, OfflineReason::HostUnreachable)).unwrap();
    assert_eq!(p.terminal.offline_owed().len(), 2);
    // The app forces forwarding once the line is back (stripe-terminal-android issue 485).
    p.acquirer.down = false;
    p.terminal.flush_pending(p.now);
    p.settle();
    assert!(p.terminal.offline_owed().is_empty());
    assert_eq!(offline_bookings(&p).len(), 3);
}

#[test]
fn limits_refuse_with_a_diagnosis_and_store_nothing() {
    let limits =
        OfflineLimits { enabled: true, max_amount: 1_000, max_total: 1_500, max_count: 2, ..Default::default() };
    let mut p = signed_on(Config { offline: limits.clone(), ..test_config() });
    // The host is reachable: "host unreachable" is not true yet.
    assert_eq!(refused(&mut p, offline(100, OfflineReason::HostUnreachable)), OfflineEvent::HostReachable);
    p.acquirer.down = true;
    p.run(Request::Sale { amount: 100, card: chip(), pin: pin() }).unwrap();
    assert_eq!(refused(&mut p, offline(1_001, OfflineReason::HostUnreachable)), OfflineEvent::AmountLimit);
    let swipe = Request::OfflineSale {
        amount: 100,
        card: cards::magstripe(),
        reason: OfflineReason::HostUnreachable,
        offline_pin: false,
        auth_code: None,
    };
    assert_eq!(refused(&mut p, swipe), OfflineEvent::EntryMode);
    let qr = Request::OfflineSale {
        amount: 100,
        card: cards::qr(),
        reason: OfflineReason::HostUnreachable,
        offline_pin: false,
        auth_code: None,
    };
    assert_eq!(refused(&mut p, qr), OfflineEvent::EntryMode);
    let arqc = Request::OfflineSale {
        amount: 100,
        card: chip(),
        reason: OfflineReason::HostUnreachable,
        offline_pin: false,
        auth_code: None,
    };
    assert_eq!(refused(&mut p, arqc), OfflineEvent::CardDeclined, "an ARQC is not an offline approval");
    p.run(offline(1_000, OfflineReason::HostUnreachable)).unwrap();
    assert_eq!(refused(&mut p, offline(600, OfflineReason::HostUnreachable)), OfflineEvent::TotalLimit);
    p.run(offline(400, OfflineReason::HostUnreachable)).unwrap();
    assert_eq!(refused(&mut p, offline(1, OfflineReason::HostUnreachable)), OfflineEvent::CountLimit);
    assert_eq!(p.terminal.offline_owed().len(), 2);
    // Each refusal is diagnosed in both languages for the operator.
    let e = TerminalError::OfflineRefused { what: OfflineEvent::TotalLimit };
    let d = p.terminal.diagnose_error(&e).unwrap();
    assert_eq!(d.entry.code, "T954");
    // A pin requirement and the disabled default.
    let mut q = signed_on(Config { offline: OfflineLimits { require_offline_pin: true, ..limits }, ..test_config() });
    assert_eq!(refused(&mut q, offline(100, OfflineReason::CardApproved)), OfflineEvent::PinRequired);
    let mut off = signed_on(Config { offline: OfflineLimits::default(), ..test_config() });
    assert_eq!(refused(&mut off, offline(100, OfflineReason::CardApproved)), OfflineEvent::Disabled);
}

#[test]
fn a_magstripe_offline_settlement_goes_as_60_1_30_when_the_merchant_allows_it() {
    let limits =
        OfflineLimits { enabled: true, entry_modes: vec![poscore::receipt::EntryMode::Swipe], ..Default::default() };
    let mut p = signed_on(Config { offline: limits, ..test_config() });
    p.acquirer.down = true;
    p.run(Request::Sale { amount: 100, card: cards::magstripe(), pin: None }).unwrap();
    let card: CardInput = cards::magstripe();
    p.run(Request::OfflineSale {
        amount: 800,
        card,
        reason: OfflineReason::HostUnreachable,
        offline_pin: false,
        auth_code: Some("654321".into()),
    })
    .unwrap();
    let r = p.terminal.offline_owed()[0].clone();
    assert_eq!(r.template.fields.get(&60).map(|f| &f[..2]), Some("30"));
    assert_eq!(r.template.fields.get(&38).map(String::as_str), Some("654321"));
    assert!(!r.template.fields.contains_key(&35), "no track data kept");
    p.acquirer.down = false;
    p.terminal.flush_pending(p.now);
    p.settle();
    let b = p.acquirer.ledger.bookings.values().find(|b| b.kind == "offline_sale").unwrap();
    assert_eq!(b.auth_code, "654321", "the voice authorisation code is the approval");
}

#[test]
fn a_declined_advice_is_a_merchant_loss_and_never_resent() {
    let mut p = signed_on(test_config());
    p.acquirer.push_fault(Some("0220"), Fault::Respond { code: "51".into() });
    p.run(offline(800, OfflineReason::CardApproved)).unwrap();
    let declined = p.events_of("offline_declined");
    assert_eq!(declined.len(), 1);
    assert_eq!(declined[0]["code"], "51");
    assert_eq!(declined[0]["amount"], 800);
    let alert = p.events_of("staff_alert");
    assert_eq!(alert.len(), 1, "a staff alert follows the merchant loss");
    assert_eq!((alert[0]["alert"].as_str(), alert[0]["amount"].as_u64()), (Some("offline_declined"), Some(800)));
    assert!(p.terminal.offline_owed().is_empty());
    p.quiesce();
    assert_eq!(p.sent.iter().filter(|m| m.starts_with("022")).count(), 1);
    assert_eq!(p.host_net(), p.terminal_net());
}

#[test]
fn a_stored_payment_too_old_alerts_once_and_stops_offline_acceptance() {
    let mut p = signed_on(test_config());
    p.acquirer.down = true;
    p.run(Request::Sale { amount: 100, card: chip(), pin: pin() }).unwrap();
    p.run(offline(100, OfflineReason::HostUnreachable)).unwrap();
    let max = test_config().offline.max_age_ms;
    let deadline = p.now + max + 1;
    // Step the timers (forward retries every 2 s) past the age limit.
    while p.now < deadline + 10_000 {
        let at = p.terminal.poll_timeout().unwrap();
        p.now = at.max(p.now + 1);
        p.terminal.handle_timeout(p.now);
        p.drain();
    }
    let alerts = p.events_of("offline_stored_too_long");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["diagnosis"]["entry"]["code"], "T956");
    assert_eq!(refused(&mut p, offline(100, OfflineReason::HostUnreachable)), OfflineEvent::TooOld);
}

/// The line is back for good, faults off: deliver everything owed (resolving exhausted advices).
fn deliver_everything(p: &mut Pair) {
    p.acquirer.down = false;
    p.acquirer.clear_faults();
    for _ in 0..6 {
        p.quiesce();
        let exhausted: Vec<_> =
            p.terminal.pending().iter().filter(|r| r.status == TxnStatus::Exhausted).map(|r| r.stan.clone()).collect();
        for s in &exhausted {
            p.terminal.resolve_exhausted_reversal(s, poscore::terminal::Resolution::Retry, p.now).unwrap();
        }
        if !p.terminal.is_signed_on() {
            let _ = p.terminal.start(Request::SignOn, p.now);
        }
        if p.terminal.pending().is_empty() && exhausted.is_empty() {
            break;
        }
    }
}

/// One stripe-terminal-android 747 schedule: an outage, offline sales, then a stormy reconnect
/// (the line flapping, answers lost, duplicated and late, the terminal restarted mid-forward), and
/// online sales racing the drain. Returns the number of offline sales accepted.
fn storm(seed: u64) -> usize {
    let mut d = Dice(seed);
    let mut store = SharedStore::new(MemoryStore::new());
    let mut p = Pair::new(Box::new(store.clone()), seed, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    p.acquirer.down = true;
    p.run(Request::Sale { amount: 100, card: chip(), pin: pin() }).unwrap();
    for _ in 0..=d.below(5) {
        let _ = p.run(offline(100 + d.below(5_000), OfflineReason::HostUnreachable));
    }
    let restart = |p: &mut Pair, store: &mut SharedStore| {
        let durable = SharedStore::new(store.durable());
        *store = durable.clone();
        p.restart(Box::new(durable), seed, test_config()).unwrap();
    };
    for round in 0..(4 + d.below(8)) {
        p.acquirer.down = d.percent(35);
        for _ in 0..d.below(3) {
            let fault = match d.below(5) {
                0 => Fault::DropResponse,
                1 => Fault::Duplicate,
                2 => Fault::Late,
                3 => Fault::LineDrop,
                _ => Fault::Respond { code: "96".into() },
            };
            let mti = if d.percent(50) { "0220" } else { "0221" };
            p.acquirer.push_fault(Some(mti), fault);
        }
        match d.below(4) {
            0 => {
                let _ = p.run(Request::Sale { amount: 100 + round, card: chip(), pin: pin() });
            }
            1 => p.terminal.flush_pending(p.now),
            2 if p.terminal.offline_owed().len() < 8 => {
                let _ = p.run(offline(100 + d.below(3_000), OfflineReason::HostUnreachable));
            }
            _ => {}
        }
        // Run a few steps, then maybe lose power mid-forward.
        for _ in 0..d.below(6) {
            p.step(true);
        }
        if d.percent(40) {
            restart(&mut p, &mut store);
        }
    }
    deliver_everything(&mut p);
    // Every offline sale the terminal reported stored (the pair keeps its events across restarts).
    let accepted: BTreeSet<String> =
        p.events_of("stored_offline").iter().map(|e| e["stan"].as_str().unwrap().to_owned()).collect();
    let ctx = || {
        format!(
            "seed {seed}: now {} timeout {:?} signed on {} idle {} sent {:?}\nlog {:#?}\nrecords {:#?}\nevents {:?}",
            p.now,
            p.terminal.poll_timeout(),
            p.terminal.is_signed_on(),
            p.terminal.is_idle(),
            p.sent,
            p.acquirer.log,
            p.terminal
                .records()
                .map(|r| format!("{} {:?} {:?} att={}", r.stan, r.kind, r.status, r.attempts))
                .collect::<Vec<_>>(),
            p.events.iter().rev().take(12).collect::<Vec<_>>()
        )
    };
    assert!(p.terminal.pending().is_empty(), "something still owed ({})", ctx());
    // Exactly once: every accepted offline sale is one booking on the host (the simulated host
    // holds one booking per terminal, batch and STAN, so a payment forwarded twice under a new
    // STAN would show as an extra booking), and nothing else was booked as offline.
    let booked = offline_bookings(&p);
    let ours: BTreeMap<_, _> = p
        .terminal
        .records()
        .filter(|r| r.kind == TxnKind::OfflineSale)
        .map(|r| (r.stan.clone(), (r.amount, r.status)))
        .collect();
    assert_eq!(ours.keys().cloned().collect::<BTreeSet<_>>(), accepted, "{}", ctx());
    for (stan, (amount, status)) in &ours {
        assert_eq!(*status, TxnStatus::Approved, "stored payment {stan} not accepted ({})", ctx());
        assert_eq!(booked.get(stan), Some(amount), "stored payment {stan} not on the host ledger ({})", ctx());
    }
    assert_eq!(booked.len(), ours.len(), "an offline sale booked that the terminal does not hold ({})", ctx());
    assert_eq!(p.host_net(), p.terminal_net(), "host net != terminal log ({})", ctx());
    assert!(p.acquirer.ledger.stan_reuse.is_empty(), "STAN reused ({})", ctx());
    accepted.len()
}

#[test]
fn stripe_747_reconnect_storms_lost_answers_and_restarts_forward_each_payment_exactly_once() {
    let n: usize = std::env::var("POSCORE_STORM_SCHEDULES").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    let mut accepted = 0;
    for seed in 0..n as u64 {
        accepted += storm(seed);
    }
    eprintln!("storm: {n} schedules, {accepted} offline sales, each booked once");
    assert!(accepted > n, "the schedules must store payments");
}

proptest::proptest! {
    /// Whatever the sequence of offline sales asked for, what is stored at any moment stays
    /// within every limit, and what is refused names a limit that really would be broken.
    #[test]
    fn accepted_offline_payments_never_exceed_a_limit(
        max_amount in 1u64..5_000,
        max_total in 1u64..20_000,
        max_count in 1u32..8,
        asks in proptest::collection::vec((1u64..6_000, proptest::bool::ANY), 1..25),
    ) {
        let limits = OfflineLimits { enabled: true, max_amount, max_total, max_count, ..Default::default() };
        let mut p = signed_on(Config { offline: limits, ..test_config() });
        p.acquirer.down = true;
        p.run(Request::Sale { amount: 100, card: chip(), pin: pin() }).unwrap();
        for (amount, forward) in asks {
            let before: u64 = p.terminal.offline_owed().iter().map(|r| r.amount).sum();
            let count = p.terminal.offline_owed().len() as u64;
            match p.terminal.start(offline(amount, OfflineReason::HostUnreachable), p.now) {
                Ok(_) => {}
                Err(TerminalError::OfflineRefused { what }) => {
                    let broken = match what {
                        OfflineEvent::AmountLimit => amount > max_amount,
                        OfflineEvent::CountLimit => count + 1 > u64::from(max_count),
                        OfflineEvent::TotalLimit => before + amount > max_total,
                        _ => false,
                    };
                    proptest::prop_assert!(broken, "refused {:?} without cause", what);
                }
                Err(e) => proptest::prop_assert!(false, "unexpected {e}"),
            }
            p.settle();
            let owed = p.terminal.offline_owed();
            proptest::prop_assert!(owed.len() as u32 <= max_count);
            proptest::prop_assert!(owed.iter().map(|r| r.amount).sum::<u64>() <= max_total);
            proptest::prop_assert!(owed.iter().all(|r| r.amount <= max_amount));
            if forward {
                // Sometimes the line comes back for a moment and drains the store.
                p.acquirer.down = false;
                p.terminal.flush_pending(p.now);
                p.settle();
                p.acquirer.down = true;
                p.run(Request::Sale { amount: 100, card: chip(), pin: pin() }).unwrap();
            }
        }
    }
}

#[test]
fn the_same_offline_approval_handed_in_twice_is_one_payment() {
    let mut p = signed_on(test_config());
    p.acquirer.down = true;
    p.run(Request::Sale { amount: 100, card: chip(), pin: pin() }).unwrap();
    let same = || Request::OfflineSale {
        amount: 1_200,
        card: chip_tc(),
        reason: OfflineReason::HostUnreachable,
        offline_pin: false,
        auth_code: None,
    };
    p.run(same()).unwrap();
    // A double tap, or an app retrying after it lost the answer: the card's cryptogram is the
    // same, so it is the same payment.
    assert!(matches!(p.terminal.start(same(), p.now), Err(TerminalError::Duplicate { .. })));
    // The card's next transaction (a new ATC, a new TC) is a new payment.
    p.run(offline(1_200, OfflineReason::HostUnreachable)).unwrap();
    assert_eq!(p.terminal.offline_owed().len(), 2);
    // Forwarded, the first is still the same payment.
    p.acquirer.down = false;
    p.terminal.flush_pending(p.now);
    p.settle();
    assert!(matches!(p.terminal.start(same(), p.now), Err(TerminalError::Duplicate { .. })));
    assert_eq!(offline_bookings(&p).len(), 2);
}
