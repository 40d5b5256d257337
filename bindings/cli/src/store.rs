//! `poscore store ...`: inspect and repair-check a file store (the terminal's journal) by hand.
//!
//! A sealed store needs its key in the environment variable `POSCORE_STORE_KEY` (64 hex digits):
//! a key on the command line would show in the process list and the shell history.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Subcommand;
use poscore::store::file::{FileStore, SealingKey};
use poscore::store::{Store, StoreError};
use serde_json::json;

use crate::Output;

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// List the keys (optionally under a prefix), in byte order.
    List {
        /// The store directory.
        #[arg(long)]
        dir: PathBuf,
        /// Only keys starting with this.
        #[arg(long, default_value = "")]
        prefix: String,
    },
    /// Print one record's value as hex.
    Get {
        /// The store directory.
        #[arg(long)]
        dir: PathBuf,
        /// The record key (e.g. `reversal/pending`).
        key: String,
    },
    /// Write one record (hex value), durably.
    Put {
        /// The store directory (created if missing).
        #[arg(long)]
        dir: PathBuf,
        /// The record key.
        key: String,
        /// The value, hex.
        #[arg(value_parser = parse_value)]
        value: HexValue,
    },
    /// Delete one record, durably.
    Delete {
        /// The store directory.
        #[arg(long)]
        dir: PathBuf,
        /// The record key.
        key: String,
    },
    /// Open the store (completing an interrupted batch) and verify every record's checksum
    /// and seal; fails with store.corrupt naming the first bad record.
    Check {
        /// The store directory.
        #[arg(long)]
        dir: PathBuf,
    },
}

/// A hex argument (a newtype: clap would read a bare `Vec<u8>` as many `u8` arguments).
#[derive(Debug, Clone)]
pub struct HexValue(Vec<u8>);

fn parse_value(s: &str) -> Result<HexValue, String> {
    parse_hex(s).map(HexValue)
}

fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() & 1 == 1 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("expected an even number of hex digits".into());
    }
    Ok((0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("checked hex")).collect())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

fn open(dir: &PathBuf) -> Result<FileStore, StoreError> {
    match std::env::var("POSCORE_STORE_KEY") {
        Ok(k) => {
            let key: [u8; 32] = parse_hex(&k)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or(StoreError::SealedKeyMismatch { reason: "POSCORE_STORE_KEY must be 64 hex digits (AES-256)" })?;
            FileStore::open_sealed(dir, SealingKey::from_bytes(key))
        }
        Err(_) => FileStore::open(dir),
    }
}

pub fn run(cmd: StoreCmd) -> poscore::Result<Output> {
    Ok(match cmd {
        StoreCmd::List { dir, prefix } => {
            let keys = open(&dir)?.list(&prefix)?;
            let text = keys.join("\n");
            Output::new(json!({ "keys": keys }), text)
        }
        StoreCmd::Get { dir, key } => match open(&dir)?.get(&key)? {
            Some(v) => Output::new(json!({ "key": key, "value": hex(&v) }), hex(&v)),
            None => Output::new(json!({ "key": key, "value": null }), "(no such record)"),
        },
        StoreCmd::Put { dir, key, value } => {
            let mut store = open(&dir)?;
            let before = store.fsyncs();
            store.put(&key, &value.0)?;
            let fsyncs = store.fsyncs() - before;
            Output::new(json!({ "key": key, "fsyncs": fsyncs }), format!("stored {key} ({fsyncs} fsyncs)"))
        }
        StoreCmd::Delete { dir, key } => {
            open(&dir)?.delete(&key)?;
            Output::new(json!({ "key": key }), format!("deleted {key}"))
        }
        StoreCmd::Check { dir } => {
            let store = open(&dir)?;
            let keys = store.list("")?;
            for key in &keys {
                store.get(key)?;
            }
            let n = keys.len();
            Output::new(
                json!({ "records": n, "sealed": store.is_sealed(), "recovery_fsyncs": store.fsyncs() }),
                format!("{n} records verified{}", if store.is_sealed() { " (sealed)" } else { "" }),
            )
        }
    })
}
