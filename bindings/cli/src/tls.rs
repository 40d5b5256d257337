//! `poscore tls pin FILE`: the `sha256/` pin (RFC 7469 spelling: SHA-256 of the
//! `SubjectPublicKeyInfo`, base64) of every certificate in a PEM file, for the `pins` of a
//! terminal's `tls` config (or the Kotlin/JS `TlsOptions`).

use std::path::{Path, PathBuf};

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

/// Largest PEM file read (a CA bundle of a few hundred certificates).
const MAX_PEM: u64 = 1 << 20;

/// A PEM file of the TLS settings (`poscore tls pin`, the terminal config's `tls` files), size
/// checked; a failure is `terminal.bad_request` on field `tls`, naming the file.
pub(crate) fn read_pem(path: &Path) -> poscore::Result<Vec<u8>> {
    input::read_file_bytes(path, MAX_PEM).map_err(|e| bad(format!("{}: {e}", path.display())))
}

fn bad(reason: String) -> poscore::Error {
    poscore::Error::from(TerminalError::BadRequest { field: "tls", reason })
}

pub fn run(c: &TlsCmd) -> poscore::Result<Output> {
    let TlsCmd::Pin { file } = c;
    let pins = poscore::terminal::driver::tls::spki_pins_pem(&read_pem(file)?).map_err(|e| bad(e.to_string()))?;
    let text = pins.join("\n");
    Ok(Output::new(json!({ "pins": pins }), text))
}
