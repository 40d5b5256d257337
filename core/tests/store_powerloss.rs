//! Power-loss simulation for the file store, stricter than `store_crash.rs`: it models what a
//! POSIX file system may lose, not only where the process stops.
//!
//! The fail point sees every I/O step, so this test keeps a model of the disk alongside:
//! - file contents are durable only once the file was `fsync`ed (otherwise, after power loss a
//!   file may be empty, torn or complete);
//! - directory changes (create, rename, unlink) are durable only once the directory was
//!   `fsync`ed; until then ANY subset of them may survive, in any combination (no ordering
//!   between them is assumed).
//!
//! A schedule runs a random history of writes with the power cut at a random step (or after
//! the last write), builds one possible post-power-loss directory from the model, writes it
//! out, cuts the power again at a random step of the recovery, and finally opens the store
//! cleanly. The store must open without error, every record must read back (no corruption),
//! and the contents must equal the model after all writes that returned `Ok`, optionally plus
//! the write that was in progress.
#![cfg(not(target_arch = "wasm32"))] // the file store: a file system and fail points on it

#[path = "support/store.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use poscore::store::file::{FailAction, FileStore, FileStoreOptions, IoKind, IoStep, SealingKey};
use poscore::store::{Op, Store};
use proptest::prelude::*;
use support::{contents, Model, TempDir, KEY};

/// One directory change not yet made durable by a directory fsync.
#[derive(Debug, Clone)]
enum DirOp {
    Link(String, usize),
    Rename(String, String),
    Unlink(String),
}

/// The disk model: names point to inodes; an inode's durable content is known once synced.
#[derive(Debug, Default)]
struct Disk {
    dir: PathBuf,
    /// Durable content per inode (`None`: never synced).
    inodes: Vec<Option<Vec<u8>>>,
    /// The namespace as the running process sees it.
    live: BTreeMap<String, usize>,
    /// The namespace as of the last directory fsync.
    durable: BTreeMap<String, usize>,
    /// Directory changes since then.
    pending: Vec<DirOp>,
    /// Cut the power before this step (step indexes count from the hook's installation).
    cut_at: Option<u64>,
    cut: bool,
}

fn rename_source(to: &str) -> String {
    match to {
        "batch.jnl" => "batch.tmp".to_string(),
        "STORE" => "STORE.tmp".to_string(),
        rec => rec.replace(".rec", ".tmp"),
    }
}

impl Disk {
    /// Starts from a directory whose current contents are all durable (a clean state).
    fn from_dir(dir: &Path) -> Self {
        let mut disk = Disk { dir: dir.to_path_buf(), ..Disk::default() };
        if dir.exists() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let name = entry.file_name().into_string().unwrap();
                disk.inodes.push(Some(std::fs::read(entry.path()).unwrap()));
                disk.live.insert(name.clone(), disk.inodes.len() - 1);
                disk.durable.insert(name, disk.inodes.len() - 1);
            }
        }
        disk
    }

    fn step(&mut self, s: &IoStep) -> FailAction {
        if self.cut || self.cut_at == Some(s.index) {
            self.cut = true;
            return FailAction::Crash;
        }
        match s.kind {
            IoKind::Write => {
                self.inodes.push(None);
                let ino = self.inodes.len() - 1;
                self.live.insert(s.file.clone(), ino);
                self.pending.push(DirOp::Link(s.file.clone(), ino));
            }
            IoKind::SyncFile => {
                let ino = self.live[&s.file];
                self.inodes[ino] = Some(std::fs::read(self.dir.join(&s.file)).unwrap());
            }
            IoKind::Rename => {
                let from = rename_source(&s.file);
                let ino = self.live.remove(&from).expect("rename source exists");
                self.live.insert(s.file.clone(), ino);
                self.pending.push(DirOp::Rename(from, s.file.clone()));
            }
            IoKind::Remove => {
                if self.live.remove(&s.file).is_some() {
                    self.pending.push(DirOp::Unlink(s.file.clone()));
                }
            }
            IoKind::SyncDir => {
                if s.file == "." {
                    self.durable = self.live.clone();
                    self.pending.clear();
                }
            }
        }
        FailAction::Proceed
    }

    /// One possible disk after power loss: a random subset of the pending directory changes
    /// survives, and every never-synced file is empty, torn or complete. Replaces the
    /// directory's contents with it.
    fn power_loss(&self, rng: &mut impl FnMut() -> u64) {
        let mut names = self.durable.clone();
        for op in &self.pending {
            if rng().is_multiple_of(2) {
                continue; // this change was lost
            }
            match op {
                DirOp::Link(name, ino) => {
                    names.insert(name.clone(), *ino);
                }
                DirOp::Rename(from, to) => {
                    if let Some(ino) = names.remove(from) {
                        names.insert(to.clone(), ino);
                    }
                }
                DirOp::Unlink(name) => {
                    names.remove(name);
                }
            }
        }
        let mut files = Vec::new();
        for (name, ino) in &names {
            let bytes = if let Some(b) = &self.inodes[*ino] {
                b.clone()
            } else {
                // Unsynced: whatever of the written bytes reached the disk.
                let written = self
                    .live
                    .iter()
                    .find(|(_, i)| *i == ino)
                    .and_then(|(n, _)| std::fs::read(self.dir.join(n)).ok())
                    .unwrap_or_default();
                let keep = match rng() % 3 {
                    0 => 0,
                    1 => (rng() as usize) % (written.len() + 1),
                    _ => written.len(),
                };
                written[..keep].to_vec()
            };
            files.push((name.clone(), bytes));
        }
        std::fs::remove_dir_all(&self.dir).unwrap();
        std::fs::create_dir_all(&self.dir).unwrap();
        for (name, bytes) in files {
            std::fs::write(self.dir.join(name), bytes).unwrap();
        }
    }
}

fn options(sealed: bool, disk: &Arc<Mutex<Disk>>) -> FileStoreOptions {
    let disk = disk.clone();
    FileStoreOptions {
        sealing_key: sealed.then(|| SealingKey::from_bytes(KEY)),
        random: None,
        fail_point: Some(Box::new(move |s: &IoStep| disk.lock().unwrap().step(s))),
    }
}

fn apply_model(model: &mut Model, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Put { key, value } => model.insert(key.clone(), value.clone()),
            Op::Delete { key } => model.remove(key),
        };
    }
}

fn write(store: &mut FileStore, ops: &[Op], single: bool) -> Result<(), poscore::store::StoreError> {
    match (single, ops) {
        (true, [Op::Put { key, value }]) => store.put(key, value),
        (true, [Op::Delete { key }]) => store.delete(key),
        _ => store.apply(ops),
    }
}

fn key() -> impl Strategy<Value = String> {
    (prop::sample::select(vec!["txn", "reversal", "counters"]), 0u8..3).prop_map(|(p, n)| format!("{p}/{n}"))
}

fn write_strategy() -> impl Strategy<Value = (Vec<Op>, bool)> {
    let op = prop_oneof![
        3 => (key(), prop::collection::vec(any::<u8>(), 0..64)).prop_map(|(k, v)| Op::put(k, v)),
        1 => key().prop_map(Op::delete),
    ];
    prop_oneof![
        2 => op.clone().prop_map(|o| (vec![o], true)),
        3 => prop::collection::vec(op, 0..5).prop_map(|ops| (ops, false)),
    ]
}

/// Runs one schedule; returns (steps before the cut, whether the cut interrupted a write).
fn schedule(
    dir: &Path,
    sealed: bool,
    writes: &[(Vec<Op>, bool)],
    cut_at: u64,
    recovery_cut_at: u64,
    seed: u64,
) -> Result<(), TestCaseError> {
    let mut state = seed | 1;
    let mut rng = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Models after each write: completed[i] is the state after the first i writes.
    let mut models = vec![Model::new()];
    let disk = Arc::new(Mutex::new(Disk::from_dir(dir)));
    disk.lock().unwrap().cut_at = Some(cut_at);
    let mut completed = 0;
    let mut interrupted = false;
    if let Ok(mut store) = FileStore::open_with(dir, options(sealed, &disk)) {
        for (ops, single) in writes {
            let mut next = models.last().unwrap().clone();
            apply_model(&mut next, ops);
            models.push(next);
            match write(&mut store, ops, *single) {
                Ok(()) => completed += 1,
                Err(e) => {
                    prop_assert_eq!(e.code(), "store.crashed");
                    interrupted = true;
                    break;
                }
            }
        }
    }
    disk.lock().unwrap().power_loss(&mut rng);

    // The power fails again during recovery, then a clean open.
    let disk = Arc::new(Mutex::new(Disk::from_dir(dir)));
    disk.lock().unwrap().cut_at = Some(recovery_cut_at);
    if let Ok(store) = FileStore::open_with(dir, options(sealed, &disk)) {
        drop(store);
    }
    disk.lock().unwrap().power_loss(&mut rng);

    let reopened = if sealed {
        FileStore::open_sealed(dir, SealingKey::from_bytes(KEY))
    } else {
        FileStore::open_unsealed_insecure(dir)
    };
    let store = match reopened {
        Ok(s) => s,
        Err(e) => return Err(TestCaseError::fail(format!("open after power loss: {e}"))),
    };
    let got = contents(&store);
    let ok = got == models[completed] || (interrupted && got == models[completed + 1]);
    prop_assert!(
        ok,
        "cut at {cut_at} after {completed} completed writes (interrupted: {interrupted}): got {got:?}\n\
         expected {:?}{}",
        models[completed],
        if interrupted { format!("\n      or {:?}", models[completed + 1]) } else { String::new() }
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn power_loss_schedules(
        writes in prop::collection::vec(write_strategy(), 1..6),
        cut_at in 0u64..60,
        recovery_cut_at in 0u64..30,
        seed: u64,
        sealed: bool,
    ) {
        let tmp = TempDir::new("power");
        schedule(&tmp.path().join("store"), sealed, &writes, cut_at, recovery_cut_at, seed)?;
    }
}
