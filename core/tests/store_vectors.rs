//! Replays tests/vectors/store.json, the store conformance cases every surface runs, against the
//! memory store and the file store (plain and sealed).
//!
//! The cases are defined once in `poscore::store::conformance::cases()`; this file also checks
//! that store.json is exactly those cases, so the JSON the JS and Kotlin stores replay cannot
//! drift. After changing the cases, regenerate it with
//! `POSCORE_WRITE_VECTORS=1 cargo test -p poscore --test store_vectors`.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/store.rs"]
mod support;

use poscore::store::conformance::{self, Backend, Case};
use serde_json::{json, Value};
#[cfg(not(target_arch = "wasm32"))]
use support::FileBackend;
use support::MemoryBackend;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/store.json");

fn expected_file() -> Value {
    json!({
        "module": "store",
        "description": "Conformance cases for the journal store (poscore::store::Store). Each case runs on a fresh, empty store. A step with \"error\" must fail with that stable code; otherwise it must succeed and match \"expect\". get \"expect\": null means no such record. Values are {\"hex\": UPPERCASE hex, \"repeat\": n (default 1)} and stand for hex repeated n times. Cases with \"requires\" need a backend hook: reopen (close and open the same storage again), damage (harm the stored bytes of a record: flip_byte in the middle, truncate to half, empty, copy_from another key's record), sealed (reopen with a different sealing key). Every Rust, Node/IndexedDB and Kotlin store must pass all cases it has the hooks for.",
        "sources": {
            "contract": "derived: the durability and atomicity contract documented in core/src/store/mod.rs (poscore::store), which the transaction engine's reversal-first journal relies on",
            "ordering": "derived: byte-wise ordering of ASCII keys (Rust str Ord, JS string comparison by UTF-16 code units and IndexedDB key order coincide on ASCII)",
            "keys": "derived: poscore::store::validate_key, chosen so every key is a portable file name once hex-encoded (255-byte name limit of ext4/APFS/NTFS)",
            "limits": "derived: poscore::store::MAX_VALUE_LEN (1 MiB)",
            "integrity": "issue 7: a torn or corrupt record is detected and reported, never silently used; core/src/store/file.rs record format (SHA-256 over the record, key bound into the record)",
            "sealing": "issue 7: records sealed with AES-256-GCM when a key is given (NIST SP 800-38D); core/src/store/file.rs key check value in the STORE header"
        },
        "cases": conformance::cases(),
    })
}

/// Compiled in (`include_str!` of PATH), so the replay runs on wasm32 too.
fn vectors() -> Value {
    let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/store.json"));
    serde_json::from_str(text).expect("parse store.json")
}

fn json_cases() -> Vec<Case> {
    serde_json::from_value(vectors()["cases"].clone()).expect("cases deserialize")
}

#[test]
fn store_json_matches_the_cases() {
    let expected = expected_file();
    if std::env::var_os("POSCORE_WRITE_VECTORS").is_some() {
        std::fs::write(PATH, serde_json::to_string_pretty(&expected).unwrap() + "\n").unwrap();
    }
    assert_eq!(vectors(), expected, "store.json is stale: regenerate with POSCORE_WRITE_VECTORS=1");
}

#[test]
fn every_vector_cites_a_known_source() {
    let v = vectors();
    let sources = v["sources"].as_object().unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let source = case["source"].as_str().unwrap_or_else(|| panic!("{case} has no source"));
        assert!(sources.contains_key(source), "{source} is not in sources");
    }
}

fn replay(backend: &mut dyn Backend) -> usize {
    let caps = backend.capabilities();
    let mut ran = 0;
    for case in json_cases() {
        if case.requires.iter().all(|r| caps.contains(&r.as_str())) {
            conformance::run_case(backend, &case).unwrap();
            ran += 1;
        }
    }
    ran
}

#[test]
fn replay_memory() {
    assert_eq!(replay(&mut MemoryBackend), 12);
}

#[cfg(not(target_arch = "wasm32"))] // the file store needs a file system
#[test]
fn replay_file() {
    assert_eq!(replay(&mut FileBackend::new(false)), 16);
}

#[cfg(not(target_arch = "wasm32"))] // the file store needs a file system
#[test]
fn replay_file_sealed() {
    assert_eq!(replay(&mut FileBackend::new(true)), 17);
}
