//! Journal integrity beyond a single record.
//!
//! A store catches a damaged record (checksum, AEAD tag) but not a record that is *missing*,
//! an older copy of the whole journal restored over the newer one, or a record copied in from
//! another terminal sealed with the same key. Each would move money silently: a deleted pending
//! reversal leaves the cardholder charged, a deleted STAN lease reuses STANs, a restored copy
//! reverses sales whose receipts were printed, a copied record is an approval the host never
//! gave. So every value the engine writes is wrapped in an envelope:
//!
//! - `tid`: the terminal id. Inside a sealed store it is authenticated with the record, so a
//!   record from another terminal does not pass as ours.
//! - `seq`: a journal-wide write counter, one per put.
//! - `live`: SHA-256 over the sorted `(key, seq)` pairs of every live record after that write
//!   (the manifest). The newest record's manifest must describe exactly what the store holds:
//!   a deleted, added, swapped or older record changes it.
//!
//! What cannot be seen from inside the store: a rollback to a complete older copy is consistent
//! with itself. A host that has a monotonic counter (the Android Keystore's rollback-resistant
//! keys, a server, `IndexedDB` plus a server) plugs it in as a [`RollbackGuard`]; the engine
//! advances it after each write and refuses a journal older than it. Without one, rollback of a
//! whole copy is not detected, and the docs say so.
//!
//! A deletion is only visible if a record that remains describes the deleted one. Overwrites and
//! deletions always leave such a record; a write that *creates* a key (a request's first journal
//! record) also rewrites `term/head`, so deleting the newest record of all is caught too. Without
//! that, deleting a pending reversal written last would look like a journal that never had it.
//! What remains undetectable from inside is undoing the last writes together with `term/head`,
//! which is a rollback: the [`RollbackGuard`] is for that.
//!
//! Costs: the manifest rides on the records each write puts anyway; a write that creates a key
//! or only deletes puts `term/head` beside it, in the same atomic write. With the file store that
//! makes a sale 7 fsyncs (a 2-record atomic write of 5, then the outcome's 2) instead of the
//! reversal-first minimum of 4.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::store::{Op, Store, StoreError};

/// A monotonic counter outside the journal, for rollback detection. The engine calls
/// [`RollbackGuard::advance`] with the journal's write counter after every durable write and
/// [`RollbackGuard::current`] once when it loads the journal.
pub trait RollbackGuard: std::fmt::Debug {
    /// The highest journal write counter recorded (0 when never advanced).
    fn current(&self) -> Result<u64, StoreError>;
    /// Records that the journal has reached `seq`. Must never go backwards.
    fn advance(&mut self, seq: u64) -> Result<(), StoreError>;
}

/// What is wrong with a journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Damage {
    /// A record that does not parse as an engine record (or predates terminal binding).
    Unreadable {
        /// The key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A record written by another terminal.
    ForeignRecord {
        /// The key.
        key: String,
        /// The terminal id it names.
        terminal_id: String,
    },
    /// The records do not match the newest manifest: one was deleted, added, or replaced by an
    /// older copy.
    ManifestMismatch {
        /// Records the store holds.
        records: usize,
        /// Write counter of the newest record.
        newest_seq: u64,
    },
    /// The journal is older than the host's monotonic counter: a restored older copy.
    Rollback {
        /// The journal's newest write counter.
        journal_seq: u64,
        /// The counter's value.
        guard_seq: u64,
    },
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable { key, reason } => write!(f, "record {key} is unreadable: {reason}"),
            Self::ForeignRecord { key, terminal_id } => {
                write!(f, "record {key} belongs to terminal {terminal_id}, not this one")
            }
            Self::ManifestMismatch { records, newest_seq } => write!(
                f,
                "the {records} records do not match the manifest of write {newest_seq}: a record was deleted, added or replaced by an older copy"
            ),
            Self::Rollback { journal_seq, guard_seq } => write!(
                f,
                "the journal ends at write {journal_seq} but the rollback counter says {guard_seq}: an older copy was restored"
            ),
        }
    }
}

/// The wrapper of every engine record (written by [`envelope`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    tid: String,
    seq: u64,
    live: String,
    body: serde_json::Value,
}

/// The journal's write counter and live set, as the engine keeps them in memory.
#[derive(Debug, Clone, Default)]
pub(super) struct Manifest {
    seq: u64,
    live: BTreeMap<String, u64>,
}

fn digest(live: &BTreeMap<String, u64>) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for (k, seq) in live {
        ctx.update(k.as_bytes());
        ctx.update(&[0]);
        ctx.update(&seq.to_be_bytes());
    }
    crate::keys::hex_encode(ctx.finish().as_ref())
}

/// Rewritten beside every write that creates a key (see the module docs).
pub(super) const KEY_HEAD: &str = "term/head";

/// The key prefixes the engine owns.
pub(super) const PREFIXES: [&str; 2] = ["term/", "txn/"];

impl Manifest {
    /// The write counter.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Writes `ops` (engine records: each put is wrapped for terminal `tid` and carries the new
    /// manifest) and `raw` (written as they are) in one atomic write, then advances `guard`.
    /// Returns the manifest after the write; `self` describes the journal until it succeeds.
    /// Every engine write goes through here, at start-up (recovery) and after.
    pub fn write(
        &self,
        store: &mut dyn Store,
        guard: Option<&mut (dyn RollbackGuard + '_)>,
        tid: &str,
        ops: Vec<Op>,
        raw: Vec<Op>,
    ) -> Result<Manifest, StoreError> {
        let (sealed, next) = self.seal(ops, tid);
        store.apply(&[raw, sealed].concat())?;
        if let Some(g) = guard {
            g.advance(next.seq)?;
        }
        Ok(next)
    }

    /// Moves the write counter to at least `seq` (recovering from a rollback: the counter must
    /// not go back behind the guard's).
    pub fn skip_to(&mut self, seq: u64) {
        self.seq = self.seq.max(seq);
    }

    /// `ops` with every put wrapped for terminal `tid`, and the manifest after them.
    fn seal(&self, mut ops: Vec<Op>, tid: &str) -> (Vec<Op>, Manifest) {
        // A write that creates a key, or only deletes, carries the manifest in `term/head`.
        let creates = ops.iter().any(|o| matches!(o, Op::Put { key, .. } if !self.live.contains_key(key)));
        let only_deletes = !ops.iter().any(|o| matches!(o, Op::Put { .. }));
        if (creates || only_deletes) && !ops.iter().any(|o| o.key() == KEY_HEAD) {
            ops.push(Op::put(KEY_HEAD, b"{}".to_vec()));
        }
        let mut next = self.clone();
        let mut seqs = Vec::with_capacity(ops.len());
        for op in &ops {
            match op {
                Op::Put { key, .. } => {
                    next.seq += 1;
                    next.live.insert(key.clone(), next.seq);
                    seqs.push(next.seq);
                }
                Op::Delete { key } => {
                    next.live.remove(key);
                    seqs.push(0);
                }
            }
        }
        let live = digest(&next.live);
        let sealed = ops
            .into_iter()
            .zip(seqs)
            .map(|(op, seq)| match op {
                Op::Put { key, value } => Op::put(key, envelope(tid, seq, &live, &value)),
                delete @ Op::Delete { .. } => delete,
            })
            .collect();
        (sealed, next)
    }
}

/// The bytes of an [`Envelope`] around `body` (an engine record, already JSON), written directly:
/// the body is not parsed again on every write.
fn envelope(tid: &str, seq: u64, live: &str, body: &[u8]) -> Vec<u8> {
    let tid = serde_json::to_string(tid).expect("strings serialize");
    let mut v = Vec::with_capacity(body.len() + tid.len() + live.len() + 40);
    v.extend_from_slice(format!("{{\"tid\":{tid},\"seq\":{seq},\"live\":\"{live}\",\"body\":").as_bytes());
    v.extend_from_slice(body);
    v.push(b'}');
    v
}

/// A journal as loaded: each record's body by key, and the manifest.
#[derive(Debug, Default)]
pub(super) struct Loaded {
    pub bodies: BTreeMap<String, Vec<u8>>,
    pub manifest: Manifest,
    /// What is wrong with it (empty when intact).
    pub damage: Vec<Damage>,
}

/// One engine record's body, read after open (reports read their summaries on demand): the
/// envelope must name this terminal, or the record is reported as damaged.
pub(super) fn read_body(store: &dyn Store, key: &str, tid: &str) -> Result<Option<Vec<u8>>, super::TerminalError> {
    let Some(bytes) = store.get(key)? else { return Ok(None) };
    let env: Envelope = serde_json::from_slice(&bytes)
        .map_err(|e| super::TerminalError::BadRecord { key: key.to_owned(), reason: e.to_string() })?;
    if env.tid != tid {
        let damage = vec![Damage::ForeignRecord { key: key.to_owned(), terminal_id: env.tid }];
        return Err(super::TerminalError::JournalDamaged { damage });
    }
    Ok(Some(serde_json::to_vec(&env.body).expect("JSON values serialize")))
}

/// Reads every engine record of `store` and checks it belongs to `tid` and matches the newest
/// manifest (and `guard`, when there is one). Records that cannot be read are reported, not
/// returned; store errors (I/O, a record failing its own checksum) are returned as errors.
pub(super) fn load(store: &dyn Store, tid: &str, guard: Option<&dyn RollbackGuard>) -> Result<Loaded, StoreError> {
    let mut out = Loaded::default();
    let mut newest: Option<(u64, String)> = None;
    for prefix in PREFIXES {
        for key in store.list(prefix)? {
            let Some(bytes) = store.get(&key)? else { continue };
            let env: Envelope = match serde_json::from_slice(&bytes) {
                Ok(e) => e,
                Err(e) => {
                    out.damage.push(Damage::Unreadable { key, reason: format!("not a terminal-bound record: {e}") });
                    continue;
                }
            };
            if env.tid != tid {
                out.damage.push(Damage::ForeignRecord { key, terminal_id: env.tid });
                continue;
            }
            if newest.as_ref().is_none_or(|(s, _)| env.seq > *s) {
                newest = Some((env.seq, env.live.clone()));
            }
            out.manifest.seq = out.manifest.seq.max(env.seq);
            out.manifest.live.insert(key.clone(), env.seq);
            out.bodies.insert(key, serde_json::to_vec(&env.body).expect("JSON values serialize"));
        }
    }
    if let Some((seq, live)) = &newest {
        if out.damage.is_empty() && digest(&out.manifest.live) != *live {
            out.damage.push(Damage::ManifestMismatch { records: out.manifest.live.len(), newest_seq: *seq });
        }
    }
    if let Some(g) = guard {
        let guard_seq = g.current()?;
        if guard_seq > out.manifest.seq {
            out.damage.push(Damage::Rollback { journal_seq: out.manifest.seq, guard_seq });
        }
    }
    Ok(out)
}
