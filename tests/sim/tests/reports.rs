//! Settlement reports, terminal totals and statistics built from the journal (issue 14), checked
//! against the simulator's ledger and an independent recomputation:
//! - every report bucket (card scope, brand, payment method) sums to the batch totals, which
//!   equal the 0500's field 48 and the host's ledger;
//! - statistics over many random days, with old batches pruned from the journal, equal a
//!   straightforward recomputation from the audit trail (which keeps the pruned batches'
//!   messages);
//! - the statistics CSV loads into `SQLite` (Python's `sqlite3`) and its sums match.

use std::collections::BTreeMap;

use poscore::report::{Period, ReportKind, ReportOptions, SettleResult};
use poscore::store::MemoryStore;
use poscore::terminal::{AuditEntry, Config, Event, OfflineReason, Request, TxnKind};
use poscore_sim::cards::{chip, chip_tc_atc, contactless, magstripe, pin, qr, wechat};

/// Each offline sale a new card transaction (ATC), so a new TC.
static ATC: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(2);
use poscore_sim::pair::{test_config, Pair};
use poscore_sim::{Fault, SplitMix as Dice};

const DAY_MS: u64 = 86_400_000;

/// A random batch of business: sales by every method, voids, refunds, an offline sale.
fn business(p: &mut Pair, d: &mut Dice) {
    for _ in 0..(3 + d.below(6)) {
        let amount = 100 + d.below(20_000);
        let (card, card_pin) = match d.below(6) {
            1 => (contactless(), None),
            2 => (magstripe(), pin()),
            3 => (qr(), None),
            4 => (wechat(), None),
            _ => (chip(), pin()),
        };
        p.run(Request::Sale { amount, card, pin: card_pin }).unwrap();
        // The operator sometimes voids the last sale, or refunds part of an earlier one.
        let approved: Vec<_> = p
            .terminal
            .records()
            .filter(|r| r.kind == TxnKind::Sale && r.batch == p.terminal.batch())
            .filter(|r| r.status == poscore::terminal::TxnStatus::Approved)
            .map(|r| (r.stan.clone(), r.rrn.clone().unwrap_or_default(), r.amount))
            .collect();
        let roll = d.below(100);
        if roll < 15 {
            if let Some((stan, _, _)) = approved.last() {
                let _ = p.run(Request::Void { original_stan: stan.clone(), card: chip(), pin: pin() });
            }
        } else if roll < 30 {
            if let Some((_, rrn, amount)) = approved.first() {
                let _ = p.run(Request::Refund {
                    amount: 1 + d.below(*amount),
                    original_rrn: rrn.clone(),
                    original_date: "1123".into(),
                    card: chip(),
                });
            }
        }
        if d.percent(10) {
            let _ = p.run(Request::OfflineSale {
                amount: 100 + d.below(5_000),
                card: chip_tc_atc(ATC.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
                reason: OfflineReason::CardApproved,
                offline_pin: false,
                auth_code: None,
            });
        }
        p.now += d.below(3_600_000);
    }
}

#[test]
fn report_buckets_sum_to_the_batch_totals_field_48_and_the_host_ledger() {
    for seed in 0..40 {
        let mut d = Dice(seed);
        let mut p = Pair::new(Box::new(MemoryStore::new()), seed, test_config()).unwrap();
        p.run(Request::SignOn).unwrap();
        business(&mut p, &mut d);
        let batch = p.terminal.batch().to_owned();
        // Terminal totals of the open batch: what the 0500 will carry.
        let open = p.terminal.terminal_totals_report(p.now);
        assert_eq!(open.kind, ReportKind::TerminalTotals);
        let totals = p.terminal.totals(&batch);
        let t = open.totals();
        assert_eq!((t.debit_amount, t.credit_amount), (totals.debit_amount, totals.credit_amount), "seed {seed}");
        assert_eq!(
            (t.debit_count, t.credit_count),
            (u64::from(totals.debit_count), u64::from(totals.credit_count)),
            "seed {seed}"
        );
        let unbalanced = d.percent(30);
        if unbalanced {
            p.acquirer.push_fault(Some("0500"), Fault::Unbalanced);
        }
        p.run(Request::Settle).unwrap();
        let settled = p
            .events
            .iter()
            .find_map(|e| match e {
                Event::SettlementBalanced { totals, .. } | Event::SettlementClosedUnbalanced { totals, .. } => {
                    Some(*totals)
                }
                _ => None,
            })
            .expect("settled");
        let r = p.terminal.last_settlement_report().unwrap().expect("a report of the settlement");
        r.validate().unwrap();
        assert_eq!(r.batch, batch);
        let rt = r.totals();
        assert_eq!((rt.debit_amount, rt.credit_amount), (settled.debit_amount, settled.credit_amount), "seed {seed}");
        assert_eq!(
            (r.foreign.totals().debit_amount, r.foreign.totals().credit_amount),
            (settled.foreign_debit_amount, settled.foreign_credit_amount),
            "foreign half of field 48, seed {seed}"
        );
        let net = rt.net();
        assert_eq!(r.by_method.iter().map(|b| b.amount).sum::<i64>(), net, "methods, seed {seed}");
        let cards: i64 = r.by_brand.iter().map(|b| b.amount).sum();
        let codes: i64 = r
            .by_method
            .iter()
            .filter(|b| matches!(b.name.as_str(), "qr" | "wechat_pay" | "alipay" | "union_pay_qr"))
            .map(|b| b.amount)
            .sum();
        assert_eq!(cards + codes, net, "brands (cards) + payment codes, seed {seed}");
        assert_eq!(
            p.acquirer.ledger.net_by_batch(&p.terminal.config().terminal_id).get(&batch).copied().unwrap_or(0),
            net,
            "host ledger, seed {seed}"
        );
        let want = if unbalanced { SettleResult::Unbalanced } else { SettleResult::Balanced };
        assert_eq!(r.domestic.result, Some(want), "seed {seed}");
        // It renders on both paper widths, and as a reprint.
        for width in [32, 48] {
            let text = poscore::report::SettlementReport { reprint: true, ..r.clone() }
                .render_text(&ReportOptions { width, ..ReportOptions::default() })
                .unwrap();
            assert!(text.contains(&batch), "{text}");
        }
    }
}

/// The statistics a day at a time, recomputed straight from the audit trail: a transaction counts
/// when one of its requests was answered `00` and no reversal of it was; its day is the local
/// date its first message left.
fn recompute(trail: &[AuditEntry], from: &str, to: &str, offset: i32) -> BTreeMap<String, (u32, u64, u64, u64)> {
    // (kind, amount, first message, a request approved, a reversal acknowledged) by batch and STAN.
    type Seen = (TxnKind, u64, u64, bool, bool);
    let mut txns: BTreeMap<(String, String), Seen> = BTreeMap::new();
    for e in trail.iter().filter(|e| e.what == "message") {
        let key = (e.batch.clone().unwrap(), e.stan.clone().unwrap());
        let t = txns.entry(key).or_insert((e.kind.unwrap(), e.amount.unwrap(), e.at, false, false));
        t.2 = t.2.min(e.at);
        let approved = e.result.as_deref() == Some("00");
        if e.mti.as_deref().is_some_and(|m| m.starts_with("04")) {
            t.4 |= approved;
        } else {
            t.3 |= approved;
        }
    }
    let mut days: BTreeMap<String, (u32, u64, u64, u64)> = BTreeMap::new();
    for (kind, amount, first, approved, reversed) in txns.into_values() {
        let date = poscore::terminal::local_date(first, offset);
        if !approved || reversed || date.as_str() < from || date.as_str() > to {
            continue;
        }
        let d = days.entry(date).or_default();
        match kind {
            TxnKind::Sale | TxnKind::Completion | TxnKind::OfflineSale => {
                d.0 += 1;
                d.1 += amount;
            }
            TxnKind::Refund => d.2 += amount,
            TxnKind::Void | TxnKind::CompletionVoid => d.3 += amount,
            _ => {}
        }
    }
    days
}

#[test]
fn statistics_over_many_days_survive_pruning_and_equal_a_recomputation() {
    // One batch kept in the journal: every older day survives only as its summary.
    let config = Config { keep_batches: 1, ..test_config() };
    let mut p = Pair::new(Box::new(MemoryStore::new()), 77, config).unwrap();
    let mut d = Dice(77);
    p.run(Request::SignOn).unwrap();
    let start_date = p.terminal.terminal_totals_report(p.now).date;
    for _ in 0..20 {
        business(&mut p, &mut d);
        p.run(Request::Settle).unwrap();
        p.now += DAY_MS;
    }
    // And an open batch today.
    business(&mut p, &mut d);
    let end_date = p.terminal.terminal_totals_report(p.now).date;
    let batches: std::collections::BTreeSet<_> = p.terminal.records().map(|r| r.batch.clone()).collect();
    assert!(batches.len() <= 2, "old batches pruned: {batches:?}");

    let stats = p.terminal.statistics(Period::Day, &start_date, &end_date).unwrap();
    stats.validate().unwrap();
    let trail = p.terminal.audit_trail(0, u64::MAX).unwrap();
    let want = recompute(&trail, &start_date, &end_date, test_config().utc_offset_minutes);
    let got: BTreeMap<String, (u32, u64, u64, u64)> =
        stats.rows.iter().map(|r| (r.label.clone(), (r.count, r.gross, r.refunds, r.voids))).collect();
    assert_eq!(got, want);
    // The buckets cover the same money.
    let net = stats.totals().net;
    for (name, list) in [("method", &stats.by_method), ("operator", &stats.by_operator), ("hour", &stats.by_hour)] {
        assert_eq!(list.iter().map(|b| b.amount).sum::<i64>(), net, "{name}");
    }
    // Weeks and months add up to the same.
    for period in [Period::Week, Period::Month] {
        let s = p.terminal.statistics(period, &start_date, &end_date).unwrap();
        s.validate().unwrap();
        assert_eq!(s.totals(), stats.totals(), "{period:?}");
    }
    // A window: only its days.
    let mid = &stats.rows[5].label;
    let window = p.terminal.statistics(Period::Day, mid, mid).unwrap();
    assert_eq!(window.rows.len(), 1);
    assert_eq!(window.rows[0], stats.rows[5]);
    assert!(p.terminal.statistics(Period::Day, "2026-02-30", &end_date).is_err());

    // The HTML statistics page carries the chart.
    let html =
        String::from_utf8(stats.render(poscore::report::Format::Html, &ReportOptions::default()).unwrap()).unwrap();
    assert!(html.contains("<svg"), "a chart");

    // The CSV loads into SQLite with the same sums.
    let csv = stats.csv();
    let dir = std::env::temp_dir().join(format!("poscore-stats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stats.csv");
    std::fs::write(&path, &csv).unwrap();
    let script = r#"
import csv, sqlite3, sys
db = sqlite3.connect(":memory:")
db.execute("create table stats (period text, label text, count integer, gross integer, refunds integer, voids integer, net integer, average_ticket integer, currency text)")
with open(sys.argv[1], newline="") as f:
    rows = list(csv.DictReader(f))
db.executemany("insert into stats values (:period, :label, :count, :gross, :refunds, :voids, :net, :average_ticket, :currency)", rows)
print(*db.execute("select count(*), sum(count), sum(gross), sum(refunds), sum(voids), sum(net) from stats").fetchone())
"#;
    let out = std::process::Command::new("python3").arg("-c").arg(script).arg(&path).output().expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let t = stats.totals();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{} {} {} {} {} {}", stats.rows.len(), t.count, t.gross, t.refunds, t.voids, t.net)
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(stats.jsonl().lines().count(), stats.rows.len());
}
