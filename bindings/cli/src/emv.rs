//! `poscore emv arqc|arpc`: the issuer side of EMV cryptograms, for a support desk checking a
//! card's ARQC or computing the ARPC an issuer should have sent. Hex in and out is uppercase.
//!
//! Like the other crypto tools this takes the issuer master key in the clear on the command line:
//! a lab bench and test-card tool, never something a production host does.

use std::fmt::Write as _;

use clap::{Args, Subcommand};
use poscore::emv::{self, ArpcData, Cvn, EmvError, Issuer};
use poscore::keys::{hex_decode, hex_encode, Algorithm, Key, KeyError, KeyUsage};
use serde_json::json;

use crate::Output;

/// The card and transaction every `poscore emv` command starts from.
#[derive(Debug, Args)]
pub struct CardArgs {
    /// Issuer master key for application cryptograms (IMK-AC), 2TDEA, hex.
    #[arg(long)]
    imk: String,
    /// The card's PAN (tag 5A, without its F padding), 1-19 digits.
    #[arg(long)]
    pan: String,
    /// PAN sequence number (tag 5F34), 2 digits (00 when the card has none).
    #[arg(long)]
    psn: String,
    /// Application transaction counter (tag 9F36), 2 bytes hex.
    #[arg(long)]
    atc: String,
    /// Cryptogram version number: 10 (Visa CVN 10) or 18 (Visa CVN 18).
    #[arg(long)]
    cvn: u32,
}

#[derive(Debug, Subcommand)]
pub enum EmvCmd {
    /// Compute the ARQC of a transaction (ICC master key, session key, ARQC), or with --arqc
    /// verify a card's ARQC (exit status 1 when it does not match).
    Arqc {
        #[command(flatten)]
        card: CardArgs,
        /// The ARQC's input data, hex: 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36 values, then
        /// the CVR (CVN 10) or the whole 9F10 (CVN 18).
        #[arg(long)]
        data: String,
        /// A card's ARQC (tag 9F26, 8 bytes hex) to verify instead of printing the computed one.
        #[arg(long)]
        arqc: Option<String>,
    },
    /// Compute the ARPC answering an ARQC: method 1 (CVN 10, --arc) or method 2 (CVN 18, --csu
    /// and optional --prop-auth-data).
    Arpc {
        #[command(flatten)]
        card: CardArgs,
        /// The card's ARQC (tag 9F26), 8 bytes hex.
        #[arg(long)]
        arqc: String,
        /// Authorisation response code (tag 8A), 2 bytes hex, e.g. 3030 for "00" (CVN 10).
        #[arg(long)]
        arc: Option<String>,
        /// Card status update, 4 bytes hex (CVN 18).
        #[arg(long)]
        csu: Option<String>,
        /// Proprietary authentication data, 0-8 bytes hex (CVN 18).
        #[arg(long)]
        prop_auth_data: Option<String>,
    },
}

/// Hex of the input `field`, with errors naming it.
fn hex(field: &'static str, value: &str) -> poscore::Result<Vec<u8>> {
    hex_decode(value).map_err(|e| EmvError::from_hex_error(field, e))
}

fn opt_hex(field: &'static str, value: Option<&String>) -> poscore::Result<Option<Vec<u8>>> {
    value.map(|v| hex(field, v)).transpose()
}

/// The parsed common arguments: the issuer, the CVN and the ATC (the core checks its length).
fn card(a: &CardArgs) -> poscore::Result<(Issuer, Cvn, Vec<u8>)> {
    let imk_bytes = hex("imk", &a.imk)?;
    let imk =
        Key::dangerous_from_bytes(Algorithm::Tdes2, KeyUsage::IssuerMasterKey, &imk_bytes).map_err(|e| match e {
            KeyError::BadLength { len, .. } => {
                EmvError::BadLength { field: "imk", len, expected: "16 bytes (2TDEA)" }.into()
            }
            other => poscore::Error::from(other),
        })?;
    Ok((Issuer::new(imk)?, Cvn::from_number(a.cvn)?, hex("atc", &a.atc)?))
}

#[allow(clippy::similar_names)] // ARQC, ARC and ARPC are the EMV names
pub fn run(cmd: EmvCmd) -> poscore::Result<Output> {
    match cmd {
        EmvCmd::Arqc { card: a, data, arqc } => {
            let (issuer, cvn, atc) = card(&a)?;
            let data = hex("data", &data)?;
            let received = opt_hex("arqc", arqc.as_ref())?;
            let mk = issuer.icc_master_key(&a.pan, &a.psn, cvn)?;
            let sk = emv::session_key(&mk, cvn, &atc)?;
            let computed = emv::arqc(&sk, cvn, &data)?;
            let mut j = json!({
                "icc_master_key": hex_encode(mk.dangerous_reveal()),
                "session_key": hex_encode(sk.dangerous_reveal()),
                "arqc": hex_encode(&computed),
            });
            let mut text = String::new();
            let _ = writeln!(text, "icc master key  {}", j["icc_master_key"].as_str().unwrap_or(""));
            let _ = writeln!(text, "session key     {}", j["session_key"].as_str().unwrap_or(""));
            if let Some(received) = received {
                // Constant time, and nothing but "mismatch" on failure (exit status 1).
                emv::verify_arqc(&sk, cvn, &data, &received)?;
                j["verified"] = json!(true);
                let _ = writeln!(text, "arqc            {} verifies ({cvn})", hex_encode(&received));
            } else {
                let _ = writeln!(text, "arqc            {}", j["arqc"].as_str().unwrap_or(""));
            }
            Ok(Output::new(j, text))
        }
        EmvCmd::Arpc { card: a, arqc, arc, csu, prop_auth_data } => {
            let (issuer, cvn, atc) = card(&a)?;
            let arqc = hex("arqc", &arqc)?;
            let (arc, csu, prop) = (
                opt_hex("arc", arc.as_ref())?,
                opt_hex("csu", csu.as_ref())?,
                opt_hex("prop-auth-data", prop_auth_data.as_ref())?,
            );
            let response = ArpcData::for_cvn(cvn, arc.as_deref(), csu.as_deref(), prop.as_deref())?;
            let arpc = issuer.arpc(&a.pan, &a.psn, &atc, &arqc, cvn, &response)?;
            let tag91 = hex_encode(&response.issuer_authentication_data(&arpc));
            let text = format!(
                "arpc            {} (method {})\ntag 91          {tag91}",
                hex_encode(&arpc),
                response.method()
            );
            Ok(Output::new(json!({ "arpc": hex_encode(&arpc) }), text))
        }
    }
}
