//! Crash consistency of the file store: power loss at every I/O step of a put, a delete and a
//! batch (and again during the recovery that follows), then a clean reopen must show either the
//! complete state before the operation or the complete state after it: never a torn record,
//! never part of a batch, never an earlier write undone.
//!
//! A crash is simulated with the store's fail point: the step it names does not happen, and
//! nothing after it (the handle is dead, as the process would be). A torn write leaves a prefix
//! of the bytes in the file. What this cannot simulate is the OS losing data it had not yet
//! flushed; the protocol's fsync order is what covers that (see core/src/store/file.rs).
#![cfg(not(target_arch = "wasm32"))] // the file store: a file system and fail points on it

#[path = "support/store.rs"]
mod support;

use std::path::Path;
use std::sync::{Arc, Mutex};

use poscore::store::file::{FailAction, FailPoint, FileStore, FileStoreOptions, IoKind, IoStep, SealingKey};
use poscore::store::{Op, Store};
use proptest::prelude::*;
use support::{contents, Model, TempDir, KEY};

fn options(sealed: bool, hook: Option<FailPoint>) -> FileStoreOptions {
    FileStoreOptions { sealing_key: sealed.then(|| SealingKey::from_bytes(KEY)), random: None, fail_point: hook }
}

fn open(dir: &Path, sealed: bool) -> FileStore {
    FileStore::open_with(dir, options(sealed, None)).expect("clean open")
}

/// Crash at step `at` with `action`; every other step proceeds.
fn crash_at(at: u64, action: FailAction) -> FailPoint {
    Box::new(move |s: &IoStep| if s.index == at { action } else { FailAction::Proceed })
}

fn apply_model(model: &mut Model, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Put { key, value } => model.insert(key.clone(), value.clone()),
            Op::Delete { key } => model.remove(key),
        };
    }
}

#[allow(clippy::case_sensitive_file_extension_comparisons)] // the store's own lowercase names
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp") || n == "batch.jnl")
        .collect()
}

/// Runs `ops` (as one `apply`, or as a put/delete when it is a single op and `single` is set)
/// with a crash at step `at`, optionally crashes the recovery at step `recovery_at`, reopens
/// and checks the all-or-nothing outcome. Returns whether the crash actually happened.
#[allow(clippy::too_many_arguments)] // one crash scenario, spelled out
fn crash_case(
    dir: &Path,
    sealed: bool,
    before: &Model,
    ops: &[Op],
    single: bool,
    at: u64,
    action: FailAction,
    recovery_at: Option<u64>,
) -> bool {
    let mut after = before.clone();
    apply_model(&mut after, ops);
    let mut store = open(dir, sealed);
    assert_eq!(&contents(&store), before);
    store.set_fail_point(Some(crash_at(at, action)));
    let result = match (single, ops) {
        (true, [Op::Put { key, value }]) => store.put(key, value),
        (true, [Op::Delete { key }]) => store.delete(key),
        _ => store.apply(ops),
    };
    let crashed = result.is_err();
    if let Err(e) = &result {
        assert_eq!(e.code(), "store.crashed", "{e}");
        assert_eq!(store.get("anything").unwrap_err().code(), "store.crashed", "a crashed handle stays dead");
    }
    drop(store);
    if let Some(r) = recovery_at {
        // Power fails again while the next open is recovering.
        match FileStore::open_with(dir, options(sealed, Some(crash_at(r, FailAction::Crash)))) {
            Ok(s) => drop(s),
            Err(e) => assert_eq!(e.code(), "store.crashed", "{e}"),
        }
    }
    let store = open(dir, sealed);
    let got = contents(&store);
    assert!(
        got == *before || got == after,
        "crash at step {at} ({action:?}), recovery crash {recovery_at:?}: state is neither before nor after\n\
         before {before:?}\nafter  {after:?}\ngot    {got:?}"
    );
    if !crashed {
        assert_eq!(got, after, "no crash: the write must be there");
    }
    assert!(leftovers(dir).is_empty(), "open left {:?}", leftovers(dir));
    crashed
}

/// The kinds of the I/O steps of an operation, recorded on a copy of the store.
fn record_steps(sealed: bool, before: &Model, ops: &[Op], single: bool) -> Vec<IoKind> {
    let tmp = TempDir::new("count");
    let mut store = open(tmp.path(), sealed);
    for (k, v) in before {
        store.put(k, v).unwrap();
    }
    let kinds = Arc::new(Mutex::new(Vec::new()));
    let seen = kinds.clone();
    store.set_fail_point(Some(Box::new(move |s: &IoStep| {
        seen.lock().unwrap().push(s.kind);
        FailAction::Proceed
    })));
    match (single, ops) {
        (true, [Op::Put { key, value }]) => store.put(key, value).unwrap(),
        (true, [Op::Delete { key }]) => store.delete(key).unwrap(),
        _ => store.apply(ops).unwrap(),
    }
    let kinds = kinds.lock().unwrap().clone();
    kinds
}

fn seed(dir: &Path, sealed: bool, model: &Model) {
    let mut store = open(dir, sealed);
    for (k, v) in model {
        store.put(k, v).unwrap();
    }
}

/// Every step of a put, a delete and a three-key batch, each with a plain crash and a torn
/// write, and each followed by a recovery crashed at every one of its own steps.
#[test]
fn every_step_of_put_delete_and_batch() {
    let before: Model = [("counters/stan", b"000123".to_vec()), ("reversal/pending", b"0400 STAN 000123".to_vec())]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let scenarios: Vec<(&str, Vec<Op>, bool)> = vec![
        ("put", vec![Op::put("counters/stan", b"000124".to_vec())], true),
        ("delete", vec![Op::delete("reversal/pending")], true),
        (
            "batch",
            vec![
                Op::put("txn/000123", b"approved 000123".to_vec()),
                Op::delete("reversal/pending"),
                Op::put("counters/stan", b"000124".to_vec()),
            ],
            false,
        ),
    ];
    let mut crashes = 0;
    for sealed in [false, true] {
        for (name, ops, single) in &scenarios {
            let kinds = record_steps(sealed, &before, ops, *single);
            assert!(kinds.len() >= 2, "{name}: {kinds:?}");
            for (at, kind) in kinds.iter().enumerate() {
                let mut actions = vec![FailAction::Crash];
                if *kind == IoKind::Write {
                    actions.extend([FailAction::TornWrite(0), FailAction::TornWrite(7)]);
                }
                // Only a committed batch journal gives recovery work to crash in.
                let recoveries: Vec<Option<u64>> = if *single {
                    vec![None, Some(0)]
                } else {
                    std::iter::once(None).chain((0..10).map(Some)).collect()
                };
                for action in actions {
                    for &recovery_at in &recoveries {
                        let tmp = TempDir::new("every");
                        seed(tmp.path(), sealed, &before);
                        assert!(crash_case(tmp.path(), sealed, &before, ops, *single, at as u64, action, recovery_at));
                        crashes += 1;
                    }
                }
            }
            let steps = kinds.len() as u64;
            // One step past the end: no crash, the write is complete.
            let tmp = TempDir::new("every");
            seed(tmp.path(), sealed, &before);
            assert!(!crash_case(tmp.path(), sealed, &before, ops, *single, steps, FailAction::Crash, None));
        }
    }
    println!("{crashes} crash schedules over every step");
    assert!(crashes > 200);
}

/// Crash while the store is being created: the next open finds an empty, usable store.
#[test]
fn crash_during_creation() {
    for at in 0..4 {
        let tmp = TempDir::new("create");
        let dir = tmp.path().join("new");
        let e = FileStore::open_with(&dir, options(true, Some(crash_at(at, FailAction::TornWrite(3))))).unwrap_err();
        assert_eq!(e.code(), "store.crashed");
        let mut s = open(&dir, true);
        assert!(s.list("").unwrap().is_empty());
        s.put("k", b"v").unwrap();
    }
}

#[derive(Debug, Clone)]
enum Action {
    Put(String, Vec<u8>),
    Delete(String),
    Batch(Vec<Op>),
}

impl Action {
    fn ops(&self) -> (Vec<Op>, bool) {
        match self {
            Action::Put(k, v) => (vec![Op::put(k.clone(), v.clone())], true),
            Action::Delete(k) => (vec![Op::delete(k.clone())], true),
            Action::Batch(ops) => (ops.clone(), false),
        }
    }
}

fn key() -> impl Strategy<Value = String> {
    (prop::sample::select(vec!["txn", "reversal", "counters", "dukpt"]), 0u8..4).prop_map(|(p, n)| format!("{p}/{n}"))
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..200)
}

fn action() -> impl Strategy<Value = Action> {
    let op = prop_oneof![
        3 => (key(), value()).prop_map(|(k, v)| Op::put(k, v)),
        1 => key().prop_map(Op::delete),
    ];
    prop_oneof![
        3 => (key(), value()).prop_map(|(k, v)| Action::Put(k, v)),
        1 => key().prop_map(Action::Delete),
        3 => prop::collection::vec(op, 0..6).prop_map(Action::Batch),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random histories: a schedule of successful writes, then one write that crashes at a random
    /// step (plain crash or torn write), maybe a crash during recovery, then a clean reopen; the
    /// state must be exactly before or exactly after the interrupted write, and the store must
    /// keep working (one more write after recovery).
    #[test]
    fn random_schedules(
        history in prop::collection::vec(action(), 0..8),
        last in action(),
        at in 0u64..24,
        torn in prop::option::of(0usize..400),
        recovery_at in prop::option::of(0u64..12),
        sealed: bool,
        then in action(),
    ) {
        let tmp = TempDir::new("prop");
        let mut model = Model::new();
        {
            let mut store = open(tmp.path(), sealed);
            for a in &history {
                let (ops, single) = a.ops();
                match (single, ops.as_slice()) {
                    (true, [Op::Put { key, value }]) => store.put(key, value).unwrap(),
                    (true, [Op::Delete { key }]) => store.delete(key).unwrap(),
                    _ => store.apply(&ops).unwrap(),
                }
                apply_model(&mut model, &ops);
            }
        }
        let (ops, single) = last.ops();
        let action = torn.map_or(FailAction::Crash, FailAction::TornWrite);
        crash_case(tmp.path(), sealed, &model, &ops, single, at, action, recovery_at);
        // After recovery the store takes writes and reads them back.
        let mut store = open(tmp.path(), sealed);
        let mut now = contents(&store);
        let (ops, _) = then.ops();
        store.apply(&ops).unwrap();
        apply_model(&mut now, &ops);
        drop(store);
        prop_assert_eq!(contents(&open(tmp.path(), sealed)), now);
    }
}
