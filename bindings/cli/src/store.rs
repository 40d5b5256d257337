//! `poscore store ...`: inspect and repair-check a file store (the terminal's journal) by hand.
//!
//! A sealed store needs its key, and never on the command line (it would show in the process
//! list and the shell history): `--key-file PATH` or the environment variable
//! `POSCORE_STORE_KEY_FILE` names a file holding it (64 hex digits, or exactly 32 raw bytes);
//! `POSCORE_STORE_KEY` may hold the 64 hex digits themselves. The demo's journal
//! (`poscore demo --data-dir D`, in `D/journal`) is sealed with the public demo key, the 32 ASCII
//! bytes `poscore-demo-journal-sealing-key`: a file with exactly those bytes opens it.
//!
//! `list`, `get` and `check` only read: they open the store read-only
//! ([`FileStore::open_read_only`]), so pointing them at a directory that is not a store, or at a
//! store with leftovers of a crash, changes nothing. `check --recover` and `delete` write, but
//! only to an existing store; `put` creates the store if needed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use poscore::store::file::{FileStore, SealingKey};
use poscore::store::{Store, StoreError};
use serde_json::json;

use crate::{input, Output};

/// Where the store is and how to open it; shared by every `store` subcommand.
#[derive(Debug, clap::Args)]
pub struct StoreAt {
    /// The store directory.
    #[arg(long)]
    dir: PathBuf,
    /// File holding the sealing key of a sealed store: 64 hex digits or exactly 32 raw bytes
    /// (default: the file named by `POSCORE_STORE_KEY_FILE`). The key itself is never an argument.
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// List the keys (optionally under a prefix), in byte order.
    List {
        #[command(flatten)]
        at: StoreAt,
        /// Only keys starting with this.
        #[arg(long, default_value = "")]
        prefix: String,
    },
    /// Print one record's value as hex.
    Get {
        #[command(flatten)]
        at: StoreAt,
        /// The record key (e.g. `reversal/pending`).
        key: String,
    },
    /// Write one record (hex value), durably; creates the store if `--dir` holds none yet.
    Put {
        #[command(flatten)]
        at: StoreAt,
        /// The record key.
        key: String,
        /// The value, hex.
        #[arg(value_parser = parse_value)]
        value: HexValue,
    },
    /// Delete one record, durably.
    Delete {
        #[command(flatten)]
        at: StoreAt,
        /// The record key.
        key: String,
    },
    /// Verify every record's checksum and seal (read-only; a batch interrupted by a crash is
    /// read, not completed); fails with store.corrupt naming the first bad record.
    Check {
        #[command(flatten)]
        at: StoreAt,
        /// Also recover: complete an interrupted batch and delete temp files, as the terminal's
        /// next open would.
        #[arg(long)]
        recover: bool,
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

/// The sealing key, from `--key-file`, else the file `POSCORE_STORE_KEY_FILE` names, else the hex
/// in `POSCORE_STORE_KEY`; `None` for an unsealed store.
fn sealing_key(at: &StoreAt) -> Result<Option<SealingKey>, StoreError> {
    sealing_key_from(at.key_file.clone())
}

/// [`sealing_key`] for any command that opens a journal (`poscore terminal` too).
pub(crate) fn sealing_key_from(key_file: Option<PathBuf>) -> Result<Option<SealingKey>, StoreError> {
    let key_file = key_file.or_else(|| std::env::var_os("POSCORE_STORE_KEY_FILE").map(PathBuf::from));
    if let Some(path) = key_file {
        return read_key_file(&path).map(Some);
    }
    match std::env::var("POSCORE_STORE_KEY") {
        Ok(k) => {
            let bad = || StoreError::SealedKeyMismatch { reason: "POSCORE_STORE_KEY must be 64 hex digits (AES-256)" };
            let bytes = parse_hex(&k).map_err(|_| bad())?;
            SealingKey::from_vec(bytes).map(Some).map_err(|_| bad())
        }
        Err(_) => Ok(None),
    }
}

/// A key file holds the AES-256 key as 64 hex digits (whitespace around them ignored) or as
/// exactly 32 raw bytes. Read with a small cap: a key file is never large.
fn read_key_file(path: &Path) -> Result<SealingKey, StoreError> {
    let bytes = input::read_file_bytes(path, 1024).map_err(|e| StoreError::Io {
        op: "read key file",
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let hex_key = std::str::from_utf8(&bytes).ok().and_then(|t| parse_hex(t.trim()).ok()).filter(|b| b.len() == 32);
    // from_vec wipes the key bytes it is handed, whatever their length.
    SealingKey::from_vec(hex_key.unwrap_or(bytes)).map_err(|_| StoreError::SealedKeyMismatch {
        reason: "the key file must hold 64 hex digits or exactly 32 bytes (AES-256)",
    })
}

/// For the commands that only read: nothing in or around the directory is created or changed.
fn open_read_only(at: &StoreAt) -> Result<FileStore, StoreError> {
    FileStore::open_read_only(&at.dir, sealing_key(at)?)
}

/// For the commands that write. The directory must already hold a store, checked read-only
/// first, so that a wrong `--dir` is refused before anything is written or deleted there (a
/// read-write open deletes `*.tmp` files). With `create` (`put`), a missing or empty directory
/// becomes a new store.
fn open_read_write(at: &StoreAt, create: bool) -> Result<FileStore, StoreError> {
    let fresh = create
        && match std::fs::read_dir(&at.dir) {
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
            // `LOCK` alone: a first open that stopped before writing the header.
            Ok(mut entries) => entries.all(|e| e.is_ok_and(|e| e.file_name() == "LOCK")),
        };
    if !fresh {
        drop(open_read_only(at)?);
    }
    match sealing_key(at)? {
        Some(key) => FileStore::open_sealed(&at.dir, key),
        None => FileStore::open_unsealed_insecure(&at.dir),
    }
}

pub fn run(cmd: StoreCmd) -> poscore::Result<Output> {
    Ok(match cmd {
        StoreCmd::List { at, prefix } => {
            let keys = open_read_only(&at)?.list(&prefix)?;
            let text = keys.join("\n");
            Output::new(json!({ "keys": keys }), text)
        }
        StoreCmd::Get { at, key } => match open_read_only(&at)?.get(&key)? {
            Some(v) => Output::new(json!({ "key": key, "value": hex(&v) }), hex(&v)),
            None => Output::new(json!({ "key": key, "value": null }), "(no such record)"),
        },
        StoreCmd::Put { at, key, value } => {
            let mut store = open_read_write(&at, true)?;
            let before = store.fsyncs();
            store.put(&key, &value.0)?;
            let fsyncs = store.fsyncs() - before;
            Output::new(json!({ "key": key, "fsyncs": fsyncs }), format!("stored {key} ({fsyncs} fsyncs)"))
        }
        StoreCmd::Delete { at, key } => {
            open_read_write(&at, false)?.delete(&key)?;
            Output::new(json!({ "key": key }), format!("deleted {key}"))
        }
        StoreCmd::Check { at, recover } => {
            let store = if recover { open_read_write(&at, false)? } else { open_read_only(&at)? };
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
