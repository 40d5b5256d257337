//! `poscore`: the command line.
//!
//! Every subcommand prints a human-readable form by default and one JSON object with `--json`.
//! Errors go to stderr (`error[code]: message`, or `{"error":{...}}` with `--json`) with exit
//! status 1; usage errors exit 2.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod card;
mod demo;
mod iso8583;

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
    /// ISO 8583 messages: decode, encode, framing, bundled specs.
    #[command(subcommand)]
    Iso8583(iso8583::Iso8583Cmd),
    /// EMV BER-TLV (ISO 8583 field 55).
    #[command(subcommand)]
    Tlv(iso8583::TlvCmd),
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
        Command::Iso8583(c) => iso8583::run(c),
        Command::Tlv(c) => iso8583::run_tlv(c),
    };
    match result {
        Ok(out) => {
            if cli.json {
                println!("{}", out.json);
            } else {
                println!("{}", out.text.trim_end());
            }
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
