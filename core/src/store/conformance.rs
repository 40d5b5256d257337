//! The conformance suite every [`Store`] must pass: memory, file, and (replaying the same cases
//! from `tests/vectors/store.json`) the `IndexedDB` and Kotlin stores.
//!
//! The cases are data ([`cases`]): sequences of [`Step`]s with expected results, serialized
//! as-is into `tests/vectors/store.json`. A Rust implementation plugs in through [`Backend`] and
//! runs everything with [`run_all`]; a foreign one replays the JSON with its own small runner.
//!
//! ```
//! use poscore::store::conformance::{self, Backend};
//! use poscore::store::{MemoryStore, Store};
//!
//! struct Memory;
//! impl Backend for Memory {
//!     fn fresh(&mut self) -> Box<dyn Store> {
//!         Box::new(MemoryStore::new())
//!     }
//! }
//! let summary = conformance::run_all(&mut Memory).unwrap();
//! assert!(summary.passed > 10);
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{MemoryStore, Op, Store, StoreError, MAX_KEY_LEN, MAX_VALUE_LEN};

/// A store implementation under test.
///
/// Only [`fresh`](Backend::fresh) is required. The optional hooks enable the cases that need
/// them (see [`Case::requires`]); a backend that lacks one skips those cases, and
/// [`Summary::skipped`] says which.
pub trait Backend {
    /// A new, empty store at a new location (a fresh map, a new temporary directory). The
    /// hooks below act on the location of the last store returned.
    fn fresh(&mut self) -> Box<dyn Store>;

    /// Capability `reopen`: opens the last location again, as a restarted terminal would. The
    /// runner drops the previous handle first. `None` when the store is not persistent.
    fn reopen(&mut self) -> Option<Result<Box<dyn Store>, StoreError>> {
        None
    }

    /// Capability `damage`: damages the stored record of `key` behind the store's back.
    /// Returns false when not supported.
    fn damage(&mut self, key: &str, damage: &Damage) -> bool {
        let _ = (key, damage);
        false
    }

    /// Capability `sealed`: opens the last location with a different sealing key (expected to
    /// fail with `store.sealed_key_mismatch`). `None` when the store is not sealed.
    fn reopen_with_wrong_key(&mut self) -> Option<Result<Box<dyn Store>, StoreError>> {
        None
    }

    /// The capabilities implemented: any of `"reopen"`, `"damage"`, `"sealed"`.
    fn capabilities(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

/// How a `damage` step harms a stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Damage {
    /// Invert one byte in the middle of the stored record.
    FlipByte,
    /// Cut the stored record to half its length (a torn write).
    Truncate,
    /// Leave the stored record empty (zero bytes).
    Empty,
    /// Replace the stored record with a copy of another key's stored record.
    CopyFrom {
        /// The key whose stored bytes are copied.
        from: String,
    },
}

/// A value in a case: hex bytes, optionally repeated (so large values stay small in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Value {
    /// UPPERCASE hex, possibly empty.
    pub hex: String,
    /// The bytes of `hex` repeated this many times (1 when absent).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub repeat: usize,
}

fn one() -> usize {
    1
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_one(n: &usize) -> bool {
    *n == 1
}

impl Value {
    fn hex(hex: &str) -> Self {
        Self { hex: hex.to_string(), repeat: 1 }
    }

    fn repeated(hex: &str, repeat: usize) -> Self {
        Self { hex: hex.to_string(), repeat }
    }

    /// The bytes this value stands for.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let unit = unhex(&self.hex).ok_or_else(|| format!("bad hex {:?}", self.hex))?;
        Ok(unit.repeat(self.repeat))
    }
}

/// One write inside a `batch` step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum BatchOp {
    /// Create or replace.
    Put {
        /// Key.
        key: String,
        /// Value.
        value: Value,
    },
    /// Remove.
    Delete {
        /// Key.
        key: String,
    },
}

/// One step of a case. A step with `error` must fail with that stable code; without it, it must
/// succeed (and match `expect` when it has one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    /// `store.put(key, value)`.
    Put {
        /// Key.
        key: String,
        /// Value.
        value: Value,
        /// Expected error code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// `store.delete(key)`.
    Delete {
        /// Key.
        key: String,
        /// Expected error code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// `store.apply(ops)`.
    Batch {
        /// The batch.
        ops: Vec<BatchOp>,
        /// Expected error code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// `store.get(key)`: `expect` null means "no such record".
    Get {
        /// Key.
        key: String,
        /// Expected value (null: missing). Ignored when `error` is set.
        #[serde(default)]
        expect: Option<Value>,
        /// Expected error code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// `store.list(prefix)`: keys in ascending byte order.
    List {
        /// Prefix (a plain string prefix, not a path segment).
        prefix: String,
        /// Expected keys, in order.
        #[serde(default)]
        expect: Vec<String>,
        /// Expected error code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// Close and reopen the store (capability `reopen`).
    Reopen,
    /// Damage a stored record behind the store's back (capability `damage`).
    Damage {
        /// The record to damage.
        key: String,
        /// How.
        #[serde(flatten)]
        damage: Damage,
    },
    /// Reopen with a different sealing key (capability `sealed`).
    ReopenWithWrongKey {
        /// Expected error code (`store.sealed_key_mismatch`).
        error: String,
    },
}

/// A named sequence of steps, run on a fresh store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Unique name.
    pub name: String,
    /// What the case checks, and why it matters to the engine.
    pub description: String,
    /// Where the expectation comes from (a key of the vector file's `sources`).
    pub source: String,
    /// Capabilities the backend needs for this case (`reopen`, `damage`, `sealed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// The steps.
    pub steps: Vec<Step>,
}

/// What [`run_all`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases (and built-in checks) that passed.
    pub passed: usize,
    /// Cases skipped for a missing capability, as `name (needs cap)`.
    pub skipped: Vec<String>,
}

/// Runs every case of [`cases`] plus the generated checks ([`many_keys`], [`model_check`])
/// against `backend`. Stops at the first failure, naming the case and step.
pub fn run_all(backend: &mut dyn Backend) -> Result<Summary, String> {
    let caps = backend.capabilities();
    let mut summary = Summary::default();
    for case in cases() {
        if let Some(missing) = case.requires.iter().find(|r| !caps.contains(&r.as_str())) {
            summary.skipped.push(format!("{} (needs {missing})", case.name));
            continue;
        }
        run_case(backend, &case)?;
        summary.passed += 1;
    }
    many_keys(backend)?;
    summary.passed += 1;
    for seed in 1..=4 {
        model_check(backend, seed, 300)?;
        summary.passed += 1;
    }
    Ok(summary)
}

/// Runs one case on a fresh store from `backend`.
pub fn run_case(backend: &mut dyn Backend, case: &Case) -> Result<(), String> {
    let mut store = backend.fresh();
    for (i, step) in case.steps.iter().enumerate() {
        run_step(backend, &mut store, step).map_err(|e| format!("case {}: step {i} {step:?}: {e}", case.name))?;
    }
    Ok(())
}

fn run_step(backend: &mut dyn Backend, store: &mut Box<dyn Store>, step: &Step) -> Result<(), String> {
    match step {
        Step::Put { key, value, error } => outcome(store.put(key, &value.bytes()?), error.as_deref(), |()| Ok(())),
        Step::Delete { key, error } => outcome(store.delete(key), error.as_deref(), |()| Ok(())),
        Step::Batch { ops, error } => {
            let ops = ops
                .iter()
                .map(|op| match op {
                    BatchOp::Put { key, value } => Ok(Op::put(key.clone(), value.bytes()?)),
                    BatchOp::Delete { key } => Ok(Op::delete(key.clone())),
                })
                .collect::<Result<Vec<_>, String>>()?;
            outcome(store.apply(&ops), error.as_deref(), |()| Ok(()))
        }
        Step::Get { key, expect, error } => {
            let expect = expect.as_ref().map(Value::bytes).transpose()?;
            outcome(store.get(key), error.as_deref(), |got| {
                if got == expect {
                    Ok(())
                } else {
                    Err(format!("got {}, expected {}", show(got.as_deref()), show(expect.as_deref())))
                }
            })
        }
        Step::List { prefix, expect, error } => outcome(store.list(prefix), error.as_deref(), |got| {
            if &got == expect {
                Ok(())
            } else {
                Err(format!("got {got:?}, expected {expect:?}"))
            }
        }),
        Step::Reopen => {
            drop(std::mem::replace(store, Box::new(MemoryStore::new())));
            *store = backend.reopen().ok_or("backend cannot reopen")?.map_err(|e| format!("reopen failed: {e}"))?;
            Ok(())
        }
        Step::Damage { key, damage } => {
            if backend.damage(key, damage) {
                Ok(())
            } else {
                Err("backend cannot damage records".into())
            }
        }
        Step::ReopenWithWrongKey { error } => {
            drop(std::mem::replace(store, Box::new(MemoryStore::new())));
            let result = backend.reopen_with_wrong_key().ok_or("backend is not sealed")?;
            outcome(result, Some(error), |_| Ok(()))?;
            *store = backend.reopen().ok_or("backend cannot reopen")?.map_err(|e| format!("reopen failed: {e}"))?;
            Ok(())
        }
    }
}

fn outcome<T>(
    result: Result<T, StoreError>,
    error: Option<&str>,
    check: impl FnOnce(T) -> Result<(), String>,
) -> Result<(), String> {
    match (result, error) {
        (Ok(v), None) => check(v),
        (Ok(_), Some(code)) => Err(format!("succeeded, expected error {code}")),
        (Err(e), None) => Err(format!("failed with {}: {e}", e.code())),
        (Err(e), Some(code)) if e.code() == code => Ok(()),
        (Err(e), Some(code)) => Err(format!("failed with {} ({e}), expected {code}", e.code())),
    }
}

fn show(v: Option<&[u8]>) -> String {
    match v {
        None => "missing".into(),
        Some(b) if b.len() > 32 => format!("{} bytes {}...", b.len(), hex(&b[..32])),
        Some(b) => format!("{:?}", hex(b)),
    }
}

/// Many keys across prefixes: listing returns exactly the keys of a prefix, in byte order.
pub fn many_keys(backend: &mut dyn Backend) -> Result<(), String> {
    let mut store = backend.fresh();
    let mut keys = Vec::new();
    for i in (0..150u32).rev() {
        for prefix in ["txn/", "rev/", "txn/x"] {
            let key = format!("{prefix}{:06}", i * 7919 % 1000);
            store.put(&key, key.as_bytes()).map_err(|e| format!("many_keys: put {key}: {e}"))?;
            keys.push(key);
        }
    }
    keys.sort();
    keys.dedup();
    for prefix in ["", "txn/", "rev/", "txn/x", "txn/0", "none/"] {
        let want: Vec<String> = keys.iter().filter(|k| k.starts_with(prefix)).cloned().collect();
        let got = store.list(prefix).map_err(|e| format!("many_keys: list {prefix:?}: {e}"))?;
        if got != want {
            return Err(format!("many_keys: list {prefix:?}: {} keys, expected {}", got.len(), want.len()));
        }
    }
    Ok(())
}

/// A seeded random walk of puts, deletes, batches and (when supported) reopens, compared with a
/// `BTreeMap` after every step.
pub fn model_check(backend: &mut dyn Backend, seed: u64, steps: usize) -> Result<(), String> {
    let can_reopen = backend.capabilities().contains(&"reopen");
    let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut model: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut store = backend.fresh();
    let key = |rng: &mut XorShift| format!("{}/{}", ["a", "b", "a-b", "txn"][rng.below(4)], rng.below(12));
    for i in 0..steps {
        let fail = |what: String| format!("model_check seed {seed} step {i}: {what}");
        match rng.below(10) {
            0..=3 => {
                let k = key(&mut rng);
                let v: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
                store.put(&k, &v).map_err(|e| fail(format!("put {k}: {e}")))?;
                model.insert(k, v);
            }
            4 => {
                let k = key(&mut rng);
                store.delete(&k).map_err(|e| fail(format!("delete {k}: {e}")))?;
                model.remove(&k);
            }
            5 | 6 => {
                let mut ops = Vec::new();
                for _ in 0..rng.below(5) {
                    let k = key(&mut rng);
                    if rng.below(3) == 0 {
                        model.remove(&k);
                        ops.push(Op::delete(k));
                    } else {
                        let v = vec![rng.next() as u8; rng.below(20)];
                        model.insert(k.clone(), v.clone());
                        ops.push(Op::put(k, v));
                    }
                }
                store.apply(&ops).map_err(|e| fail(format!("batch: {e}")))?;
            }
            7 if can_reopen => {
                drop(std::mem::replace(&mut store, Box::new(MemoryStore::new())));
                store = backend
                    .reopen()
                    .ok_or_else(|| fail("no reopen".into()))?
                    .map_err(|e| fail(format!("reopen: {e}")))?;
            }
            _ => {
                let k = key(&mut rng);
                let got = store.get(&k).map_err(|e| fail(format!("get {k}: {e}")))?;
                if got.as_ref() != model.get(&k) {
                    return Err(fail(format!(
                        "get {k}: got {}, model has {}",
                        show(got.as_deref()),
                        show(model.get(&k).map(Vec::as_slice))
                    )));
                }
            }
        }
    }
    let got = store.list("").map_err(|e| format!("model_check seed {seed}: list: {e}"))?;
    let want: Vec<String> = model.keys().cloned().collect();
    if got != want {
        return Err(format!("model_check seed {seed}: final keys {got:?}, model {want:?}"));
    }
    Ok(())
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

// ---- the cases ----

fn put(key: &str, hex: &str) -> Step {
    Step::Put { key: key.into(), value: Value::hex(hex), error: None }
}

fn put_err(key: &str, value: Value, code: &str) -> Step {
    Step::Put { key: key.into(), value, error: Some(code.into()) }
}

fn get(key: &str, hex: Option<&str>) -> Step {
    Step::Get { key: key.into(), expect: hex.map(Value::hex), error: None }
}

fn get_err(key: &str, code: &str) -> Step {
    Step::Get { key: key.into(), expect: None, error: Some(code.into()) }
}

fn delete(key: &str) -> Step {
    Step::Delete { key: key.into(), error: None }
}

fn list(prefix: &str, keys: &[&str]) -> Step {
    Step::List { prefix: prefix.into(), expect: keys.iter().map(|k| (*k).to_string()).collect(), error: None }
}

fn batch(ops: Vec<BatchOp>) -> Step {
    Step::Batch { ops, error: None }
}

fn bput(key: &str, hex: &str) -> BatchOp {
    BatchOp::Put { key: key.into(), value: Value::hex(hex) }
}

fn bdel(key: &str) -> BatchOp {
    BatchOp::Delete { key: key.into() }
}

fn damage(key: &str, damage: Damage) -> Step {
    Step::Damage { key: key.into(), damage }
}

fn case(name: &str, source: &str, description: &str, requires: &[&str], steps: Vec<Step>) -> Case {
    Case {
        name: name.into(),
        description: description.into(),
        source: source.into(),
        requires: requires.iter().map(|r| (*r).to_string()).collect(),
        steps,
    }
}

/// The conformance cases, in the order they run. `tests/vectors/store.json` holds exactly these.
#[allow(clippy::too_many_lines)] // one flat table of cases reads better than many functions
pub fn cases() -> Vec<Case> {
    let all_bytes = hex(&(0..=255u8).collect::<Vec<u8>>());
    let long_key = "k".repeat(MAX_KEY_LEN);
    let too_long_key = "k".repeat(MAX_KEY_LEN + 1);
    let invalid = |key: &str| put_err(key, Value::hex("01"), "store.invalid_key");
    vec![
        case(
            "put_get",
            "contract",
            "A stored value reads back; a key never written reads as missing, not as an error.",
            &[],
            vec![put("reversal/pending", "0400"), get("reversal/pending", Some("0400")), get("txn/000001", None)],
        ),
        case(
            "overwrite",
            "contract",
            "A put replaces the previous value entirely (a shorter value leaves no tail of the longer one).",
            &[],
            vec![
                put("counters/stan", "000123"),
                put("counters/stan", "07"),
                get("counters/stan", Some("07")),
                put("counters/stan", "000124FFFF"),
                get("counters/stan", Some("000124FFFF")),
            ],
        ),
        case(
            "delete",
            "contract",
            "Delete removes a record; deleting a missing key (again) is not an error, so clearing a reversal is idempotent.",
            &[],
            vec![
                put("reversal/pending", "01"),
                delete("reversal/pending"),
                get("reversal/pending", None),
                delete("reversal/pending"),
                delete("never/written"),
                list("", &[]),
            ],
        ),
        case(
            "empty_and_binary_values",
            "contract",
            "An empty value is a record (distinct from a missing key); values are arbitrary bytes 00-FF.",
            &[],
            vec![put("flags/empty", ""), get("flags/empty", Some("")), list("flags/", &["flags/empty"]), put("bin/all", &all_bytes), get("bin/all", Some(&all_bytes))],
        ),
        case(
            "list_prefix",
            "contract",
            "list(prefix) returns exactly the keys that start with prefix, as a plain string prefix (txn matches txn2/...), sorted.",
            &[],
            vec![
                put("txn/000010", "0A"),
                put("txn/000002", "02"),
                put("txn/000100", "64"),
                put("txn2/x", "00"),
                put("tx", "00"),
                put("counters/stan", "00"),
                list("txn/", &["txn/000002", "txn/000010", "txn/000100"]),
                list("txn", &["txn/000002", "txn/000010", "txn/000100", "txn2/x"]),
                list("", &["counters/stan", "tx", "txn/000002", "txn/000010", "txn/000100", "txn2/x"]),
                list("none/", &[]),
                delete("txn/000010"),
                list("txn/", &["txn/000002", "txn/000100"]),
            ],
        ),
        case(
            "list_byte_order",
            "ordering",
            "Keys sort by byte value: - . / 0-9 A-Z _ a-z. This is also UTF-16 order for these ASCII keys, so JS and Kotlin agree.",
            &[],
            vec![
                put("ab", "01"),
                put("a_b", "01"),
                put("aB", "01"),
                put("a0", "01"),
                put("a/b", "01"),
                put("a.b", "01"),
                put("a-b", "01"),
                list("a", &["a-b", "a.b", "a/b", "a0", "aB", "a_b", "ab"]),
            ],
        ),
        case(
            "key_rules",
            "keys",
            "Keys are 1-120 bytes of A-Z a-z 0-9 - _ . / in non-empty segments, no . or .. segment; anything else is refused by every operation.",
            &[],
            vec![
                invalid(""),
                invalid("/txn"),
                invalid("txn/"),
                invalid("txn//1"),
                invalid("txn 1"),
                invalid("txn\\1"),
                invalid("txn:1"),
                invalid("冲正"),
                invalid("../etc"),
                invalid("txn/./1"),
                invalid(&too_long_key),
                put(&long_key, "01"),
                get(&long_key, Some("01")),
                put("A-Z_a-z.0-9/x", "01"),
                get_err("", "store.invalid_key"),
                Step::Delete { key: "a//b".into(), error: Some("store.invalid_key".into()) },
                Step::List { prefix: "a//".into(), expect: vec![], error: Some("store.invalid_key".into()) },
                list("A-Z_a-z.0-9/", &["A-Z_a-z.0-9/x"]),
            ],
        ),
        case(
            "large_values",
            "limits",
            "Values up to 1 MiB (1048576 bytes) are stored whole; one byte more is refused with nothing written.",
            &[],
            vec![
                Step::Put { key: "big/64k".into(), value: Value::repeated("A5", 65_536), error: None },
                Step::Get { key: "big/64k".into(), expect: Some(Value::repeated("A5", 65_536)), error: None },
                Step::Put { key: "big/max".into(), value: Value::repeated("5A", MAX_VALUE_LEN), error: None },
                Step::Get { key: "big/max".into(), expect: Some(Value::repeated("5A", MAX_VALUE_LEN)), error: None },
                put_err("big/over", Value::repeated("00", MAX_VALUE_LEN + 1), "store.value_too_large"),
                get("big/over", None),
            ],
        ),
        case(
            "batch_applies_all",
            "contract",
            "A batch of puts and deletes over several keys is applied as a whole: the approval is logged and the pending reversal cleared together.",
            &[],
            vec![
                put("reversal/pending", "0400"),
                put("counters/stan", "000123"),
                batch(vec![bput("txn/000123", "00"), bdel("reversal/pending"), bput("counters/stan", "000124")]),
                get("txn/000123", Some("00")),
                get("reversal/pending", None),
                get("counters/stan", Some("000124")),
                list("", &["counters/stan", "txn/000123"]),
            ],
        ),
        case(
            "batch_last_op_wins",
            "contract",
            "Ops apply in order; when a batch touches one key several times, the last op decides.",
            &[],
            vec![
                put("k/2", "AA"),
                batch(vec![bput("k/1", "01"), bdel("k/1"), bput("k/1", "02"), bdel("k/2"), bput("k/3", "03"), bdel("k/3")]),
                get("k/1", Some("02")),
                get("k/2", None),
                get("k/3", None),
            ],
        ),
        case(
            "batch_rejected_whole",
            "contract",
            "A batch with one invalid op (bad key, oversize value) fails and applies nothing.",
            &[],
            vec![
                put("a", "01"),
                Step::Batch { ops: vec![bput("a", "02"), bput("b", "02"), bput("bad//key", "03")], error: Some("store.invalid_key".into()) },
                Step::Batch {
                    ops: vec![bdel("a"), BatchOp::Put { key: "big".into(), value: Value::repeated("00", MAX_VALUE_LEN + 1) }],
                    error: Some("store.value_too_large".into()),
                },
                get("a", Some("01")),
                get("b", None),
                list("", &["a"]),
            ],
        ),
        case(
            "empty_batch",
            "contract",
            "An empty batch succeeds and changes nothing.",
            &[],
            vec![put("a", "01"), batch(vec![]), get("a", Some("01")), list("", &["a"])],
        ),
        case(
            "reopen_persists",
            "contract",
            "Everything written before a reopen (puts, batches, deletes) is there after it, and nothing else.",
            &["reopen"],
            vec![
                put("counters/stan", "000007"),
                put("reversal/pending", "0400"),
                batch(vec![bput("txn/000007", "00"), bdel("reversal/pending"), bput("counters/batch", "000001")]),
                put("gone", "01"),
                delete("gone"),
                Step::Reopen,
                get("counters/stan", Some("000007")),
                get("txn/000007", Some("00")),
                get("reversal/pending", None),
                get("gone", None),
                list("", &["counters/batch", "counters/stan", "txn/000007"]),
                put("counters/stan", "000008"),
                Step::Reopen,
                get("counters/stan", Some("000008")),
            ],
        ),
        case(
            "corrupt_flipped_byte",
            "integrity",
            "A record with one damaged byte is reported as store.corrupt, never returned; other records are unaffected; a new put repairs the key.",
            &["damage"],
            vec![
                put("txn/000001", "0102030405060708"),
                put("txn/000002", "AA"),
                damage("txn/000001", Damage::FlipByte),
                get_err("txn/000001", "store.corrupt"),
                get("txn/000002", Some("AA")),
                put("txn/000001", "09"),
                get("txn/000001", Some("09")),
            ],
        ),
        case(
            "corrupt_truncated",
            "integrity",
            "A torn (half-written) or empty record is reported as store.corrupt.",
            &["damage"],
            vec![
                put("reversal/pending", "04000000000000000000"),
                damage("reversal/pending", Damage::Truncate),
                get_err("reversal/pending", "store.corrupt"),
                put("counters/stan", "000001"),
                damage("counters/stan", Damage::Empty),
                get_err("counters/stan", "store.corrupt"),
            ],
        ),
        case(
            "corrupt_swapped",
            "integrity",
            "A record copied over another key's record is detected (the key is bound into the record), so an old approval cannot stand in for a pending reversal.",
            &["damage"],
            vec![
                put("reversal/pending", "0400"),
                put("txn/000001", "00"),
                damage("reversal/pending", Damage::CopyFrom { from: "txn/000001".into() }),
                get_err("reversal/pending", "store.corrupt"),
                get("txn/000001", Some("00")),
            ],
        ),
        case(
            "sealed_wrong_key",
            "sealing",
            "A sealed store refuses to open with another key (nothing read or changed), and opens again with the right one.",
            &["sealed", "reopen"],
            vec![
                put("dukpt/state", "FFFF9876543210E00001"),
                Step::ReopenWithWrongKey { error: "store.sealed_key_mismatch".into() },
                get("dukpt/state", Some("FFFF9876543210E00001")),
            ],
        ),
    ]
}
