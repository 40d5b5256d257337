//! The conformance suite against every Rust store, and file-store specifics: fsync counts,
//! recovery on open, sealing, and corruption found in arbitrary bytes without panicking.
#![cfg_attr(target_arch = "wasm32", allow(unused_imports, dead_code))] // the file store's tests are gated

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/store.rs"]
mod support;

use std::fs;

use poscore::store::conformance;
use poscore::store::file::{self, FileStore, FileStoreOptions, SealingKey};
use poscore::store::{MemoryStore, Op, Store, StoreError};
use proptest::prelude::*;
use support::{FileBackend, MemoryBackend, TempDir, KEY};

#[test]
fn conformance_memory() {
    let s = conformance::run_all(&mut MemoryBackend).unwrap();
    assert_eq!((s.passed, s.skipped.len()), (17, 5), "{s:?}");
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn conformance_file() {
    let s = conformance::run_all(&mut FileBackend::new(false)).unwrap();
    assert_eq!((s.passed, s.skipped.len()), (21, 1), "{s:?}");
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn conformance_file_sealed() {
    let s = conformance::run_all(&mut FileBackend::new(true)).unwrap();
    assert_eq!((s.passed, s.skipped.len()), (22, 0), "{s:?}");
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn fsyncs_per_operation() {
    let tmp = TempDir::new("fsync");
    let dir = tmp.path().join("store");
    let mut s = FileStore::open_unsealed_insecure(&dir).unwrap();
    // Creation: header file, store directory, parent directory.
    assert_eq!(s.fsyncs(), 3);
    let mut last = s.fsyncs();
    let mut delta = |s: &FileStore| {
        let d = s.fsyncs() - last;
        last = s.fsyncs();
        d
    };
    s.put("reversal/pending", b"0400").unwrap();
    assert_eq!(delta(&s), 2, "put: temp file + directory");
    s.delete("reversal/pending").unwrap();
    assert_eq!(delta(&s), 1, "delete: directory");
    s.delete("reversal/pending").unwrap();
    assert_eq!(delta(&s), 0, "delete of a missing key");
    s.apply(&[Op::put("txn/1", b"00".to_vec()), Op::delete("reversal/pending")]).unwrap();
    assert_eq!(delta(&s), 4, "batch of 1 put + 1 delete: p + 3");
    s.apply(&[Op::put("a", vec![1]), Op::put("b", vec![2]), Op::put("c", vec![3])]).unwrap();
    assert_eq!(delta(&s), 6, "batch of 3 puts: p + 3");
    s.apply(&[Op::put("a", vec![1]), Op::delete("a"), Op::put("a", vec![4])]).unwrap();
    assert_eq!(delta(&s), 2, "batch on one key is a put");
    s.apply(&[]).unwrap();
    assert_eq!(delta(&s), 0);
    drop(s);
    let s = FileStore::open_unsealed_insecure(&dir).unwrap();
    assert_eq!(s.fsyncs(), 0, "a clean reopen writes nothing");
    assert_eq!(s.get("a").unwrap(), Some(vec![4]));
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn open_discards_temp_files_and_keeps_old_values() {
    let tmp = TempDir::new("leftover");
    let mut s = FileStore::open_unsealed_insecure(tmp.path()).unwrap();
    s.put("k", b"old").unwrap();
    drop(s);
    let tmp_name = file::record_file_name("k").replace(".rec", ".tmp");
    fs::write(tmp.path().join(&tmp_name), b"half a rec").unwrap();
    fs::write(tmp.path().join("batch.tmp"), b"uncommitted").unwrap();
    let s = FileStore::open_unsealed_insecure(tmp.path()).unwrap();
    assert_eq!(s.get("k").unwrap(), Some(b"old".to_vec()));
    assert!(!tmp.path().join(tmp_name).exists());
    assert!(!tmp.path().join("batch.tmp").exists());
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn damaged_control_files_are_reported() {
    let tmp = TempDir::new("control");
    let mut s = FileStore::open_unsealed_insecure(tmp.path()).unwrap();
    s.put("k", b"v").unwrap();
    drop(s);
    fs::write(tmp.path().join("batch.jnl"), b"PSJ1 torn").unwrap();
    let e = FileStore::open_unsealed_insecure(tmp.path()).unwrap_err();
    assert_eq!((e.code(), e.to_string().contains("batch.jnl")), ("store.corrupt", true), "{e}");
    fs::remove_file(tmp.path().join("batch.jnl")).unwrap();
    fs::write(tmp.path().join("STORE"), b"garbage").unwrap();
    assert_eq!(FileStore::open_unsealed_insecure(tmp.path()).unwrap_err().code(), "store.corrupt");
    fs::remove_file(tmp.path().join("STORE")).unwrap();
    let e = FileStore::open_unsealed_insecure(tmp.path()).unwrap_err();
    assert!(matches!(&e, StoreError::Corrupt { key, .. } if key == "STORE"), "{e}");
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn foreign_record_file_name_is_reported_by_list() {
    let tmp = TempDir::new("names");
    let mut s = FileStore::open_unsealed_insecure(tmp.path()).unwrap();
    s.put("k", b"v").unwrap();
    fs::write(tmp.path().join("zz.rec"), b"").unwrap();
    assert_eq!(s.list("").unwrap_err().code(), "store.corrupt");
    fs::remove_file(tmp.path().join("zz.rec")).unwrap();
    fs::write(tmp.path().join("notes.txt"), b"ignored").unwrap();
    assert_eq!(s.list("").unwrap(), vec!["k".to_string()]);
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn sealing_mismatches() {
    let tmp = TempDir::new("sealing");
    let sealed = tmp.path().join("sealed");
    let plain = tmp.path().join("plain");
    FileStore::open_sealed(&sealed, SealingKey::from_bytes(KEY)).unwrap().put("dukpt/state", b"SECRET-KSN").unwrap();
    FileStore::open_unsealed_insecure(&plain).unwrap();
    for e in [
        FileStore::open_unsealed_insecure(&sealed).unwrap_err(),
        FileStore::open_sealed(&sealed, SealingKey::from_bytes([7; 32])).unwrap_err(),
        FileStore::open_sealed(&plain, SealingKey::from_bytes(KEY)).unwrap_err(),
    ] {
        assert_eq!(e.code(), "store.sealed_key_mismatch", "{e}");
        assert_eq!(poscore::Error::from(e.clone()).module(), "store");
        assert_eq!(poscore::Error::from(e).code(), "store.sealed_key_mismatch");
    }
    // The plaintext is nowhere on disk, and the key never prints.
    let rec = fs::read(sealed.join(file::record_file_name("dukpt/state"))).unwrap();
    assert!(!rec.windows(10).any(|w| w == b"SECRET-KSN"));
    assert_eq!(format!("{:?}", SealingKey::from_bytes(KEY)), "SealingKey(<redacted>)");
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn injected_randomness_gives_fresh_nonces() {
    let tmp = TempDir::new("nonce");
    let mut counter = 0u8;
    let options = FileStoreOptions {
        sealing_key: Some(SealingKey::from_bytes(KEY)),
        random: Some(Box::new(move |buf: &mut [u8]| {
            counter += 1;
            buf.fill(counter);
            Ok(())
        })),
        fail_point: None,
    };
    let mut s = FileStore::open_with(tmp.path(), options).unwrap();
    let path = tmp.path().join(file::record_file_name("k"));
    s.put("k", b"same").unwrap();
    let first = fs::read(&path).unwrap();
    s.put("k", b"same").unwrap();
    assert_ne!(first, fs::read(&path).unwrap(), "same value, new nonce, new ciphertext");
    assert_eq!(s.get("k").unwrap(), Some(b"same".to_vec()));
    let failing = FileStoreOptions {
        sealing_key: Some(SealingKey::from_bytes(KEY)),
        random: Some(Box::new(|_: &mut [u8]| Err("no entropy".into()))),
        fail_point: None,
    };
    drop(s); // one handle per directory
    let mut s = FileStore::open_with(tmp.path(), failing).unwrap();
    assert_eq!(s.put("k", b"x").unwrap_err().code(), "store.io");
    assert_eq!(s.get("k").unwrap(), Some(b"same".to_vec()));
}

#[test]
fn memory_store_crash_switch() {
    let mut m = MemoryStore::new();
    m.put("a", b"1").unwrap();
    m.crash_after_writes(1);
    m.apply(&[Op::put("b", b"2".to_vec()), Op::put("c", b"3".to_vec())]).unwrap();
    let e = m.apply(&[Op::put("d", b"4".to_vec()), Op::delete("a")]).unwrap_err();
    assert_eq!(e.code(), "store.crashed");
    assert!(m.is_crashed());
    assert_eq!(m.get("a").unwrap_err().code(), "store.crashed");
    let d = m.durable();
    assert_eq!(d.list("").unwrap(), ["a", "b", "c"]);
    assert_eq!(m.writes(), 2);
}

fn sealed_store(dir: &std::path::Path, sealed: bool) -> FileStore {
    if sealed {
        FileStore::open_sealed(dir, SealingKey::from_bytes(KEY)).unwrap()
    } else {
        FileStore::open_unsealed_insecure(dir).unwrap()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary bytes in a record file are reported as corrupt, never returned, never a panic.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn arbitrary_record_bytes_are_corrupt(bytes in proptest::collection::vec(any::<u8>(), 0..300), sealed: bool) {
        let tmp = TempDir::new("arb");
        let s = sealed_store(tmp.path(), sealed);
        fs::write(tmp.path().join(file::record_file_name("k")), &bytes).unwrap();
        prop_assert_eq!(s.get("k").unwrap_err().code(), "store.corrupt");
    }

    /// Any single damaged byte or truncation of a valid record is detected.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn any_damage_to_a_record_is_detected(
        value in proptest::collection::vec(any::<u8>(), 0..100),
        pos in any::<prop::sample::Index>(),
        flip in 1u8..,
        cut in any::<prop::sample::Index>(),
        sealed: bool,
    ) {
        let tmp = TempDir::new("dmg");
        let mut s = sealed_store(tmp.path(), sealed);
        s.put("txn/000001", &value).unwrap();
        let path = tmp.path().join(file::record_file_name("txn/000001"));
        let good = fs::read(&path).unwrap();
        let mut bad = good.clone();
        bad[pos.index(good.len())] ^= flip;
        fs::write(&path, &bad).unwrap();
        prop_assert_eq!(s.get("txn/000001").unwrap_err().code(), "store.corrupt");
        fs::write(&path, &good[..cut.index(good.len())]).unwrap();
        prop_assert_eq!(s.get("txn/000001").unwrap_err().code(), "store.corrupt");
        fs::write(&path, &good).unwrap();
        prop_assert_eq!(s.get("txn/000001").unwrap(), Some(value));
    }

    /// Arbitrary bytes as a batch journal make open fail with store.corrupt (not a panic, not a
    /// half-applied batch).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn arbitrary_journal_bytes_are_corrupt(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let tmp = TempDir::new("jnl");
        FileStore::open_unsealed_insecure(tmp.path()).unwrap().put("k", b"v").unwrap();
        fs::write(tmp.path().join("batch.jnl"), &bytes).unwrap();
        prop_assert_eq!(FileStore::open_unsealed_insecure(tmp.path()).unwrap_err().code(), "store.corrupt");
    }
}

/// Rough latency of the engine's two journal writes per sale on this machine's disk:
/// `cargo test -p poscore --release --test store_file -- --ignored --nocapture bench`.
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "timing, run by hand"]
fn bench_sale_journal_writes() {
    for sealed in [false, true] {
        let tmp = TempDir::new("bench");
        let mut s = sealed_store(tmp.path(), sealed);
        let n = 300u32;
        let start_fsyncs = s.fsyncs();
        let t = std::time::Instant::now();
        for i in 0..n {
            s.put("reversal/pending", &[0x04; 120]).unwrap();
            s.apply(&[Op::put(format!("txn/{i:06}"), vec![0; 300]), Op::delete("reversal/pending")]).unwrap();
        }
        let per_sale = t.elapsed() / n;
        let fsyncs = (s.fsyncs() - start_fsyncs) / u64::from(n);
        println!("sealed={sealed}: {per_sale:?} per sale (put + 2-op batch), {fsyncs} fsyncs per sale");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Key validation never panics, and the memory and file stores agree on which keys exist.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn key_rules_never_panic_and_stores_agree(key in ".{0,130}", value in proptest::collection::vec(any::<u8>(), 0..50)) {
        let mut memory = MemoryStore::new();
        let tmp = TempDir::new("keys");
        let mut file = FileStore::open_unsealed_insecure(tmp.path()).unwrap();
        let valid = poscore::store::validate_key(&key).is_ok();
        prop_assert_eq!(memory.put(&key, &value).is_ok(), valid);
        prop_assert_eq!(file.put(&key, &value).is_ok(), valid);
        prop_assert_eq!(memory.list("").unwrap(), file.list("").unwrap());
        if valid {
            prop_assert_eq!(file.get(&key).unwrap(), Some(value));
        }
    }

    /// Valid keys round-trip through their file names, including ones differing only in case.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn valid_keys_round_trip_through_file_names(keys in proptest::collection::btree_set("[A-Za-z0-9_-]{1,8}(/[A-Za-z0-9._-]{1,8}){0,3}", 1..8)) {
        let tmp = TempDir::new("names");
        let mut file = FileStore::open_unsealed_insecure(tmp.path()).unwrap();
        let mut memory = MemoryStore::new();
        let keys: Vec<String> = keys.into_iter().filter(|k| poscore::store::validate_key(k).is_ok()).collect();
        for k in &keys {
            file.put(k, k.as_bytes()).unwrap();
            memory.put(k, k.as_bytes()).unwrap();
        }
        prop_assert_eq!(file.list("").unwrap(), keys.clone());
        prop_assert_eq!(memory.list("").unwrap(), keys.clone());
        for k in &keys {
            prop_assert_eq!(file.get(k).unwrap(), Some(k.as_bytes().to_vec()));
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_second_handle_on_the_same_directory_is_refused_until_the_first_closes() {
    let tmp = TempDir::new("lock");
    let first = FileStore::open_unsealed_insecure(tmp.path()).unwrap();
    let e = FileStore::open_unsealed_insecure(tmp.path()).unwrap_err();
    assert_eq!(e.code(), "store.in_use", "{e}");
    drop(first);
    FileStore::open_unsealed_insecure(tmp.path()).unwrap().put("k", b"v").unwrap();
}

#[test]
fn a_sealing_key_from_a_binding_is_exactly_32_bytes() {
    assert_eq!(SealingKey::from_vec(vec![7; 31]).unwrap_err().code(), "store.sealed_key_mismatch");
    assert_eq!(SealingKey::from_vec(vec![7; 33]).unwrap_err().code(), "store.sealed_key_mismatch");
    assert!(SealingKey::from_vec(KEY.to_vec()).is_ok());
}
