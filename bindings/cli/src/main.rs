//! `poscore`: the command line.
//!
//! Every subcommand prints a human-readable form by default and one JSON object with `--json`.
//! Errors go to stderr (`error[code]: message`, or `{"error":{...}}` with `--json`) with exit
//! status 1; usage errors exit 2.

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod card;
mod crypto;
mod demo;
mod emv;
mod explain;
mod input;
mod iso8583;
mod receipt;
mod sim;
mod store;
mod terminal;
mod tls;

#[derive(Debug, Parser)]
#[command(name = "poscore", version, about = "Portable POS payment core: tools and demo")]
struct Cli {
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Card numbers, track 2 data and scanned payment codes.
    #[command(subcommand)]
    Card(card::CardCmd),
    /// The demo terminal day against the acquirer simulator (what scripts/demo runs).
    Demo(demo::DemoArgs),
    /// ISO 8583 messages: decode, encode, framing, bundled specs.
    #[command(subcommand)]
    Iso8583(iso8583::Iso8583Cmd),
    /// EMV BER-TLV (ISO 8583 field 55).
    #[command(subcommand)]
    Tlv(iso8583::TlvCmd),
    /// PIN blocks (ISO 9564-1 formats 0-4): encode, decode, translate.
    #[command(subcommand)]
    Pin(crypto::PinCmd),
    /// Key check value.
    Kcv(crypto::KcvArgs),
    /// MAC: ISO 9797-1 alg 1/3 (X9.19), UnionPay POS ECB, AES-CMAC, SM4-CMAC.
    Mac(crypto::MacArgs),
    /// DUKPT (TDES X9.24-1, AES X9.24-3) host-side derivation.
    #[command(subcommand)]
    Dukpt(crypto::DukptCmd),
    /// TR-31 key blocks (versions B and D).
    #[command(subcommand)]
    Tr31(crypto::Tr31Cmd),
    /// EMV issuer cryptograms: check an ARQC, compute an ARPC (Visa CVN 10 and 18).
    #[command(subcommand)]
    Emv(emv::EmvCmd),
    /// Run many commands from stdin, one JSON array of arguments per line, answering one JSON
    /// object per line (for differential tests).
    #[command(hide = true)]
    Batch,
    /// What a response code or local failure means, its cause, the remedies and the next action.
    Explain(explain::ExplainArgs),
    /// Render a receipt (出票) from a completed-transaction record: text, ESC/POS, HTML or JSON.
    Receipt(receipt::ReceiptCmd),
    /// The journal file store: list, get, put, delete, check.
    #[command(subcommand)]
    Store(store::StoreCmd),
    /// Serve the acquirer simulator on loopback TCP (prints `{"port":N}`), for end-to-end tests.
    Sim(sim::SimArgs),
    /// A terminal on the command line against a real host or `poscore sim`: sign-on, sale,
    /// void, refund, pre-auth, balance, settle, pending, flush, log, reprint.
    #[command(subcommand)]
    Terminal(terminal::TerminalCmd),
    /// TLS helpers: the `sha256/` pins of certificates, for the terminal's `tls.pins`.
    #[command(subcommand)]
    Tls(tls::TlsCmd),
}

/// What a subcommand produced: a JSON value and its text rendering.
#[derive(Debug)]
pub struct Output {
    json: serde_json::Value,
    text: String,
}

impl Output {
    /// Output whose text form is given explicitly.
    pub fn new(json: serde_json::Value, text: impl Into<String>) -> Self {
        Self { json, text: text.into() }
    }
}

fn run(command: Command) -> poscore::Result<Output> {
    match command {
        Command::Card(c) => card::run(c),
        Command::Demo(a) => demo::run(&a, true, false),
        Command::Iso8583(c) => iso8583::run(c),
        Command::Tlv(c) => iso8583::run_tlv(c),
        Command::Explain(a) => explain::run(a),
        Command::Receipt(c) => receipt::run(&c),
        Command::Pin(c) => crypto::run_pin(c),
        Command::Kcv(a) => crypto::run_kcv(&a),
        Command::Mac(a) => crypto::run_mac(&a),
        Command::Dukpt(c) => crypto::run_dukpt(c),
        Command::Tr31(c) => crypto::run_tr31(c),
        Command::Emv(c) => emv::run(c),
        Command::Store(c) => store::run(c),
        Command::Terminal(c) => terminal::run(c),
        Command::Tls(c) => tls::run(&c),
        Command::Batch | Command::Sim(_) => unreachable!("handled in main"),
    }
}

fn error_json(e: &poscore::Error) -> serde_json::Value {
    serde_json::json!({"error": {"module": e.module(), "code": e.code(), "message": e.to_string()}})
}

/// `poscore batch`: each stdin line is a JSON array of arguments (without `poscore`); each answer
/// is the command's JSON, `{"error": {...}}`, or `{"usage_error": "..."}`.
fn batch() -> ExitCode {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut stdin = std::io::stdin().lock();
    loop {
        let line = match input::read_line(&mut stdin) {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => {
                // A line over the cap cannot be answered or skipped reliably: say so and stop.
                let _ = writeln!(out, "{}", serde_json::json!({"usage_error": format!("stdin line: {e}")}));
                return ExitCode::FAILURE;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Vec<String>>(&line) {
            Err(e) => serde_json::json!({"usage_error": format!("not a JSON array of strings: {e}")}),
            Ok(args) => match Cli::try_parse_from(std::iter::once("poscore".to_owned()).chain(args)) {
                Err(e) => serde_json::json!({"usage_error": e.to_string()}),
                Ok(Cli { command: Command::Batch, .. }) => serde_json::json!({"usage_error": "nested batch"}),
                Ok(Cli { command: Command::Sim(_), .. }) => {
                    serde_json::json!({"usage_error": "sim serves; not in batch"})
                }
                Ok(cli) => match run(cli.command) {
                    Ok(o) => o.json,
                    Err(e) => error_json(&e),
                },
            },
        };
        if writeln!(out, "{answer}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Batch) {
        return batch();
    }
    if let Command::Sim(a) = &cli.command {
        return match sim::run(a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error[sim.failed]: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let result = match cli.command {
        // The demo streams its lines (or JSON events) as the day goes; the summary comes last.
        Command::Demo(a) => demo::run(&a, cli.json, true),
        other => run(other),
    };
    match result {
        Ok(out) => {
            // A closed pipe (`poscore explain --all | head`) is not an error worth a panic.
            let mut stdout = std::io::stdout().lock();
            let _ =
                if cli.json { writeln!(stdout, "{}", out.json) } else { writeln!(stdout, "{}", out.text.trim_end()) };
            // The demo's invariants are its verdict: scripts/demo fails when one is violated.
            let violated = out.json["invariants"]
                .as_object()
                .is_some_and(|inv| inv.values().any(|v| v == &serde_json::Value::Bool(false)));
            if violated {
                eprintln!("error[demo.invariant_violated]: an invariant of the terminal day does not hold");
                return ExitCode::FAILURE;
            }
            // A terminal command whose transaction was not approved (declined, failed, no answer).
            if out.json["ok"] == serde_json::Value::Bool(false) {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if cli.json {
                eprintln!("{}", error_json(&e));
            } else {
                eprintln!("error[{}]: {e}", e.code());
            }
            ExitCode::FAILURE
        }
    }
}
