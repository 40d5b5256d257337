//! `poscore terminal ...`: the engine as a command-line terminal against a real host (or
//! `poscore sim`): sign-on, sales, voids, refunds, pre-authorisations, balance, settlement, the
//! pending reversals, the transaction log and reprints. One command is one transaction; the
//! journal in `--data-dir` carries everything between commands (a reversal left by one command,
//! even a killed one, goes out before the next command's request).
//!
//! Secrets never go on the command line (they would show in the process list and the shell
//! history): the TMK is read from the file the config's `tmk_file` names (32 hex digits, a
//! double-length TDES key), the journal's sealing key from `--key-file` or
//! `POSCORE_STORE_KEY_FILE` (as `poscore store`), and a PIN from stdin with `--pin-stdin`.
//!
//! The config file is JSON (unknown keys refused):
//! ```json
//! { "config": { "terminal_id": "12345678", "merchant_id": "898310048160001",
//!               "merchant_name": "测试商户", "response_timeout_ms": 30000 },
//!   "host": "127.0.0.1:5000", "tmk_file": "tmk.hex", "connect_timeout_ms": 5000,
//!   "profile": "unionpay" }
//! ```
//! `config` is the engine's `Config` (see `docs/terminal.md`); `profile` the response-code
//! profile (`unionpay`, the default, or `iso`).
//!
//! `"tls"` turns on TLS to the host (see `poscore::terminal::driver::tls`): at least one of
//! `ca_file` (PEM CA bundle) and `pins` (`sha256/<base64>`, from `poscore tls pin`); for mutual
//! TLS `client_cert_file` and `client_key_file`; `server_name` when the certificate names the
//! host otherwise than the address does:
//! ```json
//! "tls": { "ca_file": "acquirer-ca.pem", "pins": ["sha256/IW09oHE5LXlC5GBXT35ehWAd4Ll+TsHcbT3xZwWAo1I="],
//!          "client_cert_file": "terminal.pem", "client_key_file": "terminal.key",
//!          "server_name": "pos.acquirer.example" }
//! ```

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use poscore::keys::{Algorithm, Key, KeyUsage};
use poscore::receipt::{self, ReceiptCopy, ReceiptData, RenderOptions};
use poscore::response::{Lang, Registry};
use poscore::rng::SystemRng;
use poscore::store::file::FileStore;
use poscore::terminal::driver::tls::{TlsConnector, TlsOptions};
use poscore::terminal::driver::{now_ms, TcpDriver};
use poscore::terminal::{CardInput, Config, Event, LogQuery, PinInput, Request, Terminal, TerminalError};
use serde::Deserialize;
use serde_json::json;

use crate::{input, Output};

/// The config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TerminalFile {
    /// The engine's configuration.
    config: Config,
    /// The acquirer's address, `IP:port`.
    host: String,
    /// File holding the TMK (32 hex digits).
    tmk_file: PathBuf,
    /// Connect timeout, ms.
    #[serde(default = "default_connect_ms")]
    connect_timeout_ms: u64,
    /// Response-code profile.
    #[serde(default = "default_profile")]
    profile: String,
    /// TLS to the host; absent: plain TCP.
    #[serde(default)]
    tls: Option<TlsFile>,
}

/// The `tls` section of the config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    #[serde(default)]
    ca_file: Option<PathBuf>,
    #[serde(default)]
    pins: Vec<String>,
    #[serde(default)]
    client_cert_file: Option<PathBuf>,
    #[serde(default)]
    client_key_file: Option<PathBuf>,
    #[serde(default)]
    server_name: Option<String>,
}

impl TlsFile {
    fn connector(&self, host: &str) -> poscore::Result<TlsConnector> {
        let read = crate::tls::read_pem;
        let opts = TlsOptions {
            ca_pem: self.ca_file.as_deref().map(read).transpose()?,
            pins: self.pins.clone(),
            client_cert_pem: self.client_cert_file.as_deref().map(read).transpose()?,
            client_key_pem: self.client_key_file.as_deref().map(read).transpose()?.map(zeroize::Zeroizing::new),
            server_name: self.server_name.clone(),
        };
        TlsConnector::new(&opts, host).map_err(|e| bad("tls", e.to_string()))
    }
}

fn default_connect_ms() -> u64 {
    5_000
}

fn default_profile() -> String {
    "unionpay".into()
}

/// Where the terminal lives; shared by every subcommand.
#[derive(Debug, Args)]
pub struct TerminalAt {
    /// The config file (JSON).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// The journal directory (created on first use).
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// File holding the journal's sealing key (default: `POSCORE_STORE_KEY_FILE`). Without a key
    /// the journal is refused unless `--insecure-unsealed` says it may be kept in the clear.
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
    /// Keep the journal unsealed (test hosts only: records hold card numbers).
    #[arg(long)]
    insecure_unsealed: bool,
}

/// The card: a test card by name, or a `CardInput` JSON file.
#[derive(Debug, Args)]
pub struct CardArg {
    /// A test card: `chip`, `chip-tc` (approved offline), `contactless`, `magstripe`, `qr`,
    /// `wechat`.
    #[arg(long, value_name = "NAME", conflicts_with = "card_file")]
    card: Option<String>,
    /// A `CardInput` JSON file (`{"type":"chip","pan":...,"icc_data":...}`): track 2 and field 55
    /// from a reader.
    #[arg(long, value_name = "FILE")]
    card_file: Option<PathBuf>,
    /// Read the PIN (digits) from stdin.
    #[arg(long)]
    pin_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum TerminalCmd {
    /// 签到: sign on (working keys under the TMK).
    SignOn {
        #[command(flatten)]
        at: TerminalAt,
    },
    /// 消费: a sale.
    Sale {
        #[command(flatten)]
        at: TerminalAt,
        /// Amount in minor units (fen).
        #[arg(long)]
        amount: u64,
        #[command(flatten)]
        card: CardArg,
    },
    /// 撤销: void a sale of the open batch.
    Void {
        #[command(flatten)]
        at: TerminalAt,
        /// The sale's STAN.
        #[arg(long)]
        stan: String,
        #[command(flatten)]
        card: CardArg,
    },
    /// 退货: refund (an advice, 0220).
    Refund {
        #[command(flatten)]
        at: TerminalAt,
        /// Minor units.
        #[arg(long)]
        amount: u64,
        /// The original's RRN.
        #[arg(long)]
        rrn: String,
        /// The original's date, MMDD.
        #[arg(long)]
        date: String,
        #[command(flatten)]
        card: CardArg,
    },
    /// 预授权: pre-authorisation.
    PreAuth {
        #[command(flatten)]
        at: TerminalAt,
        /// Minor units.
        #[arg(long)]
        amount: u64,
        #[command(flatten)]
        card: CardArg,
    },
    /// 余额查询: balance inquiry.
    Balance {
        #[command(flatten)]
        at: TerminalAt,
        #[command(flatten)]
        card: CardArg,
    },
    /// 结算: settlement (0500, batch upload, end).
    Settle {
        #[command(flatten)]
        at: TerminalAt,
    },
    /// What is owed to the host: pending reversals, advices, stored offline payments, the
    /// settlement.
    Pending {
        #[command(flatten)]
        at: TerminalAt,
    },
    /// Deliver everything owed now (reversals, advices, offline payments).
    Flush {
        #[command(flatten)]
        at: TerminalAt,
    },
    /// 交易查询: the transaction log (newest first, cards masked).
    Log {
        #[command(flatten)]
        at: TerminalAt,
        /// A `LogQuery` as JSON (`{"status":["declined"],"from_date":"2026-12-01"}`).
        #[arg(long, default_value = "{}")]
        query: String,
    },
    /// The audit trail: every request, reversal and advice attempt with its send and answer
    /// times (记录冲正日志), cards masked; JSON lines, or CSV with `--csv`.
    Audit {
        #[command(flatten)]
        at: TerminalAt,
        /// CSV (with a header line) instead of one JSON object per line.
        #[arg(long)]
        csv: bool,
    },
    /// Reports: `settlement` (the last settlement's 结算单; `--reprint` marks it 重打印), `totals`
    /// (终端统计 of the open batch, without settling), `stats` (sales by day, week or month).
    Report {
        #[command(flatten)]
        at: TerminalAt,
        /// `settlement`, `totals` or `stats`.
        #[arg(long, default_value = "totals")]
        kind: String,
        /// Statistics rows: `day`, `week` or `month`.
        #[arg(long, default_value = "day")]
        period: String,
        /// Statistics from this local date (YYYY-MM-DD; default: 30 days ago).
        #[arg(long)]
        from: Option<String>,
        /// Statistics to this local date (default: today).
        #[arg(long)]
        to: Option<String>,
        /// `text`, `escpos` (hex), `html`, `json`, and `csv` for statistics.
        #[arg(long, default_value = "text")]
        format: String,
        /// Columns: 32 or 48.
        #[arg(long, default_value_t = 32)]
        width: u16,
        /// `zh` or `en`.
        #[arg(long, default_value = "zh")]
        lang: String,
        /// Mark a settlement report as a reprint.
        #[arg(long)]
        reprint: bool,
    },
    /// 重打印: reprint a journaled slip, marked REPRINT.
    Reprint {
        #[command(flatten)]
        at: TerminalAt,
        /// The transaction's STAN.
        #[arg(long)]
        stan: String,
        /// Its batch (default: the open batch, then the newest holding that STAN).
        #[arg(long)]
        batch: Option<String>,
        /// `merchant` (default) or `cardholder`.
        #[arg(long, default_value = "merchant")]
        copy: String,
        /// Columns: 32 (58 mm) or 48 (80 mm).
        #[arg(long, default_value_t = 32)]
        width: u16,
    },
}

fn bad(field: &'static str, reason: impl Into<String>) -> poscore::Error {
    poscore::Error::from(TerminalError::BadRequest { field, reason: reason.into() })
}

fn terminal_error(e: TerminalError) -> poscore::Error {
    poscore::Error::from(e)
}

fn load_file(path: &Path) -> poscore::Result<TerminalFile> {
    let text = input::read_file(path).map_err(|e| bad("config", format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| bad("config", format!("{}: {e}", path.display())))
}

fn load_tmk(path: &Path) -> poscore::Result<Key> {
    let bytes = input::read_file_bytes(path, 1024).map_err(|e| bad("tmk_file", format!("{}: {e}", path.display())))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad("tmk_file", "32 hex digits expected"))?;
    Ok(Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::KeyEncryption, text.trim())?)
}

/// Opens the engine over the journal in `--data-dir`.
fn open(at: &TerminalAt) -> poscore::Result<(Terminal, TcpDriver, TerminalFile)> {
    let file = load_file(&at.config)?;
    let tmk = load_tmk(&file.tmk_file)?;
    let addr: SocketAddr = file.host.parse().map_err(|_| bad("host", "IP:port expected"))?;
    let dir = at.data_dir.join("journal");
    let store = match crate::store::sealing_key_from(at.key_file.clone())? {
        Some(key) => FileStore::open_sealed(&dir, key)?,
        None if at.insecure_unsealed => FileStore::open_unsealed_insecure(&dir)?,
        None => {
            return Err(bad(
                "key_file",
                "the journal holds card numbers: give --key-file (or POSCORE_STORE_KEY_FILE), or --insecure-unsealed on a test host",
            ))
        }
    };
    let mut t = Terminal::new(file.config.clone(), tmk, Box::new(store), Box::new(SystemRng::new()), now_ms())
        .map_err(terminal_error)?;
    let registry = match file.profile.as_str() {
        "unionpay" => Registry::unionpay(),
        "iso" => Registry::iso(),
        other => return Err(bad("profile", format!("unknown profile {other:?} (unionpay, iso)"))),
    };
    t.set_registry(registry);
    let mut driver = match &file.tls {
        None => TcpDriver::new(addr),
        Some(tls) => TcpDriver::with_tls(addr, tls.connector(&addr.ip().to_string())?),
    };
    driver.connect_timeout = Duration::from_millis(file.connect_timeout_ms);
    Ok((t, driver, file))
}

fn card_input(c: &CardArg) -> poscore::Result<(CardInput, Option<PinInput>)> {
    use poscore_sim::cards;
    let card = match (&c.card, &c.card_file) {
        (Some(name), None) => match name.as_str() {
            "chip" => cards::chip(),
            "chip-tc" => cards::chip_tc(),
            "contactless" => cards::contactless(),
            "magstripe" => cards::magstripe(),
            "qr" => cards::qr(),
            "wechat" => cards::wechat(),
            other => return Err(bad("card", format!("unknown test card {other:?}"))),
        },
        (None, Some(path)) => {
            let text = input::read_file(path).map_err(|e| bad("card_file", format!("{}: {e}", path.display())))?;
            serde_json::from_str(&text).map_err(|e| bad("card_file", e.to_string()))?
        }
        _ => return Err(bad("card", "give --card NAME or --card-file FILE")),
    };
    let pin = if c.pin_stdin {
        let text = input::read_stdin().map_err(|e| bad("pin", e.to_string()))?;
        Some(PinInput::Clear { digits: text.trim().to_owned() })
    } else {
        None
    };
    Ok((card, pin))
}

/// One line per event for people; the events themselves for `--json`.
fn describe(e: &Event, registry: &Registry) -> Option<String> {
    let diag = |d: &poscore::response::Diagnosis| {
        let zh = d.explain(registry, Lang::Zh);
        let en = d.explain(registry, Lang::En);
        format!("{} {} / {}", d.entry.code, zh.operator_text, en.operator_text)
    };
    Some(match e {
        Event::Sending { mti, stan, attempt, .. } => format!("→ {mti} STAN {stan} (attempt {attempt})"),
        Event::SignedOn { batch, .. } => format!("✓ signed on, batch {batch}"),
        Event::Approved { stan, amount, rrn, auth_code, diagnosis, .. } => format!(
            "✓ approved STAN {stan} amount {amount} RRN {} auth {} · {}",
            rrn.as_deref().unwrap_or("-"),
            auth_code.as_deref().unwrap_or("-"),
            diag(diagnosis)
        ),
        Event::Declined { stan, diagnosis, .. } => format!("✗ declined STAN {stan} · {}", diag(diagnosis)),
        Event::Failed { stan, diagnosis, reversal_pending, .. } => format!(
            "✗ failed STAN {} · {}{}",
            stan.as_deref().unwrap_or("-"),
            diag(diagnosis),
            if *reversal_pending { " · reversal pending" } else { "" }
        ),
        Event::ReversalSent { stan, attempt } => format!("→ reversal of STAN {stan} (attempt {attempt})"),
        Event::ReversalCleared { stan, code, .. } => format!("✓ reversal of STAN {stan} acknowledged ({code})"),
        Event::SettlementBalanced { batch, totals, next_batch, .. } => {
            format!("✓ settled batch {batch} balanced, net {}; next batch {next_batch}", totals.net())
        }
        Event::SettlementClosedUnbalanced { batch, next_batch, .. } => {
            format!("! settled batch {batch} out of balance after the upload; next batch {next_batch}")
        }
        Event::StaffAlert { alert, stan, diagnosis, .. } => {
            format!("! ALERT {alert:?} {} · {}", stan.as_deref().unwrap_or(""), diag(diagnosis))
        }
        Event::OfflineForwarded { stan, .. } => format!("✓ offline sale STAN {stan} forwarded"),
        _ => return None,
    })
}

/// Runs one transaction over the line; the events and whether it ended well.
fn transact(at: &TerminalAt, request: Request) -> poscore::Result<Output> {
    let kind = request.kind();
    let (mut t, mut driver, _) = open(at)?;
    let mut events = Vec::new();
    t.start(request, now_ms()).map_err(terminal_error)?;
    driver.run_until_idle(&mut t, &mut |e| events.push(e.clone()));
    let mut text = String::new();
    for e in &events {
        if let Some(line) = describe(e, t.registry()) {
            let _ = writeln!(text, "{line}");
        }
    }
    let ok = events.iter().any(|e| match e {
        Event::Approved { kind: k, .. } => *k == kind,
        Event::SignedOn { .. } | Event::SettlementBalanced { .. } | Event::SettlementClosedUnbalanced { .. } => true,
        _ => false,
    });
    let pending = t.pending().len();
    if pending > 0 {
        let _ =
            writeln!(text, "owed to the host: {pending} (sent before the next request, or `poscore terminal flush`)");
    }
    // `ok` false (declined, failed, no answer) makes the exit status 1: scripts can check it.
    Ok(Output::new(json!({ "ok": ok, "kind": kind, "events": events, "pending": pending }), text))
}

/// What is owed to the host.
fn pending(at: &TerminalAt) -> poscore::Result<Output> {
    let (t, _, _) = open(at)?;
    let owed: Vec<_> = t.pending().into_iter().map(poscore::terminal::TxnRecord::summary).collect();
    let settlement = t.settlement_owed();
    let mut text = String::new();
    for r in &owed {
        let _ =
            writeln!(text, "{} {} {:?} {:?} {} attempts {}", r.batch, r.stan, r.kind, r.status, r.amount, r.attempts);
    }
    if let Some(s) = &settlement {
        let _ = writeln!(text, "settlement of batch {} owed", s.batch);
    }
    if text.is_empty() {
        text = "nothing owed to the host".into();
    }
    Ok(Output::new(json!({ "pending": owed, "settlement_owed": settlement, "batch": t.batch() }), text))
}

/// Delivers everything owed now.
fn flush(at: &TerminalAt) -> poscore::Result<Output> {
    let (mut t, mut driver, _) = open(at)?;
    let mut events = Vec::new();
    t.flush_pending(now_ms());
    driver.run_due(&mut t, &mut |e| events.push(e.clone()));
    let mut text = String::new();
    for e in &events {
        if let Some(line) = describe(e, t.registry()) {
            let _ = writeln!(text, "{line}");
        }
    }
    let pending = t.pending().len();
    let _ = writeln!(text, "owed to the host now: {pending}");
    Ok(Output::new(json!({ "events": events, "pending": pending }), text))
}

/// The transaction log.
fn log(at: &TerminalAt, query: &str) -> poscore::Result<Output> {
    let q: LogQuery = serde_json::from_str(query).map_err(|e| bad("query", e.to_string()))?;
    let (t, _, _) = open(at)?;
    let page = t.query_log(&q).map_err(terminal_error)?;
    let mut text = format!("{} transactions\n", page.total);
    for e in &page.entries {
        let _ = writeln!(
            text,
            "{} {} {} {:<8} {:?} {:>10} {} {} {}",
            e.date,
            e.time,
            e.batch,
            e.stan,
            e.status,
            e.amount,
            e.kind.as_str(),
            e.masked_pan.as_deref().unwrap_or("-"),
            e.rrn.as_deref().unwrap_or("-"),
        );
    }
    Ok(Output::new(serde_json::to_value(&page).unwrap_or_default(), text))
}

/// `terminal report` flags.
struct ReportArgs {
    kind: String,
    period: String,
    from: Option<String>,
    to: Option<String>,
    format: String,
    width: u16,
    lang: String,
    reprint: bool,
}

/// Renders a settlement report, terminal totals or statistics.
fn report(at: &TerminalAt, a: &ReportArgs) -> poscore::Result<Output> {
    use poscore::report::{Format, Lang, Period, ReportOptions};
    let (t, _, _) = open(at)?;
    let lang = Lang::parse(&a.lang)?;
    let options = ReportOptions { width: a.width, lang };
    let format = match a.format.as_str() {
        "text" => Some(Format::Text),
        "escpos" => Some(Format::Escpos),
        "html" => Some(Format::Html),
        "json" => Some(Format::Json),
        "csv" if a.kind == "stats" => None,
        other => return Err(bad("format", format!("{other:?}: text, escpos, html, json (csv for stats)"))),
    };
    let (value, bytes) = match a.kind.as_str() {
        "settlement" | "totals" => {
            let mut r = if a.kind == "totals" {
                t.terminal_totals_report(now_ms())
            } else {
                t.last_settlement_report().map_err(terminal_error)?.ok_or_else(|| bad("kind", "no settlement yet"))?
            };
            r.reprint = a.reprint;
            let bytes = r.render(format.unwrap_or(Format::Text), &options)?;
            (serde_json::to_value(&r).unwrap_or_default(), bytes)
        }
        "stats" => {
            let period: Period = serde_json::from_value(serde_json::Value::String(a.period.clone()))
                .map_err(|_| bad("period", "day, week or month"))?;
            let now = now_ms();
            let offset = t.config().utc_offset_minutes;
            let today = poscore::terminal::local_date(now, offset);
            let month_ago = poscore::terminal::local_date(now.saturating_sub(30 * 86_400_000), offset);
            let s = t
                .statistics(period, a.from.as_deref().unwrap_or(&month_ago), a.to.as_deref().unwrap_or(&today))
                .map_err(terminal_error)?;
            let bytes = match format {
                Some(f) => s.render(f, &options)?,
                None => s.csv().into_bytes(),
            };
            (serde_json::to_value(&s).unwrap_or_default(), bytes)
        }
        other => return Err(bad("kind", format!("{other:?}: settlement, totals or stats"))),
    };
    let text = if format == Some(Format::Escpos) {
        poscore::iso8583::to_hex(&bytes)
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Ok(Output::new(json!({ "report": value, "rendered": text }), text))
}

/// Runs a `poscore terminal` subcommand.
pub fn run(cmd: TerminalCmd) -> poscore::Result<Output> {
    match cmd {
        TerminalCmd::SignOn { at } => transact(&at, Request::SignOn),
        TerminalCmd::Sale { at, amount, card } => {
            let (card, pin) = card_input(&card)?;
            transact(&at, Request::Sale { amount, card, pin })
        }
        TerminalCmd::Void { at, stan, card } => {
            let (card, pin) = card_input(&card)?;
            transact(&at, Request::Void { original_stan: stan, card, pin })
        }
        TerminalCmd::Refund { at, amount, rrn, date, card } => {
            let (card, _) = card_input(&card)?;
            transact(&at, Request::Refund { amount, original_rrn: rrn, original_date: date, card })
        }
        TerminalCmd::PreAuth { at, amount, card } => {
            let (card, pin) = card_input(&card)?;
            transact(&at, Request::PreAuth { amount, card, pin })
        }
        TerminalCmd::Balance { at, card } => {
            let (card, pin) = card_input(&card)?;
            transact(&at, Request::BalanceInquiry { card, pin })
        }
        TerminalCmd::Settle { at } => transact(&at, Request::Settle),
        TerminalCmd::Pending { at } => pending(&at),
        TerminalCmd::Flush { at } => flush(&at),
        TerminalCmd::Log { at, query } => log(&at, &query),
        TerminalCmd::Audit { at, csv } => {
            let (t, _, _) = open(&at)?;
            let trail = t.audit_trail(0, u64::MAX).map_err(terminal_error)?;
            let mut text = String::new();
            if csv {
                let _ = writeln!(text, "{}", poscore::terminal::AuditEntry::CSV_HEADER);
            }
            for a in &trail {
                let line = if csv { a.csv() } else { serde_json::to_string(a).unwrap_or_default() };
                let _ = writeln!(text, "{line}");
            }
            Ok(Output::new(json!({ "audit": trail }), text))
        }
        TerminalCmd::Report { at, kind, period, from, to, format, width, lang, reprint } => {
            report(&at, &ReportArgs { kind, period, from, to, format, width, lang, reprint })
        }
        TerminalCmd::Reprint { at, stan, batch, copy, width } => {
            let (t, _, _) = open(&at)?;
            let slip = t.reprint(&stan, batch.as_deref()).map_err(terminal_error)?;
            let copy = match copy.as_str() {
                "merchant" => ReceiptCopy::Merchant,
                "cardholder" => ReceiptCopy::Cardholder,
                other => return Err(bad("copy", format!("{other:?}: merchant or cardholder"))),
            };
            let data = ReceiptData::new(slip)?;
            let options = RenderOptions { reprint: true, copy, width, ..RenderOptions::default() };
            let text = receipt::render_text(&data, &options)?;
            Ok(Output::new(json!({ "stan": stan, "text": text }), text))
        }
    }
}
