//! The journal: a small key/value store the terminal engine persists its state in.
//!
//! A terminal must survive power loss at any moment without losing a pending reversal (冲正),
//! reusing a STAN or forgetting an approval. The engine keeps that state as small records under
//! string keys (`reversal/pending`, `txn/000123`, `counters/stan`, `dukpt/state`) in a [`Store`]
//! the host provides. The core never touches files itself (it is sans-IO); it only needs the
//! guarantees below, which every implementation (memory, file, `IndexedDB`, Kotlin file store)
//! must give and which the shared [`conformance`] suite checks.
//!
//! # Durability contract
//!
//! - **When [`Store::put`], [`Store::delete`] or [`Store::apply`] returns `Ok`, the change is
//!   durable**: it survives a crash or power loss that happens afterwards. (For
//!   [`file::FileStore`] that means the data and the directory entry were `fsync`ed.)
//! - **Every write is atomic**: after a crash at any point during a call, a reader sees either
//!   the complete old state or the complete new state of the call, never a torn record. For
//!   [`Store::apply`] this holds across all keys of the batch: all of its operations are visible
//!   or none is.
//! - **When a write returns `Err`, the outcome is unknown** (the change may or may not have become
//!   durable, but it is never partial): callers that need to know reopen the store and read back.
//!   The engine is written so that either outcome is safe (reversal-first). After such an
//!   error a handle may refuse every further call (`store.crashed`): it cannot know what is on
//!   disk any more, so the host reopens the store, which completes or discards the write.
//! - **Reads never return damaged data**: a record that fails its checksum or authentication is
//!   reported as [`StoreError::Corrupt`], never returned.
//! - Writes are ordered: a write that returned `Ok` is never undone by a crash during a later one.
//!
//! # Keys and values
//!
//! Keys are 1 to [`MAX_KEY_LEN`] ASCII bytes from `A-Z a-z 0-9 - _ . /`, made of non-empty
//! segments separated by `/` (see [`validate_key`]). The restriction is deliberate: such keys
//! are valid file names once encoded, compare identically as bytes in Rust, as UTF-16 strings in
//! JS/IndexedDB and as Kotlin strings, so [`Store::list`] returns the same order everywhere.
//! Values are opaque bytes, at most [`MAX_VALUE_LEN`]; the journal holds small records.
//!
//! ```
//! use poscore::store::{MemoryStore, Op, Store};
//!
//! let mut store = MemoryStore::new();
//! store.put("reversal/pending", b"0400 for STAN 000123")?;
//! // Approval logged and pending reversal cleared together, or not at all.
//! store.apply(&[
//!     Op::put("txn/000123", b"approved".to_vec()),
//!     Op::delete("reversal/pending"),
//! ])?;
//! assert_eq!(store.get("reversal/pending")?, None);
//! assert_eq!(store.list("txn/")?, vec!["txn/000123".to_string()]);
//! # Ok::<(), poscore::store::StoreError>(())
//! ```

pub mod conformance;
#[cfg(feature = "std")]
pub mod file;
mod memory;
pub mod record;

use serde::{Deserialize, Serialize};

pub use memory::MemoryStore;

/// Longest key, in bytes. A hex-encoded key plus a suffix must stay within the 255-byte file
/// name limit of common file systems (ext4, APFS, NTFS).
pub const MAX_KEY_LEN: usize = 120;

/// Largest value, in bytes (1 MiB). Journal records are small; the cap keeps a runaway caller
/// from filling a terminal's flash through one record and bounds a batch journal's size.
pub const MAX_VALUE_LEN: usize = 1 << 20;

/// Errors from a [`Store`]. Every variant names the key or file involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The operating system refused an I/O step (disk full, permission, missing directory).
    #[error("store I/O error during {op} on {path}: {message}")]
    Io {
        /// The step that failed (`write`, `fsync`, `rename`, `read`, ...).
        op: &'static str,
        /// The file or directory involved.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A record (or the store's header or batch journal) failed its checksum, its
    /// authentication tag or its format check. The data is never returned.
    #[error("store record {key:?} is corrupt: {reason}")]
    Corrupt {
        /// The record's key, or the name of the damaged control file (`STORE`, `batch.jnl`).
        key: String,
        /// What check failed (`checksum mismatch`, `truncated`, `authentication failed`, ...).
        reason: String,
    },
    /// A sealed store was opened with a different key, without a key, or an unsealed store
    /// was opened with a key. Nothing is read or written.
    #[error("store sealing key mismatch: {reason}")]
    SealedKeyMismatch {
        /// Which of the three cases happened.
        reason: &'static str,
    },
    /// The key breaks the key rules (see [`validate_key`]).
    #[error("invalid store key {key:?}: {reason}")]
    InvalidKey {
        /// The key as given (keys hold no secrets).
        key: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The value is larger than [`MAX_VALUE_LEN`].
    #[error("value for {key:?} is {len} bytes, at most {max} allowed")]
    ValueTooLarge {
        /// The key being written.
        key: String,
        /// Size of the value given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Another handle already has this store open (the npm `IndexedDbStore` in a second browser
    /// tab): two engines on one journal would reuse STANs and send a reversal twice, so the
    /// second is refused until the first closes.
    #[error("store {name:?} is open elsewhere (another tab or process)")]
    InUse {
        /// The store's name or directory.
        name: String,
    },
    /// A journal store was asked to open unsealed without the explicit insecure opt-in (the npm
    /// `IndexedDbStore.open` without a `sealingKey` and without `insecureUnsealed: true`). The
    /// journal holds PANs, field 55 and reversal templates: stores are sealed unless the
    /// integrator says otherwise in words that cannot be missed
    /// ([`file::FileStore::open_unsealed_insecure`] in Rust).
    #[error(
        "store {name:?} would be unsealed: give a sealing key, or opt in to an insecure unsealed store explicitly"
    )]
    UnsealedRefused {
        /// The store's name or directory.
        name: String,
    },
    /// A read-only open ([`file::FileStore::open_read_only`]) found no store: the directory is
    /// missing, or holds no `STORE` header. Nothing was created or changed.
    #[error("{dir} is not a poscore store: {reason}")]
    NotAStore {
        /// The directory given.
        dir: String,
        /// What is missing (`no such directory`, `no STORE header`, ...).
        reason: &'static str,
    },
    /// A write to a store opened read-only ([`file::FileStore::open_read_only`]).
    #[error("store is open read-only: cannot write {key:?}")]
    ReadOnly {
        /// The key the refused write named.
        key: String,
    },
    /// A simulated crash from test fault injection ([`MemoryStore::crash_after_writes`],
    /// [`file::FileStore::set_fail_point`]). The store handle is dead from then on, as the
    /// process would be; reopen the store to continue.
    #[error("simulated crash at {step}")]
    Crashed {
        /// The I/O step at which the crash was injected.
        step: String,
    },
}

impl StoreError {
    /// A stable machine-readable code, the same on every surface (`store.corrupt`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "store.io",
            Self::Corrupt { .. } => "store.corrupt",
            Self::SealedKeyMismatch { .. } => "store.sealed_key_mismatch",
            Self::InvalidKey { .. } => "store.invalid_key",
            Self::ValueTooLarge { .. } => "store.value_too_large",
            Self::InUse { .. } => "store.in_use",
            Self::UnsealedRefused { .. } => "store.unsealed_refused",
            Self::NotAStore { .. } => "store.not_a_store",
            Self::ReadOnly { .. } => "store.read_only",
            Self::Crashed { .. } => "store.crashed",
        }
    }
}

/// One write inside a batch ([`Store::apply`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Create or replace the record under `key`.
    Put {
        /// The record's key.
        key: String,
        /// The new value.
        value: Vec<u8>,
    },
    /// Remove the record under `key` (no error when it does not exist).
    Delete {
        /// The record's key.
        key: String,
    },
}

impl Op {
    /// `Op::Put` from anything string-like.
    pub fn put(key: impl Into<String>, value: Vec<u8>) -> Self {
        Self::Put { key: key.into(), value }
    }

    /// `Op::Delete` from anything string-like.
    pub fn delete(key: impl Into<String>) -> Self {
        Self::Delete { key: key.into() }
    }

    /// The key this operation writes.
    pub fn key(&self) -> &str {
        match self {
            Self::Put { key, .. } | Self::Delete { key } => key,
        }
    }

    /// Checks the key rules and the value size, so a batch is refused before anything is written.
    pub fn validate(&self) -> Result<(), StoreError> {
        validate_key(self.key())?;
        if let Self::Put { key, value } = self {
            validate_value(key, value)?;
        }
        Ok(())
    }
}

/// The storage the engine journals its state in. Object-safe, so hosts pass a
/// `Box<dyn Store>` (and `UniFFI` / `wasm-bindgen` can forward it to a Kotlin or JS object).
///
/// Implementations must keep the durability contract of the [module docs](self) and pass
/// [`conformance::run_all`]. Only [`get`](Store::get), [`list`](Store::list) and
/// [`apply`](Store::apply) are required; `put` and `delete` default to one-operation batches and
/// exist separately so a store can make the common single-record write cheaper.
pub trait Store {
    /// The value under `key`, or `None` when there is no such record.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// All keys starting with `prefix` (`""` for all), in ascending byte order.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError>;

    /// Applies `ops` in order, atomically: after a crash either all of them are visible or
    /// none. When several ops touch one key, the last one wins. Every key and value is validated
    /// before anything is written, so an invalid op fails the whole batch with nothing applied.
    /// An empty batch is a no-op.
    fn apply(&mut self, ops: &[Op]) -> Result<(), StoreError>;

    /// Creates or replaces one record, durably and atomically.
    fn put(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.apply(&[Op::put(key, value.to_vec())])
    }

    /// Removes one record, durably. Deleting a missing key is not an error.
    fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        self.apply(&[Op::delete(key)])
    }
}

impl<S: Store + ?Sized> Store for Box<S> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(key)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        (**self).list(prefix)
    }
    fn apply(&mut self, ops: &[Op]) -> Result<(), StoreError> {
        (**self).apply(ops)
    }
    fn put(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        (**self).put(key, value)
    }
    fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        (**self).delete(key)
    }
}

impl<S: Store + ?Sized> Store for &mut S {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(key)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        (**self).list(prefix)
    }
    fn apply(&mut self, ops: &[Op]) -> Result<(), StoreError> {
        (**self).apply(ops)
    }
    fn put(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        (**self).put(key, value)
    }
    fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        (**self).delete(key)
    }
}

/// A store shared between its owner (the engine) and an observer (a crash test reading
/// [`MemoryStore::durable`], a benchmark reading [`file::FileStore::fsyncs`]).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use poscore::store::{MemoryStore, Store};
///
/// let shared = Arc::new(Mutex::new(MemoryStore::new()));
/// let mut for_engine: Box<dyn Store> = Box::new(shared.clone());
/// for_engine.put("counters/stan", b"000001")?;
/// assert_eq!(shared.lock().unwrap().writes(), 1);
/// # Ok::<(), poscore::store::StoreError>(())
/// ```
impl<S: Store + ?Sized> Store for std::sync::Arc<std::sync::Mutex<S>> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        lock(self).get(key)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        lock(self).list(prefix)
    }
    fn apply(&mut self, ops: &[Op]) -> Result<(), StoreError> {
        lock(self).apply(ops)
    }
    fn put(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        lock(self).put(key, value)
    }
    fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        lock(self).delete(key)
    }
}

/// A panic while the lock was held cannot leave a store half-written (each call is atomic), so
/// a poisoned lock is simply taken over.
fn lock<S: ?Sized>(m: &std::sync::Mutex<S>) -> std::sync::MutexGuard<'_, S> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Checks a key against the key rules: 1 to [`MAX_KEY_LEN`] bytes of `A-Z a-z 0-9 - _ . /`,
/// no empty segment (no leading, trailing or doubled `/`), and no `.` or `..` segment.
///
/// ```
/// use poscore::store::validate_key;
/// assert!(validate_key("txn/000123").is_ok());
/// assert_eq!(validate_key("txn//1").unwrap_err().code(), "store.invalid_key");
/// ```
pub fn validate_key(key: &str) -> Result<(), StoreError> {
    let bad = |reason| Err(StoreError::InvalidKey { key: key.to_string(), reason });
    if key.is_empty() {
        return bad("empty");
    }
    if key.len() > MAX_KEY_LEN {
        return bad("longer than 120 bytes");
    }
    if !key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/')) {
        return bad("only A-Z a-z 0-9 - _ . / are allowed");
    }
    for segment in key.split('/') {
        if segment.is_empty() {
            return bad("empty segment (leading, trailing or doubled '/')");
        }
        if segment == "." || segment == ".." {
            return bad("'.' and '..' segments are not allowed");
        }
    }
    Ok(())
}

/// Checks a value's size.
pub fn validate_value(key: &str, value: &[u8]) -> Result<(), StoreError> {
    validate_value_len(key, value.len())
}

/// Checks a value's size given only its length (for bindings, which need not copy the bytes in).
pub fn validate_value_len(key: &str, len: usize) -> Result<(), StoreError> {
    if len > MAX_VALUE_LEN {
        return Err(StoreError::ValueTooLarge { key: key.to_string(), len, max: MAX_VALUE_LEN });
    }
    Ok(())
}

/// Checks a list prefix: empty, or a key-shaped string that may end in `/`.
pub fn validate_prefix(prefix: &str) -> Result<(), StoreError> {
    if prefix.is_empty() {
        return Ok(());
    }
    validate_key(prefix.strip_suffix('/').unwrap_or(prefix)).map_err(|e| match e {
        StoreError::InvalidKey { reason, .. } => StoreError::InvalidKey { key: prefix.to_string(), reason },
        other => other,
    })
}
