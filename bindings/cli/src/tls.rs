//! `poscore tls pin FILE`: the `sha256/` pin (RFC 7469 spelling: SHA-256 of the
//! `SubjectPublicKeyInfo`, base64) of every certificate in a PEM file, for the `pins` of a
//! terminal's `tls` config (or the Kotlin/JS `TlsOptions`).

use std::path::PathBuf;

use clap::Subcommand;
use poscore::terminal::TerminalError;
use serde_json::json;

use crate::{input, Output};

#[derive(Debug, Subcommand)]
pub enum TlsCmd {
    /// Print the pin of each certificate in a PEM file (leaf first, as the file holds them).
    Pin {
        /// PEM file (one or more CERTIFICATE blocks).
        file: PathBuf,
    },
}

pub fn run(c: &TlsCmd) -> poscore::Result<Output> {
    let TlsCmd::Pin { file } = c;
    let bad = |reason: String| poscore::Error::from(TerminalError::BadRequest { field: "tls", reason });
    let pem = input::read_file_bytes(file, 1 << 20).map_err(|e| bad(format!("{}: {e}", file.display())))?;
    let pins = poscore::terminal::driver::tls::spki_pins_pem(&pem).map_err(|e| bad(e.to_string()))?;
    let text = pins.join("\n");
    Ok(Output::new(json!({ "pins": pins }), text))
}
