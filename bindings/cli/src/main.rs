//! `poscore`: the command line.
//!
//! Every subcommand prints a human-readable form by default and one JSON object with `--json`.
//! Errors go to stderr (`error[code]: message`, or `{"error":{...}}` with `--json`) with exit
//! status 1; usage errors exit 2.

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod card;
mod demo;
mod explain;
mod receipt;
mod store;

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
    /// The demo terminal day (what scripts/demo runs).
    Demo,
    /// What a response code or local failure means, its cause, the remedies and the next action.
    Explain(explain::ExplainArgs),
    /// Render a receipt (出票) from a completed-transaction record: text, ESC/POS, HTML or JSON.
    Receipt(receipt::ReceiptCmd),
    /// The journal file store: list, get, put, delete, check.
    #[command(subcommand)]
    Store(store::StoreCmd),
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Card(c) => card::run(c),
        Command::Demo => Ok(demo::run()),
        Command::Explain(a) => explain::run(a),
        Command::Receipt(c) => receipt::run(&c),
        Command::Store(c) => store::run(c),
    };
    match result {
        Ok(out) => {
            // A closed pipe (`poscore explain --all | head`) is not an error worth a panic.
            let mut stdout = std::io::stdout().lock();
            let _ =
                if cli.json { writeln!(stdout, "{}", out.json) } else { writeln!(stdout, "{}", out.text.trim_end()) };
            ExitCode::SUCCESS
        }
        Err(e) => {
            if cli.json {
                eprintln!(
                    "{}",
                    serde_json::json!({"error": {"module": e.module(), "code": e.code(), "message": e.to_string()}})
                );
            } else {
                eprintln!("error[{}]: {e}", e.code());
            }
            ExitCode::FAILURE
        }
    }
}
