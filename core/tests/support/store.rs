//! Conformance backends for the memory and file stores, shared by the store test files.
#![allow(dead_code)] // each test file uses part of this

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use poscore::store::conformance::{Backend, Damage};
use poscore::store::file::{self, FileStore, SealingKey};
use poscore::store::{MemoryStore, Store, StoreError};

/// A temporary directory removed on drop (no tempfile crate: std is enough for this).
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "poscore-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug)]
pub struct MemoryBackend;

impl Backend for MemoryBackend {
    fn fresh(&mut self) -> Box<dyn Store> {
        Box::new(MemoryStore::new())
    }
}

/// Test sealing key (not a secret: tests only).
pub const KEY: [u8; 32] = [0x42; 32];

#[derive(Debug)]
pub struct FileBackend {
    root: TempDir,
    n: u32,
    sealed: bool,
}

impl FileBackend {
    pub fn new(sealed: bool) -> Self {
        Self { root: TempDir::new(if sealed { "sealed" } else { "file" }), n: 0, sealed }
    }

    pub fn dir(&self) -> PathBuf {
        self.root.path().join(format!("s{}", self.n))
    }

    fn open(&self, key: Option<[u8; 32]>) -> Result<Box<dyn Store>, StoreError> {
        let store = match key {
            Some(k) => FileStore::open_sealed(self.dir(), SealingKey::from_bytes(k))?,
            None => FileStore::open_unsealed_insecure(self.dir())?,
        };
        Ok(Box::new(store))
    }
}

impl Backend for FileBackend {
    fn fresh(&mut self) -> Box<dyn Store> {
        self.n += 1;
        self.open(self.sealed.then_some(KEY)).expect("open fresh store")
    }

    fn reopen(&mut self) -> Option<Result<Box<dyn Store>, StoreError>> {
        Some(self.open(self.sealed.then_some(KEY)))
    }

    fn damage(&mut self, key: &str, damage: &Damage) -> bool {
        let path = self.dir().join(file::record_file_name(key));
        let mut bytes = std::fs::read(&path).expect("record to damage exists");
        match damage {
            Damage::FlipByte => {
                let mid = bytes.len() / 2;
                bytes[mid] ^= 0xFF;
            }
            Damage::Truncate => bytes.truncate(bytes.len() / 2),
            Damage::Empty => bytes.clear(),
            Damage::CopyFrom { from } => {
                bytes = std::fs::read(self.dir().join(file::record_file_name(from))).expect("source record exists");
            }
        }
        std::fs::write(&path, bytes).unwrap();
        true
    }

    fn reopen_with_wrong_key(&mut self) -> Option<Result<Box<dyn Store>, StoreError>> {
        let mut wrong = KEY;
        wrong[31] ^= 1;
        self.sealed.then(|| self.open(Some(wrong)))
    }

    fn capabilities(&self) -> Vec<&'static str> {
        if self.sealed {
            vec!["reopen", "damage", "sealed"]
        } else {
            vec!["reopen", "damage"]
        }
    }
}

/// What a store holds: key → value.
pub type Model = std::collections::BTreeMap<String, Vec<u8>>;

/// Everything the store holds, read record by record: any corrupt record fails the test.
pub fn contents(store: &FileStore) -> Model {
    store
        .list("")
        .unwrap()
        .into_iter()
        .map(|k| {
            let v = store.get(&k).unwrap_or_else(|e| panic!("{k}: {e}")).expect("listed key exists");
            (k, v)
        })
        .collect()
}
