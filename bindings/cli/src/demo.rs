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
use poscore::iso8583::ascii_tlv::{self, LenDigits};
use poscore::receipt::{self, ReceiptCopy, ReceiptData, RenderOptions};
use poscore::response::{Diagnosis, Lang, Registry};
use poscore::rng::SeededRng;
use poscore::store::file::{FileStore, SealingKey};
use poscore::terminal::driver::TcpDriver;
use poscore::terminal::{CardInput, Config, Event, Request, Terminal, TxnKind, TxnStatus};
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

    #[allow(clippy::too_many_lines)] // one arm per event: the match is the table of what is shown
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
            Event::Approved { stan, amount, rrn, auth_code, balance, diagnosis, requested_amount, .. } => {
                let mut v = vec![format!(
                    "  ✓ {} 交易成功 / Approved · STAN {stan} · CNY {}.{:02} · RRN {} · auth {}",
                    diagnosis.entry.code,
                    amount / 100,
                    amount % 100,
                    rrn.as_deref().unwrap_or("-"),
                    auth_code.as_deref().unwrap_or("-")
                )];
                if let Some(asked) = requested_amount {
                    let rest = asked.saturating_sub(*amount);
                    v.push(format!(
                        "     部分承兑 partially approved: asked CNY {}.{:02}, collect the remaining CNY {}.{:02} another way",
                        asked / 100,
                        asked % 100,
                        rest / 100,
                        rest % 100
                    ));
                }
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
            Event::ChipCompleted { stan, tc, script_advice } => vec![format!(
                "  ✓ 二次授权 card's second GENERATE AC for STAN {stan}: {}{}",
                if *tc { "TC, the sale stands (its TC goes up with the settlement)" } else { "AAC, the approval is reversed" },
                if *script_advice { "; script results journaled as a 0620, sent before the next transaction" } else { "" }
            )],
            Event::ScriptAdviceDelivered { stan, code } => {
                vec![format!("  ✓ 脚本通知 script result advice for STAN {stan} acknowledged ({code})")]
            }
            Event::EchoAnswered { stan, .. } => vec![format!("  ✓ 回响测试 echo test answered (STAN {stan}): line and host work")],
            Event::Downloaded { kind, count, .. } => vec![match kind {
                TxnKind::ParameterDownload => format!("  ✓ 参数下载 {count} terminal parameters from the host, kept in the journal"),
                TxnKind::CapkDownload => {
                    format!("  ✓ IC卡公钥下载 {count} CA public keys, each SHA-1 checksum verified, stored in one write")
                }
                TxnKind::AidDownload => format!("  ✓ IC卡参数下载 {count} AIDs stored in one write"),
                _ => "  ✓ 状态上送 status uploaded".to_owned(),
            }],
            Event::HostRequested { task } => vec![format!(
                "  ⚑ 主机要求 the reply header asks for {}: it runs before the next transaction",
                serde_json::to_value(task).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
            )],
            Event::SoftwareUpdateAvailable { current, offered } => {
                vec![format!("  ⚑ 版本更新 the host offers application version {offered} (running {current})")]
            }
            Event::BatchUploaded { count, .. } => {
                vec![format!("  ✓ 批上送结束 end of batch upload acknowledged ({count} transactions uploaded)")]
            }
            Event::StoredOffline { stan, amount, stored_count, stored_amount, receipt, diagnosis, .. } => {
                let mut v = vec![
                    format!(
                        "  ✎ 脱机批准 approved OFFLINE: STAN {stan}, {}.{:02} stored in the journal ({stored_count} stored, {}.{:02} at the merchant's risk)",
                        amount / 100,
                        amount % 100,
                        stored_amount / 100,
                        stored_amount % 100
                    ),
                    format!("     receipt: {}", receipt.response_text.as_deref().unwrap_or_default()),
                ];
                v.extend(self.diag(diagnosis));
                v
            }
            Event::OfflineForwarded { stan, rrn, code, .. } => vec![format!(
                "  ✓ 脱机上送 offline sale STAN {stan} forwarded and accepted by the host ({code}, RRN {})",
                rrn.as_deref().unwrap_or("-")
            )],
            Event::OfflineDeclined { stan, amount, code, diagnosis } => {
                let mut v = vec![format!(
                    "  ✗ 脱机上送被拒 offline sale STAN {stan} ({}.{:02}) declined by the host ({code}): a merchant loss, staff alerted",
                    amount / 100,
                    amount % 100
                )];
                v.extend(self.diag(diagnosis));
                v
            }
            Event::StaffAlert { alert, stan, diagnosis, .. } => {
                let mut v = vec![format!(
                    "  ! 员工提醒 STAFF ALERT {}{}",
                    serde_json::to_value(alert).ok().and_then(|a| a.as_str().map(str::to_owned)).unwrap_or_default(),
                    stan.as_ref().map(|s| format!(" (STAN {s})")).unwrap_or_default()
                )];
                v.extend(self.diag(diagnosis));
                v
            }
            Event::OfflineStoredTooLong { stan, age_ms, diagnosis } => {
                let mut v = vec![format!("  ! 脱机交易 STAN {stan} stored for {} min and not forwarded", age_ms / 60_000)];
                v.extend(self.diag(diagnosis));
                v
            }
        };
        for l in lines {
            self.out(l);
        }
    }
}

/// An address nothing listens on: connecting to it fails at once, as during an outage.
fn dead_address() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = l.local_addr().expect("bound");
    drop(l);
    addr
}

/// One step of the outage, driven over the dead line.
fn outage_step(day: &mut Day, t: &mut Terminal, dead: &mut TcpDriver, title: &str, request: Request) {
    day.step(title);
    let mut seen = Vec::new();
    match t.start(request, poscore::terminal::driver::now_ms()) {
        Ok(_) => dead.run_until_idle(t, &mut |e| seen.push(e.clone())),
        Err(e) => day.out(format!("  ✗ refused: {e}")),
    }
    for e in &seen {
        day.event(e);
    }
    let (code, amount, stan) = result_of(&seen);
    let step = day.step;
    day.rows.push((step, title.to_owned(), amount, code, stan));
}

fn result_of(events: &[Event]) -> (String, String, String) {
    for e in events.iter().rev() {
        match e {
            Event::Approved { stan, amount, diagnosis, .. } | Event::StoredOffline { stan, amount, diagnosis, .. } => {
                return (diagnosis.entry.code.clone(), format!("{}.{:02}", amount / 100, amount % 100), stan.clone())
            }
            Event::Declined { stan, diagnosis, .. } => {
                return (diagnosis.entry.code.clone(), String::new(), stan.clone())
            }
            Event::Failed { stan, diagnosis, .. } => {
                return (diagnosis.entry.code.clone(), String::new(), stan.clone().unwrap_or_default())
            }
            Event::SignedOn { .. } | Event::EchoAnswered { .. } | Event::Downloaded { .. } => {
                return ("00".into(), String::new(), String::new())
            }
            Event::SettlementBalanced { totals, .. } => {
                let n = totals.net();
                return ("00".into(), format!("{}.{:02}", n / 100, n % 100), String::new());
            }
            _ => {}
        }
    }
    ("-".into(), String::new(), String::new())
}

/// Field 59 with the value of `A2.03` (the random factor: the account's last six digits)
/// replaced by `*`.
fn mask_random_factor(text: &str) -> String {
    let Ok(list) = ascii_tlv::decode(text, LenDigits::Three, &["A2"]) else { return "<unreadable>".into() };
    let Some(e) = ascii_tlv::find(&list, "A2.03") else { return text.to_owned() };
    let start = e.value.as_ptr() as usize - text.as_ptr() as usize;
    let mut out = text.to_owned();
    out.replace_range(start..start + e.value.len(), &"*".repeat(e.value.len()));
    out
}

/// Field 59 decoded (`A2` nested, 3-digit lengths as the bundled spec), tag to value.
fn field59_json(text: &str) -> serde_json::Value {
    fn entries(list: &[ascii_tlv::Entry<'_>]) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for e in list {
            let v = if e.children.is_empty() { json!(e.value) } else { entries(&e.children) };
            m.insert(e.tag.to_string(), v);
        }
        serde_json::Value::Object(m)
    }
    match ascii_tlv::decode(text, LenDigits::Three, &["A2"]) {
        Ok(list) => entries(&list),
        Err(e) => json!({"error": e.to_string()}),
    }
}

/// The demo's issuer script: template 72 with script id 00000001 (9F18) and one command (86),
/// APPLICATION UNBLOCK with a made-up 4-byte MAC.
const DEMO_SCRIPT: &str = "72129F1804000000018609841800000411223344";

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
        terminal_info: Some(poscore::terminal::TerminalInfo::demo()),
        // The merchant accepts chip cards offline within the default limits.
        offline: poscore::terminal::OfflineLimits { enabled: true, ..Default::default() },
        ..Config::demo()
    };
    // Sealed as a production journal must be (records hold the PAN and field 55). A real
    // terminal unwraps this key from its keystore or HSM; the demo uses a fixed, public demo key.
    let sealing_key = SealingKey::from_bytes(*DEMO_SEALING_KEY);
    let store = FileStore::open_sealed(data_dir.join("journal"), sealing_key)?;
    let now = poscore::terminal::driver::now_ms();
    let tmk = poscore_sim::pair::tmk();
    let mut t = Terminal::new(config, tmk, Box::new(store), Box::new(SeededRng::new(args.seed)), now)?;
    // Field 59's serial number ciphertext (A2.04) under a published test SM4 key: a real terminal
    // computes it in its PIN pad with the key its acquirer loaded.
    let sn_key = poscore::keys::Key::dangerous_from_hex(
        poscore::keys::Algorithm::Sm4,
        poscore::keys::KeyUsage::MacGenerate,
        "0123456789ABCDEFFEDCBA9876543210",
    )?;
    t.set_sn_cipher(Some(Box::new(poscore::terminal::SoftSnCipher(sn_key))));
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
        let seen59 = {
            let mut a = acquirer.lock().expect("simulator lock");
            if let Some(f) = fault {
                a.push_fault(Some("0200"), f);
            }
            a.field59.len()
        };
        let mut seen = Vec::new();
        match t.start(request, poscore::terminal::driver::now_ms()) {
            Ok(_) => driver.run_until_idle(t, &mut |e| seen.push(e.clone())),
            Err(e) => {
                let line = format!("  ✗ refused: {e}");
                day.out(line);
            }
        }
        // Field 59 as the host received it in this step's financial requests.
        let received: Vec<_> = acquirer.lock().expect("simulator lock").field59[seen59..].to_vec();
        for (mti, stan, f59) in received {
            // A2.03 is the last six digits of the account: shown masked, like any card digits.
            let shown = f59.as_deref().map(mask_random_factor);
            let decoded = shown.as_deref().map(field59_json);
            if day.json {
                let v = json!({"step": day.step, "field59": {"mti": mti, "stan": stan, "value": shown, "decoded": decoded}});
                day.out(v.to_string());
            } else {
                day.out(format!("  · {mti} STAN {stan} field 59 终端信息: {}", shown.as_deref().unwrap_or("MISSING")));
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

    exchange(&mut day, &mut t, "回响测试 Echo test (0820, 60.3 = 301): the line works", Request::EchoTest, None, false);
    exchange(&mut day, &mut t, "签到 Sign-on (0800): working keys under the TMK", Request::SignOn, None, false);
    exchange(
        &mut day,
        &mut t,
        "参数下载 Parameter download (0800, 360): the host's terminal parameters",
        Request::DownloadParameters,
        None,
        false,
    );
    exchange(
        &mut day,
        &mut t,
        "IC卡公钥下载 CA public keys: query (0820, 372) in packets, one 0800 (370) per key, end (371)",
        Request::DownloadCaPublicKeys,
        None,
        false,
    );
    // The host asks for the AID parameters in the header of its next reply (processing
    // requirement 5): the terminal does it before the next transaction.
    acquirer.lock().expect("simulator lock").ask.insert(t.config().terminal_id.clone(), 5);
    exchange(
        &mut day,
        &mut t,
        "状态上送 Status upload (0820, 362); the reply header asks for AIDs",
        Request::UploadStatus,
        None,
        false,
    );
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
        "消费 Sale · CNY 200.00, the issuer approves CNY 150.00 (10, partial approval)",
        Request::Sale { amount: 20_000, card: chip(), pin: pin() },
        Some(Fault::Partial { approved: 15_000 }),
        true,
    );
    // An outage: the line to the host is down (a port nothing listens on). A sale cannot
    // connect, so nothing left and nothing is owed; the card approves offline after "unable to
    // go online" and the merchant accepts two sales within its offline limits.
    let mut dead = TcpDriver::new(dead_address());
    outage_step(
        &mut day,
        &mut t,
        &mut dead,
        "断网 Outage · sale cannot connect to the host (nothing sent, no reversal)",
        Request::Sale { amount: 5_000, card: chip(), pin: pin() },
    );
    for (atc, amount, what) in [(2, 5_000, "CNY 50.00"), (3, 2_600, "CNY 26.00")] {
        outage_step(
            &mut day,
            &mut t,
            &mut dead,
            &format!("脱机消费 Offline sale · chip approves offline (TC) · {what}"),
            Request::OfflineSale {
                amount,
                // The card's next two transactions: each its own TC.
                card: cards::chip_tc_atc(atc),
                reason: poscore::terminal::OfflineReason::HostUnreachable,
                offline_pin: false,
                auth_code: None,
            },
        );
    }
    let offline_stored = t.offline_owed().len();
    exchange(
        &mut day,
        &mut t,
        "恢复 Line back · next sale: both stored offline sales are forwarded first (0220)",
        Request::Sale { amount: 900, card: contactless(), pin: None },
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
    // An issuer script for the card: the kernel runs it in the second GENERATE AC and the
    // terminal owes the host its result (0620), before the next transaction.
    acquirer.lock().expect("simulator lock").issuer_script = Some(DEMO_SCRIPT.into());
    let scripted = exchange(
        &mut day,
        &mut t,
        "消费 Sale · chip · the issuer sends a script (72) for the card",
        Request::Sale { amount: 1_200, card: chip(), pin: pin() },
        None,
        false,
    );
    for e in &scripted {
        if let Event::Approved { stan, issuer_response: Some(ir), .. } = e {
            if !day.json {
                let arc = ir.arc.as_deref().unwrap_or("-");
                day.out(format!("  · 发卡行数据 issuer data for the card: 8A {arc} · scripts {:?}", ir.scripts));
            }
            let done = poscore::terminal::ChipCompletion {
                cryptogram: "5C3A9E1D7B2F4068".into(),
                cid: "40".into(),
                tvr: Some("0000000000".into()),
                tsi: Some("F800".into()),
                atc: Some("0002".into()),
                script_results: Some("2000000001".into()),
            };
            match t.complete_chip(stan, &done, poscore::terminal::driver::now_ms()) {
                Ok(_) => {
                    while let Some(ev) = t.poll_event() {
                        day.event(&ev);
                    }
                }
                Err(e) => day.out(if day.json {
                    json!({"step": day.step, "error": e.to_string()}).to_string()
                } else {
                    format!("  ✗ complete_chip: {e}")
                }),
            }
        }
    }
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
    exchange(
        &mut day,
        &mut t,
        "结算 Settlement: 0500 (domestic and foreign totals), chip uploads (0320, 203), end of upload (0320, 207)",
        Request::Settle,
        None,
        false,
    );
    // The settlement report (结算单) as the terminal prints it, and the day's statistics.
    let report = t.last_settlement_report().ok().flatten();
    let report_ok = report.as_ref().is_some_and(|r| {
        let rt = r.totals();
        rt.debit_amount == totals.debit_amount
            && rt.credit_amount == totals.credit_amount
            && r.by_method.iter().map(|b| b.amount).sum::<i64>() == totals.net()
    });
    let today = poscore::terminal::local_date(poscore::terminal::driver::now_ms(), t.config().utc_offset_minutes);
    let stats = t.statistics(poscore::report::Period::Day, &today, &today).ok();
    day.step("结算单 Settlement report (reprinted from the journal) and the day's statistics");
    if let Some(r) = &report {
        let reprint = poscore::report::SettlementReport { reprint: true, ..r.clone() };
        if let Ok(text) = reprint.render_text(&poscore::report::ReportOptions::default()) {
            if !day.json {
                for l in text.lines() {
                    day.out(format!("     │ {l}"));
                }
            }
        }
        if let Ok(html) = r.render_html(&poscore::report::ReportOptions::default()) {
            let _ = std::fs::write(data_dir.join("settlement-report.html"), html);
        }
    }
    if let Some(s) = &stats {
        let t = s.totals();
        if day.json {
            day.out(json!({"step": day.step, "statistics": s}).to_string());
        } else {
            day.out(format!(
                "  · 今日统计 today: {} sales, gross {}.{:02}, refunds {}.{:02}, voids {}.{:02}, net {}.{:02}, average ticket {}.{:02}",
                t.count,
                t.gross / 100,
                t.gross % 100,
                t.refunds / 100,
                t.refunds % 100,
                t.voids / 100,
                t.voids % 100,
                t.net / 100,
                t.net.rem_euclid(100),
                t.average_ticket / 100,
                t.average_ticket % 100
            ));
        }
        if let Ok(html) = s.render_html(&poscore::report::ReportOptions::default()) {
            let _ = std::fs::write(data_dir.join("statistics.html"), html);
        }
    }
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
    let offline_booked = acq.ledger.bookings.values().filter(|b| b.kind == "offline_sale").count();
    let offline_ok = offline_stored == 2 && offline_booked == offline_stored && t.offline_owed().is_empty();
    let reversals = acq.ledger.reversal_requests.len();
    let stan_reuse = acq.ledger.stan_reuse.len();
    let settled_once = acq.ledger.double_settlements.is_empty() && acq.ledger.booked_into_closed_batch.is_empty();
    let financial = acq.field59.len();
    let with59 = acq.field59.iter().filter(|(_, _, f)| f.is_some()).count();
    let (keys, aids) = (t.ca_public_keys().len(), t.aid_params().len());
    let open_batch = t.batch().to_owned();
    drop(t); // releases the journal's lock: the scan below opens it as a tool would
    let leaks = journal_leaks(&data_dir.join("journal"), &open_batch)?;
    let invariants = json!({
        "ledger_equals_approved_log": host_net == log_net,
        "host_net": host_net,
        "approved_log_net": log_net,
        "no_pending_reversal": pending == 0,
        "no_duplicate_reversal": max_reversals <= 1,
        "offline_sales_forwarded_once": offline_ok,
        "settlement_report_matches_field48": report_ok,
        "reversals": reversals,
        "stan_never_reused": stan_reuse == 0,
        "settled_once_nothing_booked_into_a_closed_batch": settled_once,
        "journal_card_data_leaks": leaks,
        "field59_in_every_financial_request": financial > 0 && with59 == financial,
        "ca_public_keys": keys,
        "aid_params": aids,
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
        let _ = writeln!(
            text,
            "  {} offline sales stored during the outage forwarded and booked once ({offline_booked} of {offline_stored})",
            ok(offline_ok)
        );
        let _ = writeln!(
            text,
            "  {} settlement report (结算单) totals and payment methods match the 0500's field 48",
            ok(report_ok)
        );
        let _ = writeln!(text, "  {} STAN never reused within a batch", ok(stan_reuse == 0));
        let _ = writeln!(text, "  {} batch settled once, nothing booked into a closed batch", ok(settled_once));
        let _ = writeln!(
            text,
            "  {} field 59 terminal information in every financial request ({with59} of {financial})",
            ok(financial > 0 && with59 == financial)
        );
        let _ = writeln!(
            text,
            "  {} {keys} CA public keys and {aids} AIDs held, checksums verified",
            ok(keys > 0 && aids > 0)
        );
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
