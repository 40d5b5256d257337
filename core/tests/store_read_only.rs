//! `FileStore::open_read_only`: what tools that inspect a journal use. It never creates,
//! deletes or syncs anything, refuses what is not a store, shows a committed but unapplied batch
//! as the next read-write open will recover it, and refuses writes.
#![cfg(not(target_arch = "wasm32"))] // the file store: a file system, and a second handle on it

#[path = "support/store.rs"]
mod support;

use std::fs;
use std::path::{Path, PathBuf};

use poscore::store::file::{FailAction, FileStore, FileStoreOptions, IoKind, SealingKey};
use poscore::store::{Op, Store, StoreError};
use support::{TempDir, KEY};

/// Every file under `dir` with its bytes: what "changed nothing" is compared on.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = fs::read(&p).unwrap_or_default();
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn refuses_what_is_not_a_store_and_creates_nothing() {
    let tmp = TempDir::new("ro-not-a-store");
    let missing = tmp.path().join("missing");
    let e = FileStore::open_read_only(&missing, None).unwrap_err();
    assert!(matches!(&e, StoreError::NotAStore { reason: "no such directory", .. }), "{e}");
    assert_eq!(e.code(), "store.not_a_store");
    assert!(!missing.exists());

    let plain = tmp.path().join("plain");
    fs::create_dir(&plain).unwrap();
    fs::write(plain.join("draft.tmp"), b"not ours").unwrap();
    let before = contents(&plain);
    let e = FileStore::open_read_only(&plain, None).unwrap_err();
    assert!(matches!(&e, StoreError::NotAStore { reason: "no STORE header", .. }), "{e}");
    assert!(e.to_string().contains(&plain.display().to_string()), "{e}");
    assert_eq!(contents(&plain), before, "no STORE, no LOCK, temp file kept");

    let file = tmp.path().join("file");
    fs::write(&file, b"x").unwrap();
    assert!(matches!(
        FileStore::open_read_only(&file, None),
        Err(StoreError::NotAStore { reason: "not a directory", .. })
    ));
}

#[test]
fn reads_without_writing_and_refuses_writes() {
    let tmp = TempDir::new("ro-reads");
    let dir = tmp.path().join("store");
    let mut s = FileStore::open_sealed(&dir, SealingKey::from_bytes(KEY)).unwrap();
    s.put("txn/1", b"one").unwrap();
    s.put("txn/2", b"two").unwrap();
    drop(s);
    fs::write(dir.join("7478.tmp"), b"half a record").unwrap();
    fs::remove_file(dir.join("LOCK")).unwrap();
    let before = contents(&dir);

    let mut ro = FileStore::open_read_only(&dir, Some(SealingKey::from_bytes(KEY))).unwrap();
    assert!(ro.is_read_only() && ro.is_sealed());
    assert_eq!(ro.list("txn/").unwrap(), ["txn/1", "txn/2"]);
    assert_eq!(ro.get("txn/2").unwrap().as_deref(), Some(&b"two"[..]));
    assert_eq!(ro.get("nope").unwrap(), None);
    for e in [
        ro.put("txn/3", b"x").unwrap_err(),
        ro.delete("txn/1").unwrap_err(),
        ro.apply(&[Op::put("a", vec![1]), Op::delete("txn/1")]).unwrap_err(),
    ] {
        assert_eq!(e.code(), "store.read_only", "{e}");
    }
    assert_eq!(ro.fsyncs(), 0);
    drop(ro);
    assert_eq!(contents(&dir), before, "temp file kept, no LOCK created, nothing written");

    // The sealing key is checked as on a read-write open.
    assert_eq!(FileStore::open_read_only(&dir, None).unwrap_err().code(), "store.sealed_key_mismatch");
    let wrong = FileStore::open_read_only(&dir, Some(SealingKey::from_bytes([9; 32]))).unwrap_err();
    assert_eq!(wrong.code(), "store.sealed_key_mismatch");
}

#[test]
fn a_committed_batch_is_shown_as_recovery_will_apply_it_and_left_in_place() {
    let tmp = TempDir::new("ro-journal");
    let dir = tmp.path().join("store");
    let mut s = FileStore::open_unsealed_insecure(&dir).unwrap();
    s.put("reversal/pending", b"0400").unwrap();
    s.put("keep", b"k").unwrap();
    drop(s);
    // Crash right after the batch's commit point: batch.jnl is durable, no record renamed yet.
    let options = FileStoreOptions {
        fail_point: Some(Box::new(|step| {
            if step.kind == IoKind::Rename && Path::new(&step.file).extension().is_some_and(|e| e == "rec") {
                FailAction::Crash
            } else {
                FailAction::Proceed
            }
        })),
        ..FileStoreOptions::default()
    };
    let mut s = FileStore::open_with(&dir, options).unwrap();
    let e = s.apply(&[Op::put("txn/1", b"approved".to_vec()), Op::delete("reversal/pending")]).unwrap_err();
    assert_eq!(e.code(), "store.crashed");
    drop(s);
    assert!(dir.join("batch.jnl").exists());
    let before = contents(&dir);

    let ro = FileStore::open_read_only(&dir, None).unwrap();
    assert_eq!(ro.list("").unwrap(), ["keep", "txn/1"]);
    assert_eq!(ro.get("txn/1").unwrap().as_deref(), Some(&b"approved"[..]));
    assert_eq!(ro.get("reversal/pending").unwrap(), None);
    drop(ro);
    assert_eq!(contents(&dir), before, "the journal is read, not replayed");

    // The read-write open recovers to exactly what the read-only handle showed.
    let rw = FileStore::open_unsealed_insecure(&dir).unwrap();
    assert_eq!(rw.list("").unwrap(), ["keep", "txn/1"]);
    assert_eq!(rw.get("reversal/pending").unwrap(), None);
    assert!(!dir.join("batch.jnl").exists());
}

#[test]
fn readers_share_and_exclude_a_writer() {
    let tmp = TempDir::new("ro-lock");
    let dir = tmp.path().join("store");
    let writer = FileStore::open_unsealed_insecure(&dir).unwrap();
    assert_eq!(FileStore::open_read_only(&dir, None).unwrap_err().code(), "store.in_use");
    drop(writer);
    let a = FileStore::open_read_only(&dir, None).unwrap();
    let b = FileStore::open_read_only(&dir, None).unwrap();
    assert_eq!(FileStore::open_unsealed_insecure(&dir).unwrap_err().code(), "store.in_use");
    drop((a, b));
    FileStore::open_unsealed_insecure(&dir).unwrap();
}
