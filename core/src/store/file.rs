//! The file store: one directory, one file per record, crash-safe on POSIX file systems.
//!
//! # Layout
//!
//! ```text
//! <dir>/STORE            header: format version, sealed or not, key check value
//! <dir>/<hex(key)>.rec   one record per key
//! <dir>/batch.jnl        a committed batch not yet fully applied (only between steps / after a crash)
//! <dir>/*.tmp            files being written; never read, deleted on open
//! <dir>/LOCK             empty; locked (flock) while a handle has the store open
//! ```
//!
//! File names are the lowercase hex of the key, so keys that differ only in case stay distinct
//! on case-insensitive file systems (APFS, NTFS) and no key can name a path outside the directory.
//!
//! # Record format
//!
//! Records and the `STORE` header are encoded by [`RecordCodec`](super::record::RecordCodec),
//! the format every durable poscore store shares (checksummed, bound to their key, sealed with
//! AES-256-GCM when a key is given); see [`record`](super::record).
//!
//! # Atomicity and durability
//!
//! A **put** writes `<hex>.tmp`, `fsync`s it, renames it over `<hex>.rec` and `fsync`s the
//! directory: **2 fsyncs**. `rename` replaces the directory entry atomically, so after a crash
//! the key holds the old or the new complete record; the directory fsync makes the new entry
//! durable before `put` returns. A **delete** unlinks the record and `fsync`s the directory:
//! **1 fsync** (none when the key does not exist).
//!
//! A **batch** touching several keys uses a redo journal:
//!
//! 1. the final state of every key of the batch (the encoded, already sealed record bytes, or a
//!    delete marker) is written to `batch.tmp`, `fsync`ed, renamed to `batch.jnl`, and the
//!    directory `fsync`ed. **This rename is the commit point**: before it the batch does not
//!    exist (a leftover `batch.tmp` is deleted on open), after it the batch will happen;
//! 2. each put is applied like a single put but without its own directory fsync, deletes are
//!    unlinked, then the directory is `fsync`ed once;
//! 3. `batch.jnl` is unlinked, **without** a directory fsync of its own. Until the unlink is
//!    durable, power loss can bring the journal back and the next open replays it. That is
//!    harmless: replaying is idempotent, and the replayed values are still the current ones,
//!    because no later write has completed yet. Every later write ends with a directory fsync,
//!    and that fsync makes the unlink durable too, before the later write returns. The one
//!    write that may be in progress when the power fails has an unknown outcome anyway; the
//!    replay can only roll it back to its old value.
//!
//! On open, a present `batch.jnl` is verified (checksum) and replayed from step 2, and its removal
//! synced; replaying is idempotent, so a crash during recovery is recovered by the next open. A
//! batch of `p` puts and any number of deletes costs **`p + 3` fsyncs** (journal file, directory,
//! one per put, directory); a batch that collapses to one key costs what a put or a delete costs.
//!
//! This is the fewest this layout allows: the journal must be durable before any record is
//! renamed (else a partial batch could survive), and every record must be durable before the
//! journal's removal can be (else the batch could be lost half-applied). A reversal-first sale
//! that puts the pending reversal (2 fsyncs), then logs the approval and clears the reversal in
//! one batch (1 put, 1 delete: 4 fsyncs) costs 6 fsyncs.
//!
//! The store assumes what POSIX gives: `rename` within a directory is atomic, and data and
//! directory entries are durable after `fsync` of the file and of the directory. On non-Unix
//! systems directories cannot be opened for `fsync`, so the directory sync is skipped there
//! (NTFS journals its metadata).
//!
//! # One handle at a time
//!
//! An open store holds an exclusive advisory lock on `<dir>/LOCK` (`flock` on Unix, `LockFileEx`
//! on Windows), so a second process, or a second handle in the same one, gets
//! [`StoreError::InUse`] instead of running a second engine on the same journal (which would
//! reuse STANs and could send a reversal twice). The operating system drops the lock when the
//! process dies; a handle that crashed under fault injection drops it too, as a dead process
//! would.
//!
//! # Read-only
//!
//! [`FileStore::open_read_only`] is for tools that inspect a journal (`poscore store list`,
//! `get`, `check`): it never creates, deletes, renames or syncs anything. A missing directory or
//! one without a `STORE` header is [`StoreError::NotAStore`], not a new store; temp files are left
//! alone; a committed batch journal is not replayed but read as an overlay, so the handle shows
//! the state the next read-write open will recover to; and `LOCK` is locked shared, only when it
//! exists (a running terminal's exclusive lock makes the open [`StoreError::InUse`]). Writes are
//! [`StoreError::ReadOnly`].
//!
//! # Fault injection
//!
//! Every I/O step of a write goes through one place that consults an optional [`FailPoint`]
//! closure, which may let the step run, crash before it, or tear a write. The crash tests use it
//! to cut every put and batch at every step; in normal use the check is one `Option` test.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use super::record::{append_checksum, corrupt, verify_checksum, Reader, RecordCodec};
pub use super::record::{RandomFill, SealingKey};
use super::{validate_key, validate_prefix, Op, Store, StoreError};

const JOURNAL_MAGIC: &[u8; 4] = b"PSJ1";
const HEADER: &str = super::record::HEADER_NAME;
const JOURNAL: &str = "batch.jnl";
const LOCK: &str = "LOCK";
const JOURNAL_TMP: &str = "batch.tmp";
const OP_PUT: u8 = 1;
const OP_DELETE: u8 = 2;

/// One key's final state in a batch: its encoded record, or `None` for a delete.
type Entry = (String, Option<Vec<u8>>);

/// A fault-injection hook consulted before every I/O step of a write.
pub type FailPoint = Box<dyn FnMut(&IoStep) -> FailAction + Send>;

/// The kinds of I/O step a write is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoKind {
    /// Create a file and write its bytes.
    Write,
    /// `fsync` a file.
    SyncFile,
    /// Rename a file over another.
    Rename,
    /// `fsync` the directory.
    SyncDir,
    /// Unlink a file.
    Remove,
}

/// One I/O step about to run, as shown to a [`FailPoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoStep {
    /// Steps since the store was opened (or since the hook was set), from 0.
    pub index: u64,
    /// What the step does.
    pub kind: IoKind,
    /// The file name inside the store directory (`.` for the directory itself).
    pub file: String,
}

/// What a [`FailPoint`] decides for a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailAction {
    /// Run the step normally.
    Proceed,
    /// Power loss just before the step: it does not happen, nor does anything after it.
    Crash,
    /// For a [`IoKind::Write`]: only the first `n` bytes reach the file, then power loss.
    /// For any other step it is the same as [`FailAction::Crash`].
    TornWrite(usize),
}

/// How to open a [`FileStore`]; `Default` is an unsealed store without fault injection (as
/// insecure for a journal holding card data as [`FileStore::open_unsealed_insecure`]: set
/// `sealing_key`).
#[derive(Default)]
pub struct FileStoreOptions {
    /// Seal every record with this key. A sealed store can only be opened with the same key.
    pub sealing_key: Option<SealingKey>,
    /// Nonce randomness; `None` uses `ring::rand::SystemRandom`.
    pub random: Option<RandomFill>,
    /// Fault injection for crash tests, active from the first step of `open` (so recovery can be
    /// crashed too).
    pub fail_point: Option<FailPoint>,
}

impl fmt::Debug for FileStoreOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStoreOptions")
            .field("sealing_key", &self.sealing_key)
            .field("random", &self.random.as_ref().map(|_| "<fn>"))
            .field("fail_point", &self.fail_point.as_ref().map(|_| "<fn>"))
            .finish()
    }
}

/// A [`Store`] in one directory; see the [module docs](self) for the format and the protocol.
///
/// ```
/// use poscore::store::{file::FileStore, Op, Store};
/// # let dir = std::env::temp_dir().join(format!("poscore-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let mut store = FileStore::open_unsealed_insecure(&dir)?; // a terminal's journal: open_sealed
/// let before = store.fsyncs(); // creating the store synced its header and directories
/// store.put("counters/stan", b"000124")?;
/// assert_eq!(store.fsyncs() - before, 2); // temp file, then directory
/// store.apply(&[Op::put("txn/000124", b"approved".to_vec()), Op::delete("reversal/pending")])?;
/// drop(store);
/// let store = FileStore::open_unsealed_insecure(&dir)?;
/// assert_eq!(store.get("counters/stan")?, Some(b"000124".to_vec()));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), poscore::store::StoreError>(())
/// ```
pub struct FileStore {
    dir: PathBuf,
    codec: RecordCodec,
    fail_point: Option<FailPoint>,
    steps: u64,
    fsyncs: u64,
    /// Set after a simulated crash or a failure after a batch's commit point: the handle is
    /// unusable (as a crashed process would be) until the store is reopened and recovered.
    dead: Option<String>,
    /// The locked `LOCK` file while this handle is alive.
    lock: Option<fs::File>,
    /// `Some` for a read-only handle: the final state of each key in a committed batch journal
    /// that is not applied yet (the encoded record, or `None` for a delete), read over the files.
    read_only: Option<BTreeMap<String, Option<Vec<u8>>>>,
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("dir", &self.dir)
            .field("sealed", &self.codec.is_sealed())
            .field("fsyncs", &self.fsyncs)
            .field("dead", &self.dead)
            .finish_non_exhaustive()
    }
}

impl FileStore {
    /// Opens (creating if needed) an **unsealed** store in `dir`, completing any interrupted
    /// batch.
    ///
    /// Insecure for a terminal's journal: its records hold the PAN, field 55 and the reversal
    /// templates, and unsealed they rest in clear on the device's flash (PCI DSS 3.5). A
    /// terminal opens its journal with [`FileStore::open_sealed`]. This is for tests, and for
    /// tools working on stores that hold no card data or on data that is already sealed.
    pub fn open_unsealed_insecure(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(dir, FileStoreOptions::default())
    }

    /// Opens (creating if needed) a store sealed with `key` (AES-256-GCM), nonces from the
    /// system RNG: how a terminal opens its journal.
    pub fn open_sealed(dir: impl AsRef<Path>, key: SealingKey) -> Result<Self, StoreError> {
        Self::open_with(dir, FileStoreOptions { sealing_key: Some(key), ..FileStoreOptions::default() })
    }

    /// Opens with explicit options. On open: the header is checked (format, sealing key),
    /// leftover temp files are deleted, and a committed batch journal is replayed.
    pub fn open_with(dir: impl AsRef<Path>, options: FileStoreOptions) -> Result<Self, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        let codec = RecordCodec::new(options.sealing_key, options.random);
        let mut store = FileStore {
            dir,
            codec,
            fail_point: options.fail_point,
            steps: 0,
            fsyncs: 0,
            dead: None,
            lock: None,
            read_only: None,
        };
        store.recover()?;
        Ok(store)
    }

    /// Opens an existing store for reading only, sealed with `sealing_key` or unsealed (`None`):
    /// nothing in or around `dir` is created, deleted or synced (see [Read-only](self#read-only)).
    ///
    /// A missing directory or one without a `STORE` header is [`StoreError::NotAStore`]; a
    /// damaged header or batch journal is [`StoreError::Corrupt`], as on a read-write open.
    pub fn open_read_only(dir: impl AsRef<Path>, sealing_key: Option<SealingKey>) -> Result<Self, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        let not_a_store = |reason| StoreError::NotAStore { dir: dir.display().to_string(), reason };
        match fs::metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(not_a_store("not a directory")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(not_a_store("no such directory")),
            Err(e) => return Err(io_err("stat", &dir, e)),
        }
        let lock = lock_dir_shared(&dir)?;
        let codec = RecordCodec::new(sealing_key, None);
        match fs::read(dir.join(HEADER)) {
            Ok(bytes) => codec.check_header(&bytes)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(not_a_store("no STORE header")),
            Err(e) => return Err(io_err("read", &dir.join(HEADER), e)),
        }
        let pending = match fs::read(dir.join(JOURNAL)) {
            Ok(bytes) => decode_journal(&bytes)?.into_iter().collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(io_err("read", &dir.join(JOURNAL), e)),
        };
        Ok(FileStore { dir, codec, fail_point: None, steps: 0, fsyncs: 0, dead: None, lock, read_only: Some(pending) })
    }

    /// True for a handle from [`FileStore::open_read_only`].
    pub fn is_read_only(&self) -> bool {
        self.read_only.is_some()
    }

    /// `fsync` calls (files and directory) made by this handle, including recovery on open:
    /// the number the engine benchmark reports per transaction.
    pub fn fsyncs(&self) -> u64 {
        self.fsyncs
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// True when this store seals its records.
    pub fn is_sealed(&self) -> bool {
        self.codec.is_sealed()
    }

    /// Installs (or removes) a fault-injection hook; step indexes restart at 0.
    pub fn set_fail_point(&mut self, fail_point: Option<FailPoint>) {
        self.fail_point = fail_point;
        self.steps = 0;
    }

    // ---- open / recovery ----

    // The store names its own files, always in lowercase: exact suffix comparison is intended.
    #[allow(clippy::case_sensitive_file_extension_comparisons)]
    fn recover(&mut self) -> Result<(), StoreError> {
        let created = !self.dir.exists();
        if created {
            fs::create_dir_all(&self.dir).map_err(|e| io_err("create_dir", &self.dir, e))?;
        }
        self.lock = Some(lock_dir(&self.dir)?);
        let names = self.file_names()?;
        match fs::read(self.dir.join(HEADER)) {
            Ok(bytes) => self.codec.check_header(&bytes)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if names.iter().any(|n| n.ends_with(".rec") || n == JOURNAL) {
                    return Err(corrupt(HEADER, "header missing in a directory holding records"));
                }
                // Also when the directory existed: a crash may have cut a first open between
                // creating the directory and syncing its parent.
                self.create_header()?;
                self.sync_parent()?;
            }
            Err(e) => return Err(io_err("read", &self.dir.join(HEADER), e)),
        }
        // Temp files are writes that never reached their commit point (rename): discard them.
        // Their removal need not be durable: a resurrected one is removed again next time.
        for name in names.iter().filter(|n| n.ends_with(".tmp")) {
            self.remove(name)?;
        }
        match fs::read(self.dir.join(JOURNAL)) {
            Ok(bytes) => {
                let entries = decode_journal(&bytes)?;
                self.apply_entries(&entries, true)?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("read", &self.dir.join(JOURNAL), e)),
        }
        Ok(())
    }

    fn file_names(&self) -> Result<Vec<String>, StoreError> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(|e| io_err("read_dir", &self.dir, e))? {
            let entry = entry.map_err(|e| io_err("read_dir", &self.dir, e))?;
            if let Ok(name) = entry.file_name().into_string() {
                names.push(name);
            }
        }
        Ok(names)
    }

    fn create_header(&mut self) -> Result<(), StoreError> {
        let h = self.codec.header()?;
        let tmp = format!("{HEADER}.tmp");
        self.write_synced(&tmp, &h)?;
        self.rename(&tmp, HEADER)?;
        self.sync_dir()
    }

    // ---- write protocols ----

    fn put_one(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let record = self.codec.encode(key, value)?;
        let file = record_file(key);
        let tmp = tmp_file(key);
        self.write_synced(&tmp, &record)?;
        self.rename(&tmp, &file)?;
        self.sync_dir()
    }

    fn delete_one(&mut self, key: &str) -> Result<(), StoreError> {
        let file = record_file(key);
        if !self.dir.join(&file).exists() {
            // Every earlier write ended with a directory fsync, so the absence is durable already.
            return Ok(());
        }
        self.remove(&file)?;
        self.sync_dir()
    }

    /// Steps 2 and 3 of the batch protocol; also the recovery of a committed journal (which
    /// syncs the journal's removal: recovery has no caller write to carry it).
    fn apply_entries(&mut self, entries: &[Entry], sync_removal: bool) -> Result<(), StoreError> {
        for (key, record) in entries {
            let file = record_file(key);
            match record {
                Some(record) => {
                    let tmp = tmp_file(key);
                    self.write_synced(&tmp, record)?;
                    self.rename(&tmp, &file)?;
                }
                None => self.remove(&file)?,
            }
        }
        self.sync_dir()?;
        self.remove(JOURNAL)?;
        if sync_removal {
            self.sync_dir()?;
        }
        Ok(())
    }

    fn apply_batch(&mut self, ops: &[Op]) -> Result<(), StoreError> {
        // Collapse to the final state per key: the last op wins, and each file is written once.
        let mut last: BTreeMap<&str, Option<&[u8]>> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Put { key, value } => last.insert(key, Some(value)),
                Op::Delete { key } => last.insert(key, None),
            };
        }
        if last.len() == 1 {
            let (key, value) = last.into_iter().next().expect("one entry");
            return match value {
                Some(v) => self.put_one(key, v),
                None => self.delete_one(key),
            };
        }
        let mut entries = Vec::with_capacity(last.len());
        for (key, value) in last {
            let record = value.map(|v| self.codec.encode(key, v)).transpose()?;
            entries.push((key.to_string(), record));
        }
        let journal = encode_journal(&entries);
        self.write_synced(JOURNAL_TMP, &journal)?;
        self.rename(JOURNAL_TMP, JOURNAL)?;
        self.sync_dir()?;
        // Committed. A failure from here on leaves the journal in place: the handle must not be
        // used again (a later write could be undone by the stale journal), recovery finishes it.
        self.apply_entries(&entries, false).inspect_err(|e| {
            if self.dead.is_none() {
                self.dead = Some(format!("failure after a batch committed ({e}); reopen the store"));
                self.lock = None;
            }
        })
    }

    // ---- I/O steps, each consulting the fail point ----

    fn step(&mut self, kind: IoKind, file: &str) -> Result<FailAction, StoreError> {
        if let Some(why) = &self.dead {
            return Err(StoreError::Crashed { step: why.clone() });
        }
        let index = self.steps;
        self.steps += 1;
        let Some(hook) = self.fail_point.as_mut() else { return Ok(FailAction::Proceed) };
        let action = hook(&IoStep { index, kind, file: file.to_string() });
        match (action, kind) {
            (FailAction::Proceed, _) => Ok(FailAction::Proceed),
            (FailAction::TornWrite(n), IoKind::Write) => Ok(FailAction::TornWrite(n)),
            _ => Err(self.crash(index, kind, file)),
        }
    }

    fn crash(&mut self, index: u64, kind: IoKind, file: &str) -> StoreError {
        let step = format!("step {index} ({kind:?} {file})");
        self.dead = Some(format!("crashed at {step}"));
        self.lock = None; // a dead process holds no lock
        StoreError::Crashed { step }
    }

    fn write_synced(&mut self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.dir.join(name);
        let action = self.step(IoKind::Write, name)?;
        let mut f = fs::File::create(&path).map_err(|e| io_err("create", &path, e))?;
        if let FailAction::TornWrite(n) = action {
            let _ = f.write_all(&bytes[..n.min(bytes.len())]);
            return Err(self.crash(self.steps - 1, IoKind::Write, name));
        }
        f.write_all(bytes).map_err(|e| io_err("write", &path, e))?;
        self.step(IoKind::SyncFile, name)?;
        f.sync_all().map_err(|e| io_err("fsync", &path, e))?;
        self.fsyncs += 1;
        Ok(())
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), StoreError> {
        self.step(IoKind::Rename, to)?;
        fs::rename(self.dir.join(from), self.dir.join(to)).map_err(|e| io_err("rename", &self.dir.join(to), e))
    }

    fn remove(&mut self, name: &str) -> Result<(), StoreError> {
        self.step(IoKind::Remove, name)?;
        let path = self.dir.join(name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err("remove", &path, e)),
            _ => Ok(()),
        }
    }

    fn sync_dir(&mut self) -> Result<(), StoreError> {
        self.step(IoKind::SyncDir, ".")?;
        sync_directory(&self.dir)?;
        self.fsyncs += 1;
        Ok(())
    }

    /// Makes a newly created store directory's own entry durable in its parent.
    fn sync_parent(&mut self) -> Result<(), StoreError> {
        if let Some(parent) = self.dir.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf) {
            self.step(IoKind::SyncDir, "..")?;
            sync_directory(&parent)?;
            self.fsyncs += 1;
        }
        Ok(())
    }

    fn alive(&self) -> Result<(), StoreError> {
        match &self.dead {
            Some(why) => Err(StoreError::Crashed { step: why.clone() }),
            None => Ok(()),
        }
    }

    /// Refuses a write on a read-only handle, naming the first key it would have written.
    fn writable(&self, key: &str) -> Result<(), StoreError> {
        match self.read_only {
            Some(_) => Err(StoreError::ReadOnly { key: key.to_string() }),
            None => Ok(()),
        }
    }
}

impl Store for FileStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.alive()?;
        validate_key(key)?;
        if let Some(pending) = self.read_only.as_ref().and_then(|p| p.get(key)) {
            return pending.as_ref().map(|record| self.codec.decode(key, record)).transpose();
        }
        let path = self.dir.join(record_file(key));
        match fs::read(&path) {
            Ok(bytes) => self.codec.decode(key, &bytes).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("read", &path, e)),
        }
    }

    /// Lists from the directory alone: records are verified when read with `get`.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.alive()?;
        validate_prefix(prefix)?;
        let mut keys = Vec::new();
        for name in self.file_names()? {
            let Some(hex) = name.strip_suffix(".rec") else { continue };
            let key = unhex(hex)
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|k| validate_key(k).is_ok())
                .ok_or_else(|| corrupt(&name, "record file name is not a hex-encoded key"))?;
            if key.starts_with(prefix) {
                keys.push(key);
            }
        }
        if let Some(pending) = &self.read_only {
            // A committed batch not yet applied: its puts exist and its deletes do not.
            keys.retain(|k| !matches!(pending.get(k), Some(None)));
            keys.extend(pending.iter().filter(|(k, r)| r.is_some() && k.starts_with(prefix)).map(|(k, _)| k.clone()));
        }
        keys.sort_unstable();
        keys.dedup();
        Ok(keys)
    }

    fn apply(&mut self, ops: &[Op]) -> Result<(), StoreError> {
        self.alive()?;
        ops.iter().try_for_each(Op::validate)?;
        if let Some(op) = ops.first() {
            self.writable(op.key())?;
        }
        if ops.is_empty() {
            return Ok(());
        }
        self.apply_batch(ops)
    }

    fn put(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.alive()?;
        validate_key(key)?;
        self.writable(key)?;
        super::validate_value(key, value)?;
        self.put_one(key, value)
    }

    fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        self.alive()?;
        validate_key(key)?;
        self.writable(key)?;
        self.delete_one(key)
    }
}

// ---- encodings ----

fn encode_journal(entries: &[Entry]) -> Vec<u8> {
    let mut out = JOURNAL_MAGIC.to_vec();
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for (key, record) in entries {
        out.push(if record.is_some() { OP_PUT } else { OP_DELETE });
        out.extend_from_slice(&(key.len() as u16).to_be_bytes());
        out.extend_from_slice(key.as_bytes());
        if let Some(record) = record {
            out.extend_from_slice(&(record.len() as u32).to_be_bytes());
            out.extend_from_slice(record);
        }
    }
    append_checksum(&mut out);
    out
}

/// Parses a batch journal. A committed journal was fsynced before its rename, so a crash cannot
/// tear it: a bad one is reported as corruption, never half-applied.
fn decode_journal(bytes: &[u8]) -> Result<Vec<Entry>, StoreError> {
    let body = verify_checksum(JOURNAL, bytes)?;
    let mut r = Reader::new(JOURNAL, body);
    if r.take(4)? != JOURNAL_MAGIC {
        return Err(corrupt(JOURNAL, "not a poscore batch journal (or an unsupported version)"));
    }
    let count = r.u32()?;
    let mut entries = Vec::new();
    for _ in 0..count {
        let tag = r.u8()?;
        let klen = r.u16()? as usize;
        let key = std::str::from_utf8(r.take(klen)?)
            .ok()
            .filter(|k| validate_key(k).is_ok())
            .ok_or_else(|| corrupt(JOURNAL, "invalid key in journal"))?
            .to_string();
        let record = match tag {
            OP_PUT => {
                let len = r.u32()? as usize;
                Some(r.take(len)?.to_vec())
            }
            OP_DELETE => None,
            _ => return Err(corrupt(JOURNAL, "unknown journal operation")),
        };
        entries.push((key, record));
    }
    r.end()?;
    Ok(entries)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 15)] as char]).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

/// The file name holding `key`'s record inside the store directory (for tests and tools that
/// inspect the directory).
pub fn record_file_name(key: &str) -> String {
    record_file(key)
}

fn record_file(key: &str) -> String {
    format!("{}.rec", hex(key.as_bytes()))
}

fn tmp_file(key: &str) -> String {
    format!("{}.tmp", hex(key.as_bytes()))
}

fn io_err(op: &'static str, path: &Path, e: impl fmt::Display) -> StoreError {
    StoreError::Io { op, path: path.display().to_string(), message: e.to_string() }
}

/// Opens and locks `<dir>/LOCK` exclusively without waiting.
fn lock_dir(dir: &Path) -> Result<fs::File, StoreError> {
    let path = dir.join(LOCK);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_err("open", &path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(StoreError::InUse { name: dir.display().to_string() }),
        Err(fs::TryLockError::Error(e)) => Err(io_err("lock", &path, e)),
    }
}

/// Locks `<dir>/LOCK` shared without waiting, for a read-only handle: several readers may look
/// at once, none while a read-write handle (a running terminal) holds it. Without a `LOCK` file
/// there is nothing to lock, and a reader creates none.
fn lock_dir_shared(dir: &Path) -> Result<Option<fs::File>, StoreError> {
    let path = dir.join(LOCK);
    let file = match fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("open", &path, e)),
    };
    match file.try_lock_shared() {
        Ok(()) => Ok(Some(file)),
        Err(fs::TryLockError::WouldBlock) => Err(StoreError::InUse { name: dir.display().to_string() }),
        Err(fs::TryLockError::Error(e)) => Err(io_err("lock", &path, e)),
    }
}

#[cfg(unix)]
fn sync_directory(dir: &Path) -> Result<(), StoreError> {
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io_err("fsync", dir, e))
}

#[cfg(not(unix))]
fn sync_directory(_dir: &Path) -> Result<(), StoreError> {
    Ok(())
}
