//! The in-memory store: for tests, simulations and hosts that persist elsewhere.

use std::collections::BTreeMap;

use super::{validate_key, validate_prefix, Op, Store, StoreError};

/// A [`Store`] held in a `BTreeMap`. Every call is atomic by construction, and nothing survives
/// the process, so "durable" means "in the map".
///
/// For crash tests it can simulate power loss: [`crash_after_writes`](Self::crash_after_writes)
/// makes the store die after a number of successful writes (the failing write changes nothing,
/// every later call returns [`StoreError::Crashed`]), and [`durable`](Self::durable) hands back
/// what a restarted terminal would find. Because each write is one atomic step, a crash between
/// any two of the engine's I/O steps is a crash between two calls here.
///
/// ```
/// use poscore::store::{MemoryStore, Store};
///
/// let mut store = MemoryStore::new();
/// store.crash_after_writes(1);
/// store.put("counters/stan", b"000001")?;
/// assert_eq!(store.put("counters/stan", b"000002").unwrap_err().code(), "store.crashed");
/// let restarted = store.durable();
/// assert_eq!(restarted.get("counters/stan")?, Some(b"000001".to_vec()));
/// # Ok::<(), poscore::store::StoreError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    records: BTreeMap<String, Vec<u8>>,
    writes: u64,
    crash_after: Option<u64>,
    crashed: bool,
}

impl MemoryStore {
    /// An empty store with no fault injection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Simulates a crash: the write after `n` more successful writes fails with
    /// [`StoreError::Crashed`] without changing anything, and so does every call after it.
    pub fn crash_after_writes(&mut self, n: u64) {
        self.crash_after = Some(self.writes + n);
    }

    /// Successful writes (`put`, `delete`, non-empty `apply`) so far: a test first counts the
    /// writes of a scenario, then replays it crashing after each count.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    /// True once a simulated crash happened.
    pub fn is_crashed(&self) -> bool {
        self.crashed
    }

    /// What survives a power loss now: a fresh store with the same records and no fault state.
    #[must_use]
    pub fn durable(&self) -> MemoryStore {
        MemoryStore { records: self.records.clone(), ..MemoryStore::default() }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn alive(&self) -> Result<(), StoreError> {
        if self.crashed {
            return Err(StoreError::Crashed { step: "after crash".into() });
        }
        Ok(())
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.alive()?;
        validate_key(key)?;
        Ok(self.records.get(key).cloned())
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.alive()?;
        validate_prefix(prefix)?;
        // BTreeMap<String> iterates in byte order, the order the contract asks for.
        Ok(self
            .records
            .range(prefix.to_string()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }

    fn apply(&mut self, ops: &[Op]) -> Result<(), StoreError> {
        self.alive()?;
        ops.iter().try_for_each(Op::validate)?;
        if ops.is_empty() {
            return Ok(());
        }
        if self.crash_after.is_some_and(|n| self.writes >= n) {
            self.crashed = true;
            return Err(StoreError::Crashed { step: format!("write {}", self.writes + 1) });
        }
        for op in ops {
            match op {
                Op::Put { key, value } => {
                    self.records.insert(key.clone(), value.clone());
                }
                Op::Delete { key } => {
                    self.records.remove(key);
                }
            }
        }
        self.writes += 1;
        Ok(())
    }
}
