//! `poscore demo`: a terminal day against the acquirer simulator on loopback TCP (what
//! `scripts/demo` runs).
//!
//! Sign-on, sales of every entry mode, a wrong PIN (55), insufficient funds (51), host
//! maintenance (96), a sale whose answer is lost and that is reversed (reversal recorded before
//! send → timeout → reversal sent before the next sale → acknowledged → cleared), a void, a
//! refund, a balance inquiry and settlement. Each step prints the messages, the journal writes
//! that matter, the diagnosis in Chinese and English, and receipts; the day ends with a summary
//! table and the invariants checked against the simulator's ledger. `--json` prints one JSON
//! object per event instead.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use clap::Args;
use poscore::receipt::{self, ReceiptCopy, ReceiptData, RenderOptions};
use poscore::response::{Diagnosis, Lang, Registry};
use poscore::rng::SeededRng;
use poscore::store::file::{FileStore, SealingKey};
use poscore::terminal::driver::TcpDriver;
use poscore::terminal::{CardInput, Config, Event, Request, Terminal, TxnStatus};
use poscore_sim::cards::{self, chip, contactless, magstripe, pin, qr, wechat, wrong_pin};
use poscore_sim::{tcp, Acquirer, Fault};
use serde_json::json;

use crate::Output;

/// `poscore demo` flags.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed for the simulator's keys and the PIN-block fill (the day is the same for a seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory for the terminal's journal (a file store) and the HTML receipt; default: a new
    /// temporary directory. Reusing a directory continues its terminal (and its batch).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

struct Day {
    json: bool,
    print: bool,
    registry: Registry,
    step: usize,
    title: String,
    rows: Vec<(usize, String, String, String, String)>,
    lines: Vec<String>,
    /// (stan, rrn) of approved sales.
    sales: Vec<(String, String)>,
}

impl Day {
    fn out(&mut self, line: String) {
        if self.print {
            println!("{line}");
        }
        self.lines.push(line);
    }

    fn step(&mut self, title: &str) {
        self.step += 1;
        title.clone_into(&mut self.title);
        if self.json {
            let v = json!({"step": self.step, "title": title});
            self.out(v.to_string());
        } else {
            self.out(String::new());
            self.out(format!("── {}. {title}", self.step));
        }
    }

    fn diag(&self, d: &Diagnosis) -> Vec<String> {
        let zh = d.explain(&self.registry, Lang::Zh);
        let en = d.explain(&self.registry, Lang::En);
        let mut v = vec![
            format!("     {} {} / {}", d.entry.code, zh.operator_text, en.operator_text),
            format!("     顾客 customer: {} / {}", zh.customer_text, en.customer_text),
        ];
        if let (Some(a), Some(b)) = (zh.remedies.first(), en.remedies.first()) {
            v.push(format!("     处理 remedy: {a} / {b}"));
        }
        v.push(format!(
            "     next action: {}{}",
            d.action,
            d.reversal_reason.as_ref().map(|r| format!(" (reversal reason {r})")).unwrap_or_default()
        ));
        v
    }

    fn event(&mut self, e: &Event) {
        if self.json {
            let v = json!({"step": self.step, "event": e});
            self.out(v.to_string());
            return;
        }
        let lines: Vec<String> = match e {
            Event::Sending { mti, stan, attempt, .. } => {
                vec![format!("  → {mti} STAN {stan}{}", if *attempt > 1 { format!(" (attempt {attempt})") } else { String::new() })]
            }
            Event::ReversalRecorded { stan, .. } => {
                vec![format!("  ✎ 冲正记录 reversal record for STAN {stan} journaled (fsync) BEFORE the request left")]
            }
            Event::SignedOn { batch, pik_kcv, mak_kcv, .. } => {
                vec![format!("  ✓ 签到成功 signed on: batch {batch}, PIK KCV {pik_kcv}, MAK KCV {mak_kcv} (verified)")]
            }
            Event::SignedOff { .. } => vec!["  ✓ 签退 signed off".into()],
            Event::Approved { stan, amount, rrn, auth_code, balance, diagnosis, .. } => {
                let mut v = vec![format!(
                    "  ✓ {} 交易成功 / Approved · STAN {stan} · CNY {}.{:02} · RRN {} · auth {}",
                    diagnosis.entry.code,
                    amount / 100,
                    amount % 100,
                    rrn.as_deref().unwrap_or("-"),
                    auth_code.as_deref().unwrap_or("-")
                )];
                if let Some(b) = balance {
                    v.push(format!("     余额 balance: CNY {}.{:02}", b / 100, b % 100));
                }
                v
            }
            Event::Declined { diagnosis, .. } => {
                let mut v = vec!["  ✗ 交易拒绝 declined by the host:".to_owned()];
                v.extend(self.diag(diagnosis));
                v
            }
            Event::Failed { diagnosis, reversal_pending, .. } => {
                let mut v = vec![format!(
                    "  ✗ 交易失败 failed{}:",
                    if *reversal_pending { ", outcome unknown" } else { "" }
                )];
                v.extend(self.diag(diagnosis));
                v
            }
            Event::ReversalPending { stan, reason, .. } => {
                vec![format!("  ⚠ 待冲正 reversal pending for STAN {stan}, field 39 = {reason}: it goes out before the next request")]
            }
            Event::ReversalSent { stan, attempt } => {
                vec![format!("  ↺ 冲正 reversal 0400 of STAN {stan} sent first (attempt {attempt})")]
            }
            Event::ReversalRetry { stan, attempts, .. } => vec![format!("  ↺ reversal of STAN {stan} failed ({attempts}); backing off")],
            Event::ReversalCleared { stan, code, .. } => {
                vec![format!("  ✓ 冲正成功 reversal of STAN {stan} acknowledged ({code}); record closed for good")]
            }
            Event::ReversalExhausted { stan, .. } => vec![format!("  ✗ reversal of STAN {stan} exhausted: terminal stops sales")],
            Event::ReversalResolved { stan, .. } => vec![format!("  ✓ reversal of STAN {stan} resolved by the operator")],
            Event::LateResponse { mti, stan, code } => {
                vec![format!("  · late {mti} for STAN {stan} ({}) logged, not acted on", code.as_deref().unwrap_or("-"))]
            }
            Event::Garbage { reason } => vec![format!("  · dropped bytes: {reason}")],
            Event::SettlementBalanced { batch, totals, next_batch, .. } => vec![format!(
                "  ✓ 对账平 settlement balanced: batch {batch}: debits {} = CNY {}.{:02}, credits {} = CNY {}.{:02} (of which foreign cards 外卡: {} debits, {} credits); next batch {next_batch}",
                totals.debit_count,
                totals.debit_amount / 100,
                totals.debit_amount % 100,
                totals.credit_count,
                totals.credit_amount / 100,
                totals.credit_amount % 100,
                totals.foreign_debit_count,
                totals.foreign_credit_count
            )],
            Event::SettlementUnbalanced { uploading, .. } => {
                vec![format!("  ⚠ 对账不平 out of balance: uploading {uploading} transactions (批上送)")]
            }
            Event::SettlementClosedUnbalanced { batch, next_batch, .. } => vec![format!(
                "  ⚠ 对账不平 batch {batch} closed on the uploaded details; next batch {next_batch}: compare the settlement report with the acquirer's"
            )],
            Event::BatchUploaded { count, .. } => {
                vec![format!("  ✓ 批上送结束 end of batch upload acknowledged ({count} transactions uploaded)")]
            }
        };
        for l in lines {
            self.out(l);
        }
    }
}

fn result_of(events: &[Event]) -> (String, String, String) {
    for e in events.iter().rev() {
        match e {
            Event::Approved { stan, amount, diagnosis, .. } => {
                return (diagnosis.entry.code.clone(), format!("{}.{:02}", amount / 100, amount % 100), stan.clone())
            }
            Event::Declined { stan, diagnosis, .. } => {
                return (diagnosis.entry.code.clone(), String::new(), stan.clone())
            }
            Event::Failed { stan, diagnosis, .. } => {
                return (diagnosis.entry.code.clone(), String::new(), stan.clone().unwrap_or_default())
            }
            Event::SignedOn { .. } => return ("00".into(), String::new(), String::new()),
            Event::SettlementBalanced { totals, .. } => {
                let n = totals.net();
                return ("00".into(), format!("{}.{:02}", n / 100, n % 100), String::new());
            }
            _ => {}
        }
    }
    ("-".into(), String::new(), String::new())
}

/// The fixed, public key the demo journal is sealed with (`poscore store list --key-file` opens
/// it with a file holding these 32 bytes).
const DEMO_SEALING_KEY: &[u8; 32] = b"poscore-demo-journal-sealing-key";

/// Runs the day. `print`: stream lines to stdout as they happen (the CLI); otherwise only the
/// returned output carries them.
#[allow(clippy::too_many_lines)]
pub fn run(args: &DemoArgs, json_mode: bool, print: bool) -> poscore::Result<Output> {
    let started = std::time::Instant::now();
    let data_dir = args.data_dir.clone().unwrap_or_else(|| {
        let d = std::env::temp_dir().join(format!("poscore-demo-{}-{}", std::process::id(), args.seed));
        let _ = std::fs::remove_dir_all(&d);
        d
    });
    std::fs::create_dir_all(&data_dir).map_err(|e| poscore::store::StoreError::Io {
        op: "create_dir",
        path: data_dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut acquirer = Acquirer::new(args.seed);
    acquirer.balances.insert(cards::MAG_PAN.into(), 50_000_000);
    let acquirer = Arc::new(Mutex::new(acquirer));
    let server = tcp::serve(0, acquirer.clone(), 1_500).map_err(|e| poscore::store::StoreError::Io {
        op: "listen",
        path: "127.0.0.1:0".into(),
        message: e.to_string(),
    })?;
    let addr: SocketAddr = ([127, 0, 0, 1], server.port).into();
    let config = Config {
        response_timeout_ms: 800,
        reversal_idle_delay_ms: 3_600_000,
        reversal_backoff_ms: 300,
        ..Config::demo()
    };
    // Sealed as a production journal must be (records hold the PAN and field 55). A real
    // terminal unwraps this key from its keystore or HSM; the demo uses a fixed, public demo key.
    let sealing_key = SealingKey::from_bytes(*DEMO_SEALING_KEY);
    let store = FileStore::open_sealed(data_dir.join("journal"), sealing_key)?;
    let now = poscore::terminal::driver::now_ms();
    let tmk = poscore_sim::pair::tmk();
    let mut t = Terminal::new(config, tmk, Box::new(store), Box::new(SeededRng::new(args.seed)), now)?;
    // A reused --data-dir carries earlier days; this simulator only saw batches from here on.
    let first_batch = t.batch().to_owned();
    let mut driver = TcpDriver::new(addr);
    let mut day = Day {
        json: json_mode,
        print,
        registry: Registry::unionpay(),
        step: 0,
        title: String::new(),
        rows: Vec::new(),
        lines: Vec::new(),
        sales: Vec::new(),
    };
    if !json_mode {
        day.out(format!("poscore demo: a terminal day against the acquirer simulator on {addr} (seed {})", args.seed));
        day.out(format!("journal: {} (sealed, AES-256-GCM)", data_dir.join("journal").display()));
    }
    let mut html_written = None;
    let mut exchange = |day: &mut Day,
                        t: &mut Terminal,
                        title: &str,
                        request: Request,
                        fault: Option<Fault>,
                        show_receipt: bool|
     -> Vec<Event> {
        day.step(title);
        if let Some(f) = fault {
            acquirer.lock().expect("simulator lock").push_fault(Some("0200"), f);
        }
        let mut seen = Vec::new();
        match t.start(request, poscore::terminal::driver::now_ms()) {
            Ok(_) => driver.run_until_idle(t, &mut |e| seen.push(e.clone())),
            Err(e) => {
                let line = format!("  ✗ refused: {e}");
                day.out(line);
            }
        }
        for e in &seen {
            day.event(e);
            if let Event::Approved { receipt: r, stan, rrn, kind, .. } = e {
                if *kind == poscore::terminal::TxnKind::Sale {
                    day.sales.push((stan.clone(), rrn.clone().unwrap_or_default()));
                }
                if let Ok(data) = ReceiptData::new((**r).clone()) {
                    if show_receipt && !day.json {
                        if let Ok(text) = receipt::render_text(&data, &RenderOptions::default()) {
                            day.out("     ┌ merchant copy 商户存根 (32 columns)".into());
                            for l in text.lines() {
                                day.out(format!("     │ {l}"));
                            }
                        }
                    }
                }
            }
        }
        let (code, amount, stan) = result_of(&seen);
        let step = day.step;
        day.rows.push((step, title.to_owned(), amount, code, stan));
        seen
    };

    exchange(&mut day, &mut t, "签到 Sign-on (0800): working keys under the TMK", Request::SignOn, None, false);
    let first = exchange(
        &mut day,
        &mut t,
        "消费 Sale · chip + PIN · CNY 88.00",
        Request::Sale { amount: 8_800, card: chip(), pin: pin() },
        None,
        true,
    );
    for e in &first {
        if let Event::Approved { receipt: r, stan, .. } = e {
            if let Ok(data) = ReceiptData::new((**r).clone()) {
                let opts = RenderOptions { copy: ReceiptCopy::Cardholder, ..RenderOptions::default() };
                if let Ok(html) = receipt::render_html(&data, &opts) {
                    let path = data_dir.join(format!("receipt-{stan}-cardholder.html"));
                    if std::fs::write(&path, html).is_ok() {
                        html_written = Some(path);
                    }
                }
            }
        }
    }
    exchange(
        &mut day,
        &mut t,
        "消费 Sale · magstripe + PIN · CNY 120.00",
        Request::Sale { amount: 12_000, card: magstripe(), pin: pin() },
        None,
        false,
    );
    exchange(
        &mut day,
        &mut t,
        "消费 Sale · UnionPay QR payment code · CNY 45.00",
        Request::Sale { amount: 4_500, card: qr(), pin: None },
        None,
        true,
    );
    exchange(
        &mut day,
        &mut t,
        "消费 Sale · contactless, no PIN · CNY 33.00",
        Request::Sale { amount: 3_300, card: contactless(), pin: None },
        None,
        false,
    );
    exchange(
        &mut day,
        &mut t,
        "消费 Sale · WeChat Pay code · CNY 18.00",
        Request::Sale { amount: 1_800, card: wechat(), pin: None },
        None,
        false,
    );
    exchange(
        &mut day,
        &mut t,
        "消费 Sale · chip, wrong PIN",
        Request::Sale { amount: 5_000, card: chip(), pin: wrong_pin() },
        None,
        false,
    );
    exchange(
        &mut day,
        &mut t,
        "消费 Sale · magstripe, more than the balance",
        Request::Sale { amount: 60_000_000, card: magstripe(), pin: pin() },
        None,
        false,
    );
    exchange(
        &mut day,
        &mut t,
        "消费 Sale · host in maintenance",
        Request::Sale { amount: 2_000, card: chip(), pin: pin() },
        Some(Fault::Respond { code: "96".into() }),
        false,
    );
    exchange(
        &mut day,
        &mut t,
        "消费 Sale · the host books it, its answer is lost (timeout)",
        Request::Sale { amount: 6_600, card: chip(), pin: pin() },
        Some(Fault::DropResponse),
        false,
    );
    exchange(
        &mut day,
        &mut t,
        "消费 Sale · next sale: the pending reversal goes first",
        Request::Sale { amount: 2_500, card: chip(), pin: pin() },
        None,
        false,
    );
    let (void_stan, _) = day.sales.first().cloned().unwrap_or_default();
    exchange(
        &mut day,
        &mut t,
        &format!("撤销 Void of the first sale (STAN {void_stan})"),
        Request::Void { original_stan: void_stan.clone(), card: chip(), pin: pin() },
        None,
        true,
    );
    let (_, refund_rrn) = day.sales.get(1).cloned().unwrap_or_default();
    let (_, _, mmdd, _) = local_mmdd(poscore::terminal::driver::now_ms());
    exchange(
        &mut day,
        &mut t,
        "退货 Refund · CNY 60.00 of the magstripe sale",
        Request::Refund { amount: 6_000, original_rrn: refund_rrn, original_date: mmdd, card: magstripe() },
        None,
        true,
    );
    exchange(
        &mut day,
        &mut t,
        "余额查询 Balance inquiry",
        Request::BalanceInquiry { card: chip(), pin: pin() },
        None,
        false,
    );
    let batch = t.batch().to_owned();
    let totals = t.totals(&batch);
    exchange(&mut day, &mut t, "结算 Settlement (0500 with the batch totals)", Request::Settle, None, false);
    server.shutdown();

    // Invariants against the simulator's ledger.
    let acq = acquirer.lock().expect("simulator lock");
    let tid = t.config().terminal_id.clone();
    let host_net = acq.ledger.net_for_terminal(&tid);
    let log_net: i64 = t
        .records()
        .filter(|r| r.status == TxnStatus::Approved && r.batch >= first_batch)
        .map(|r| i64::from(r.kind.sign()) * i64::try_from(r.amount).unwrap_or(i64::MAX))
        .sum();
    let pending = t.pending().len();
    let max_reversals = acq.ledger.reversal_requests.values().copied().max().unwrap_or(0);
    let reversals = acq.ledger.reversal_requests.len();
    let stan_reuse = acq.ledger.stan_reuse.len();
    let settled_once = acq.ledger.double_settlements.is_empty() && acq.ledger.booked_into_closed_batch.is_empty();
    let open_batch = t.batch().to_owned();
    drop(t); // releases the journal's lock: the scan below opens it as a tool would
    let leaks = journal_leaks(&data_dir.join("journal"), &open_batch)?;
    let invariants = json!({
        "ledger_equals_approved_log": host_net == log_net,
        "host_net": host_net,
        "approved_log_net": log_net,
        "no_pending_reversal": pending == 0,
        "no_duplicate_reversal": max_reversals <= 1,
        "reversals": reversals,
        "stan_never_reused": stan_reuse == 0,
        "settled_once_nothing_booked_into_a_closed_batch": settled_once,
        "journal_card_data_leaks": leaks,
        "settled_totals": totals,
    });
    let elapsed = started.elapsed().as_millis();
    let rows: Vec<_> = day
        .rows
        .iter()
        .map(|(n, title, amount, code, stan)| json!({"step": n, "title": title, "amount": amount, "code": code, "stan": stan}))
        .collect();
    let summary = json!({
        "demo": "terminal_day",
        "seed": args.seed,
        "data_dir": data_dir.display().to_string(),
        "html_receipt": html_written.as_ref().map(|p| p.display().to_string()),
        "steps": rows,
        "invariants": invariants,
        "elapsed_ms": elapsed,
    });
    let mut text = String::new();
    if !json_mode {
        text += "\n── Summary 汇总\n";
        let _ = writeln!(text, "{:>3}  {:<50} {:>10}  {:<5} STAN", "#", "transaction", "CNY", "code");
        for (n, title, amount, code, stan) in &day.rows {
            let mut short = String::new();
            let mut w = 0;
            for c in title.chars() {
                if w + cols(c) > 50 {
                    break;
                }
                w += cols(c);
                short.push(c);
            }
            let pad = 50usize.saturating_sub(w);
            let _ = writeln!(text, "{n:>3}  {short}{} {amount:>10}  {code:<5} {stan}", " ".repeat(pad));
        }
        let ok = |b: bool| if b { "✓" } else { "✗ VIOLATED" };
        text += "\n── Invariants 不变量 (checked against the simulator's ledger)\n";
        let _ = writeln!(
            text,
            "  {} host net charges == terminal approved log: CNY {}.{:02} == CNY {}.{:02}",
            ok(host_net == log_net),
            host_net / 100,
            host_net % 100,
            log_net / 100,
            log_net % 100
        );
        let _ = writeln!(text, "  {} no pending reversal ({pending} left)", ok(pending == 0));
        let _ = writeln!(
            text,
            "  {} no duplicate reversal ({reversals} reversed, at most {max_reversals} 0400 per original)",
            ok(max_reversals <= 1)
        );
        let _ = writeln!(text, "  {} STAN never reused within a batch", ok(stan_reuse == 0));
        let _ = writeln!(text, "  {} batch settled once, nothing booked into a closed batch", ok(settled_once));
        let _ = writeln!(
            text,
            "  {} journal keeps no track data, PIN block or PAN outside a template's field 2; files sealed{}",
            ok(leaks.is_empty()),
            if leaks.is_empty() { String::new() } else { format!(": {leaks:?}") }
        );
        if let Some(p) = &html_written {
            let _ = writeln!(text, "\ncardholder's HTML receipt: {}", p.display());
        }
        let _ = writeln!(text, "finished in {elapsed} ms");
    }
    Ok(Output::new(summary, text))
}

/// Scans the day's journal for card data it must not keep (PCI DSS 3.3.1, 3.5): the files on disk
/// must show no PAN or track digits at all (sealed), and the records, opened read-only with the
/// demo key ([`poscore_sim::journal_scan`]), no track data, no PIN block, and a full PAN only in
/// field 2 of a record still owed to the host or of the open batch (what a reversal or batch
/// upload needs); a settled batch's are masked.
fn journal_leaks(dir: &std::path::Path, open_batch: &str) -> poscore::Result<Vec<String>> {
    let io = |e: std::io::Error| poscore::store::StoreError::Io {
        op: "scan",
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut leaks = Vec::new();
    let mag_track = match magstripe() {
        CardInput::Magstripe { track2 } => track2.trim_matches([';', '?']).to_owned(),
        _ => String::new(),
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let raw = std::fs::read(&path).map_err(io)?;
        let text = String::from_utf8_lossy(&raw);
        if [cards::CHIP_PAN, cards::MAG_PAN, mag_track.as_str()].iter().any(|secret| text.contains(secret)) {
            leaks.push(format!("file {} shows card data in the clear", path.display()));
        }
    }
    let store = FileStore::open_read_only(dir, Some(SealingKey::from_bytes(*DEMO_SEALING_KEY)))?;
    let (scan, _) = poscore_sim::journal_scan::scan(&store).map_err(|message| poscore::store::StoreError::Io {
        op: "scan",
        path: dir.display().to_string(),
        message,
    })?;
    for kind in ["track2", "pin_block"] {
        for hit in scan[kind].as_array().into_iter().flatten() {
            leaks.push(format!("{} keeps {kind} at {}", hit["key"], hit["where"]));
        }
    }
    for hit in scan["full_pan"].as_array().into_iter().flatten() {
        let in_field_2 = hit["where"].as_str().is_some_and(|w| w.ends_with("/template/fields/2"));
        let owed = matches!(hit["status"].as_str(), Some("in_flight" | "pending" | "exhausted"));
        let open = hit["batch"].as_str() == Some(open_batch);
        if !(in_field_2 && (owed || open)) {
            leaks.push(format!("{} keeps a full PAN at {}", hit["key"], hit["where"]));
        }
    }
    Ok(leaks)
}

/// Terminal columns of a character: CJK and full-width forms take two (a console, unlike a
/// GBK printer, shows `·` in one).
fn cols(c: char) -> usize {
    if matches!(c, '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7A3}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FF60}' | '\u{FFE0}'..='\u{FFE6}')
    {
        2
    } else {
        1
    }
}

fn local_mmdd(now: u64) -> (String, String, String, String) {
    // China time (UTC+8), as the terminal config uses.
    let secs = now / 1000 + 8 * 3600;
    let days = secs / 86_400;
    // Civil date from days since 1970 (Hinnant).
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (format!("{y:04}"), format!("{m:02}"), format!("{m:02}{d:02}"), format!("{d:02}"))
}
