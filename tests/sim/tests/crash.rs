//! Crash consistency: thousands of random schedules of transactions under random host faults,
//! with the terminal losing power at random points between every I/O step (before and after the
//! journal write, after the send, before and after the response, in the middle of a reversal,
//! inside a journal write), restarted from what the store kept each time, then driven to
//! quiescence with the faults off. Invariants checked against the simulator's ledger:
//! - the host's net charges equal the terminal's approved log;
//! - no reversal lost (nothing pending or exhausted at the end);
//! - no reversal sent again after it was acknowledged;
//! - no STAN reused within a batch;
//! - every offline sale stored is forwarded and booked once (included in the net above; nothing
//!   stored or owed at the end);
//! - no batch settled twice (a repeat of a settled batch's 0500 with its totals is fine: the host
//!   answers it idempotently) and nothing booked into a batch the host already settled.

use std::collections::BTreeMap;

use poscore::store::MemoryStore;
use poscore::terminal::{ChipCompletion, Event, OfflineReason, Request, Resolution, TxnKind, TxnStatus};
use poscore_sim::cards::{self, chip, pin};
use poscore_sim::pair::{test_config, Pair, SharedStore};
use poscore_sim::{FaultRates, SplitMix as Dice};

#[derive(Default)]
struct Stats {
    schedules: u64,
    transactions: u64,
    crashes: BTreeMap<&'static str, u64>,
}

fn random_request(d: &mut Dice, p: &Pair) -> Request {
    let approved_sales: Vec<_> = p
        .terminal
        .records()
        .filter(|r| r.kind == TxnKind::Sale && r.status == TxnStatus::Approved)
        .map(|r| (r.batch.clone(), r.stan.clone(), r.rrn.clone().unwrap_or_default()))
        .collect();
    let (card, pin) = cards::random(d);
    let amount = 100 + d.below(50_000);
    match d.below(22) {
        10 | 11 if !approved_sales.is_empty() => {
            let (batch, stan, _) = &approved_sales[d.below(approved_sales.len() as u64) as usize];
            if batch == p.terminal.batch() {
                Request::Void { original_stan: stan.clone(), card: chip(), pin: pin_ok() }
            } else {
                Request::Sale { amount, card, pin }
            }
        }
        12 | 13 if !approved_sales.is_empty() => {
            let (_, _, rrn) = &approved_sales[d.below(approved_sales.len() as u64) as usize];
            Request::Refund {
                amount: 1 + d.below(500),
                original_rrn: rrn.clone(),
                original_date: "1123".into(),
                card: chip(),
            }
        }
        14 => Request::PreAuth { amount, card: chip(), pin: pin_ok() },
        15 => Request::Completion {
            amount,
            original_auth_code: "123456".into(),
            original_date: "1123".into(),
            card: chip(),
            pin: pin_ok(),
        },
        16 => Request::BalanceInquiry { card: chip(), pin: pin_ok() },
        17 => Request::Settle,
        18 | 19 => {
            let kind = if d.below(2) == 0 { TxnKind::PreAuth } else { TxnKind::Completion };
            let originals: Vec<_> = p
                .terminal
                .records()
                .filter(|r| r.kind == kind && r.status == TxnStatus::Approved && r.batch == p.terminal.batch())
                .map(|r| r.stan.clone())
                .collect();
            match originals.get(d.below(originals.len().max(1) as u64) as usize) {
                Some(stan) if kind == TxnKind::PreAuth => {
                    Request::PreAuthVoid { original_stan: stan.clone(), card: chip(), pin: pin_ok() }
                }
                Some(stan) => Request::CompletionVoid { original_stan: stan.clone(), card: chip(), pin: pin_ok() },
                None => Request::PreAuth { amount, card: chip(), pin: pin_ok() },
            }
        }
        // Offline sales: the card approved offline (TC); stored, then forwarded as advices.
        20 | 21 => Request::OfflineSale {
            amount: amount % 30_000 + 1,
            card: cards::chip_tc_atc(2 + d.below(60_000) as u16),
            reason: OfflineReason::CardApproved,
            offline_pin: false,
            auth_code: None,
        },
        _ => Request::Sale { amount, card, pin }, // 0..=9, and 10..=13 with no sale yet
    }
}

fn pin_ok() -> Option<poscore::terminal::PinInput> {
    pin()
}

fn crash(p: &mut Pair, store: &mut SharedStore, seed: u64, stats: &mut Stats, point: &'static str) {
    *stats.crashes.entry(point).or_insert(0) += 1;
    let durable = SharedStore::new(store.durable());
    *store = durable.clone();
    p.restart(Box::new(durable), seed, test_config()).expect("restart from the journal");
}

fn classify(p: &Pair) -> &'static str {
    if p.terminal.awaiting_response() {
        if p.sent.last().is_some_and(|m| m == "0400") {
            "mid_reversal (0400 sent, no answer yet)"
        } else if p.transit.is_empty() {
            "after_send (request left, nothing on the way back)"
        } else {
            "before_response (answer on the wire)"
        }
    } else {
        "after_response (answer processed and journaled)"
    }
}

/// One schedule; panics with the seed on a violated invariant.
#[allow(clippy::too_many_lines)]
fn schedule(seed: u64, stats: &mut Stats) {
    let mut d = Dice(seed);
    let mut store = SharedStore::new(MemoryStore::new());
    let mut p = Pair::new(Box::new(store.clone()), seed, test_config()).unwrap();
    p.acquirer.rates = FaultRates {
        drop_request: 0.04,
        drop_response: 0.06,
        late: 0.03,
        duplicate: 0.03,
        corrupt_mac: 0.03,
        wrong_stan: 0.02,
        host_down: 0.03,
        refuse: 0.02,
        line_drop: 0.03,
    };
    // Reversals acknowledged to the terminal: 0400 count at that moment, per (batch, stan).
    let mut acked: BTreeMap<(String, String), u32> = BTreeMap::new();
    let tid = p.terminal.config().terminal_id.clone();
    let ops = 4 + d.below(10);
    for _ in 0..ops {
        stats.transactions += 1;
        let request = if p.terminal.is_signed_on() { random_request(&mut d, &p) } else { Request::SignOn };
        // A journal write may be the one that loses power (before, during or after the
        // reversal-first write, or the approval write).
        if d.percent(15) {
            let n = d.below(3);
            store.0.borrow_mut().crash_after_writes(n);
        }
        let started = p.terminal.start(request, p.now);
        if store.0.borrow().is_crashed() {
            crash(&mut p, &mut store, seed, stats, "in_journal_write (store died mid-call)");
            continue;
        }
        if started.is_err() {
            // Refused (not signed on, unresolved reversal, unknown original): resolve and go on.
            store.0.borrow_mut().crash_after_writes(u64::MAX / 2);
            let exhausted: Vec<_> = p
                .terminal
                .pending()
                .iter()
                .filter(|r| r.status == TxnStatus::Exhausted)
                .map(|r| r.stan.clone())
                .collect();
            for s in exhausted {
                let _ = p.terminal.resolve_exhausted_reversal(&s, Resolution::Retry, p.now);
            }
            store.0.borrow_mut().crash_after_writes(u64::MAX / 2);
            continue;
        }
        if d.percent(5) {
            crash(&mut p, &mut store, seed, stats, "after_journal_write_before_send");
            continue;
        }
        let mut steps = 0;
        loop {
            if d.percent(6) {
                let point = classify(&p);
                crash(&mut p, &mut store, seed, stats, point);
                break;
            }
            let more = p.step(true);
            record_acks(&p, &mut acked, &tid);
            if store.0.borrow().is_crashed() {
                crash(&mut p, &mut store, seed, stats, "in_journal_write (store died mid-call)");
                break;
            }
            steps += 1;
            if !more || steps > 200 {
                break;
            }
        }
        // Sometimes the card answers the second GENERATE AC of the last chip approval: a TC, an
        // AAC (reversed), with or without issuer script results (a 0620 is then owed).
        if d.percent(30) && !store.0.borrow().is_crashed() {
            let last = p.events.iter().rev().find_map(|e| match e {
                Event::Approved { stan, kind: TxnKind::Sale, .. } => Some(stan.clone()),
                _ => None,
            });
            if let Some(stan) = last {
                let done = ChipCompletion {
                    cryptogram: "1122334455667788".into(),
                    cid: if d.percent(15) { "00" } else { "40" }.into(),
                    tvr: None,
                    tsi: None,
                    atc: None,
                    script_results: d.percent(60).then(|| "2000000001".into()),
                };
                if d.percent(10) {
                    store.0.borrow_mut().crash_after_writes(d.below(2));
                }
                let _ = p.terminal.complete_chip(&stan, &done, p.now);
                if store.0.borrow().is_crashed() {
                    crash(&mut p, &mut store, seed, stats, "in_journal_write (store died mid-call)");
                    continue;
                }
            }
        }
        store.0.borrow_mut().crash_after_writes(u64::MAX / 2);
    }
    // Power back for good, faults off: drive to quiescence, resolving exhausted reversals.
    if store.0.borrow().is_crashed() {
        crash(&mut p, &mut store, seed, stats, "in_journal_write (store died mid-call)");
    }
    p.acquirer.clear_faults();
    store.0.borrow_mut().crash_after_writes(u64::MAX / 2);
    for _ in 0..5 {
        p.quiesce();
        record_acks(&p, &mut acked, &tid);
        let exhausted: Vec<_> =
            p.terminal.pending().iter().filter(|r| r.status == TxnStatus::Exhausted).map(|r| r.stan.clone()).collect();
        if exhausted.is_empty() && p.terminal.pending().is_empty() {
            break;
        }
        if !p.terminal.is_signed_on() {
            let _ = p.terminal.start(Request::SignOn, p.now);
        }
        for s in exhausted {
            p.terminal.resolve_exhausted_reversal(&s, Resolution::Retry, p.now).unwrap();
        }
    }
    p.quiesce();
    record_acks(&p, &mut acked, &tid);
    let ctx = || {
        format!(
            "seed {seed}: sent {:?}\nlog {:#?}\nbookings {:#?}\nrecords {:#?}",
            p.sent,
            p.acquirer.log,
            p.acquirer
                .ledger
                .bookings
                .values()
                .map(|b| format!("{} {} {} {} rev={} void={}", b.batch, b.stan, b.kind, b.amount, b.reversed, b.voided))
                .collect::<Vec<_>>(),
            p.terminal
                .records()
                .map(|r| format!("{} {} {:?} {:?} {}", r.batch, r.stan, r.kind, r.status, r.amount))
                .collect::<Vec<_>>()
        )
    };
    assert!(p.terminal.pending().is_empty(), "lost or stuck reversal: {:?} ({})", p.terminal.pending(), ctx());
    assert_eq!(p.host_net(), p.terminal_net(), "host net charges != approved log ({})", ctx());
    assert!(p.acquirer.ledger.stan_reuse.is_empty(), "STAN reused: {:?} ({})", p.acquirer.ledger.stan_reuse, ctx());
    assert!(
        p.acquirer.ledger.double_settlements.is_empty(),
        "batch settled twice: {:?} ({})",
        p.acquirer.ledger.double_settlements,
        ctx()
    );
    assert!(
        p.acquirer.ledger.booked_into_closed_batch.is_empty(),
        "booked into a batch the host closed: {:?} ({})",
        p.acquirer.ledger.booked_into_closed_batch,
        ctx()
    );
    // Every script result advice the journal holds reached the host: none lost, none pending.
    for r in p.terminal.records().filter(|r| r.kind == TxnKind::ScriptAdvice) {
        let original = (tid.clone(), r.batch.clone(), r.original_stan.clone().unwrap_or_default());
        assert!(
            p.acquirer.ledger.script_advices.get(&original).is_some_and(|n| *n >= 1),
            "script result advice of {}/{:?} never reached the host ({})",
            r.batch,
            r.original_stan,
            ctx()
        );
    }
    for ((batch, stan), n) in &acked {
        let now =
            p.acquirer.ledger.reversal_requests.get(&(tid.clone(), batch.clone(), stan.clone())).copied().unwrap_or(0);
        assert_eq!(now, *n, "reversal of {batch}/{stan} sent again after it was acknowledged ({})", ctx());
    }
    stats.schedules += 1;
}

fn record_acks(p: &Pair, acked: &mut BTreeMap<(String, String), u32>, tid: &str) {
    for r in p.terminal.records().filter(|r| r.status == TxnStatus::Reversed) {
        let k = (r.batch.clone(), r.stan.clone());
        acked.entry(k).or_insert_with(|| {
            p.acquirer
                .ledger
                .reversal_requests
                .get(&(tid.to_owned(), r.batch.clone(), r.stan.clone()))
                .copied()
                .unwrap_or(0)
        });
    }
}

#[test]
fn crash_anywhere_restart_and_reconcile() {
    let n: u64 = std::env::var("POSCORE_CRASH_SCHEDULES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let mut stats = Stats::default();
    let range = match std::env::var("POSCORE_CRASH_SEED").ok().and_then(|v| v.parse::<u64>().ok()) {
        Some(s) => s..s + 1,
        None => 0..n,
    };
    let n = range.end - range.start;
    for seed in range {
        schedule(seed, &mut stats);
    }
    let total: u64 = stats.crashes.values().sum();
    println!(
        "crash test: {} schedules, {} transactions, {total} crashes/restarts",
        stats.schedules, stats.transactions
    );
    for (point, count) in &stats.crashes {
        println!("  {count:>6}  {point}");
    }
    assert_eq!(stats.schedules, n);
    assert!(stats.crashes.len() >= 5, "every kind of crash point was exercised: {:?}", stats.crashes);
}
