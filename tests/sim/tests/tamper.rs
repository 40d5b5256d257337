//! Journal integrity beyond a single record: each attack the issue names is detected, with the
//! diagnosis an operator sees, and the documented recovery gets the terminal back to work
//! without reusing a STAN.

use std::cell::RefCell;
use std::rc::Rc;

use poscore::store::{MemoryStore, Op, Store, StoreError};
use poscore::terminal::{Damage, Request, RollbackGuard, Terminal, TerminalError, TxnStatus};
use poscore_sim::cards::{chip, pin};
use poscore_sim::pair::{test_config, tmk, Pair, SharedStore};
use poscore_sim::Fault;

fn sale(amount: u64) -> Request {
    Request::Sale { amount, card: chip(), pin: pin() }
}

/// A terminal day over `store`: sign-on, sales, a pending reversal.
fn day(store: &SharedStore) -> Pair {
    let mut p = Pair::new(Box::new(store.clone()), 21, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    p.run(sale(1_000)).unwrap();
    p.run(sale(2_000)).unwrap();
    p.acquirer.push_fault(Some("0200"), Fault::DropResponse);
    p.run(sale(3_000)).unwrap(); // a pending reversal
    assert_eq!(p.terminal.pending().len(), 1);
    p
}

fn open(store: MemoryStore) -> Result<Terminal, TerminalError> {
    Terminal::new(test_config(), tmk(), Box::new(store), Box::new(poscore::rng::SeededRng::new(1)), 0)
}

fn damage_of(r: Result<Terminal, TerminalError>) -> (Vec<Damage>, TerminalError) {
    match r {
        Err(e @ TerminalError::JournalDamaged { .. }) => {
            let TerminalError::JournalDamaged { damage } = &e else { unreachable!() };
            (damage.clone(), e)
        }
        Err(e) => panic!("expected journal damage, got {e}"),
        Ok(_) => panic!("a damaged journal was accepted"),
    }
}

fn assert_diagnosed(p: &Pair, e: &TerminalError) {
    assert_eq!(e.code(), "terminal.journal_damaged");
    let d = p.terminal.diagnose_error(e).expect("a diagnosis");
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["entry"]["code"], "T801", "{v}");
    assert!(v["entry"]["operator"]["zh"].as_str().unwrap().contains("流水"), "{v}");
}

#[test]
fn an_intact_journal_reopens() {
    let store = SharedStore::new(MemoryStore::new());
    let _p = day(&store);
    open(store.durable()).expect("intact");
}

#[test]
fn a_deleted_pending_reversal_is_detected() {
    let store = SharedStore::new(MemoryStore::new());
    let p = day(&store);
    let mut s = store.durable();
    let key = s.list("txn/").unwrap().into_iter().find(|k| {
        let v = String::from_utf8(s.get(k).unwrap().unwrap()).unwrap();
        v.contains("\"pending\"")
    });
    s.apply(&[Op::delete(key.expect("a pending record"))]).unwrap();
    let (damage, e) = damage_of(open(s));
    assert!(matches!(damage[..], [Damage::ManifestMismatch { .. }]), "{damage:?}");
    assert_diagnosed(&p, &e);
}

#[test]
fn a_deleted_stan_lease_is_detected() {
    let store = SharedStore::new(MemoryStore::new());
    let _p = day(&store);
    let mut s = store.durable();
    s.apply(&[Op::delete("term/stan")]).unwrap();
    let (damage, _) = damage_of(open(s));
    assert!(matches!(damage[..], [Damage::ManifestMismatch { .. }]), "{damage:?}");
}

#[test]
fn an_older_copy_of_a_record_is_detected() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = day(&store);
    let before = store.durable();
    p.quiesce(); // the reversal goes out and is acknowledged: its record changes
    p.run(sale(4_000)).unwrap(); // and the journal goes on
    let mut s = store.durable();
    let key = before
        .list("txn/")
        .unwrap()
        .into_iter()
        .find(|k| before.get(k).unwrap() != s.get(k).unwrap() && k.starts_with("txn/"))
        .expect("a record changed");
    s.apply(&[Op::put(key.clone(), before.get(&key).unwrap().unwrap())]).unwrap();
    let (damage, _) = damage_of(open(s));
    assert!(matches!(damage[..], [Damage::ManifestMismatch { .. }]), "{damage:?}");
}

#[test]
fn a_record_from_another_terminal_is_refused() {
    // Another terminal (same key material, same store format) approves CNY 9,999.99.
    let other = SharedStore::new(MemoryStore::new());
    let mut cfg = test_config();
    cfg.terminal_id = "87654321".into();
    let mut q = Pair::new(Box::new(other.clone()), 5, cfg).unwrap();
    q.run(Request::SignOn).unwrap();
    q.run(sale(999_999)).unwrap();
    let theirs = other.durable();
    let (key, value) = theirs
        .list("txn/")
        .unwrap()
        .into_iter()
        .map(|k| {
            let v = theirs.get(&k).unwrap().unwrap();
            (k, v)
        })
        .next()
        .unwrap();

    let store = SharedStore::new(MemoryStore::new());
    let _p = day(&store);
    let mut s = store.durable();
    let key = key.replace("txn/000001/", "txn/000001/9");
    s.apply(&[Op::put(key.clone(), value)]).unwrap();
    let (damage, _) = damage_of(open(s));
    assert!(
        damage.iter().any(|d| matches!(d, Damage::ForeignRecord { terminal_id, .. } if terminal_id == "87654321")),
        "{damage:?}"
    );
}

#[derive(Debug, Clone, Default)]
struct Counter(Rc<RefCell<u64>>);

impl RollbackGuard for Counter {
    fn current(&self) -> Result<u64, StoreError> {
        Ok(*self.0.borrow())
    }
    fn advance(&mut self, seq: u64) -> Result<(), StoreError> {
        let mut c = self.0.borrow_mut();
        assert!(seq >= *c, "the counter never goes back");
        *c = seq;
        Ok(())
    }
}

/// The engine over `store` with `counter` as its rollback guard.
fn open_guarded(store: Box<dyn Store>, counter: &Counter, seed: u64, now: u64) -> Result<Terminal, TerminalError> {
    let rng = Box::new(poscore::rng::SeededRng::new(seed));
    Terminal::with_rollback_guard(test_config(), tmk(), store, rng, now, Box::new(counter.clone()))
}

/// A signed-on pair whose terminal writes `store` under `counter`.
fn guarded_day(store: &SharedStore, counter: &Counter) -> Pair {
    let mut p = Pair::new(Box::new(store.clone()), 21, test_config()).unwrap();
    p.terminal = open_guarded(Box::new(store.clone()), counter, 21, p.now).unwrap();
    p.run(Request::SignOn).unwrap();
    p
}

#[test]
fn a_restored_older_journal_is_caught_by_the_rollback_guard_only() {
    let store = SharedStore::new(MemoryStore::new());
    let counter = Counter::default();
    let mut p = guarded_day(&store, &counter);
    p.run(sale(1_000)).unwrap();
    let old = store.durable(); // the copy an attacker keeps
    p.run(sale(2_000)).unwrap();
    // Consistent with itself: without a counter, the rollback cannot be seen from inside.
    open(old.clone()).expect("an older complete copy is self-consistent");
    let (damage, _) = damage_of(open_guarded(Box::new(old), &counter, 1, 0));
    assert!(matches!(damage[..], [Damage::Rollback { .. }]), "{damage:?}");
}

#[test]
fn recovery_keeps_the_damage_for_audit_signs_on_again_and_never_reuses_a_stan() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = day(&store);
    p.quiesce();
    let mut s = store.durable();
    s.apply(&[Op::delete("term/stan")]).unwrap();
    s.apply(&[Op::put("txn/000001/999999", b"{\"not\":\"ours\"}".to_vec())]).unwrap();
    let shared = SharedStore::new(s);
    let (t, damage) = Terminal::recover(
        test_config(),
        tmk(),
        Box::new(shared.clone()),
        Box::new(poscore::rng::SeededRng::new(3)),
        p.now,
        None,
    )
    .unwrap();
    assert!(damage.iter().any(|d| matches!(d, Damage::Unreadable { .. })), "{damage:?}");
    assert!(!t.is_signed_on(), "the keys are dropped: sign on again");
    let audit = shared.durable().list("audit/").unwrap();
    assert_eq!(audit.len(), 1, "the unreadable record is kept for audit: {audit:?}");
    // The recovered journal is intact now, and the engine goes on with the same host.
    p.terminal = t;
    if let Err(e) = open(shared.durable()) {
        panic!("recovered journal reopens: {e}");
    }
    p.run(Request::SignOn).unwrap();
    p.run(sale(500)).unwrap();
    p.run(Request::Settle).unwrap();
    assert!(p.acquirer.ledger.stan_reuse.is_empty(), "{:?}", p.acquirer.ledger.stan_reuse);
    assert!(p.terminal.records().any(|r| r.amount == 500 && r.status == TxnStatus::Approved));
    assert!(p.events_of("settlement_balanced").len() + p.events_of("batch_uploaded").len() >= 1);
}

#[test]
fn recovery_from_a_rollback_moves_the_journal_past_the_guard() {
    let store = SharedStore::new(MemoryStore::new());
    let counter = Counter::default();
    let mut p = guarded_day(&store, &counter);
    let old = store.durable();
    p.run(sale(1_000)).unwrap();
    let ahead = *counter.0.borrow();
    let shared = SharedStore::new(old);
    let (damage, _) = damage_of(open_guarded(Box::new(shared.durable()), &counter, 1, 0));
    assert!(matches!(damage[..], [Damage::Rollback { .. }]), "{damage:?}");
    // The counter never goes back (Counter asserts it): recovery writes past it.
    let (_, damage) = Terminal::recover(
        test_config(),
        tmk(),
        Box::new(shared.clone()),
        Box::new(poscore::rng::SeededRng::new(3)),
        0,
        Some(Box::new(counter.clone())),
    )
    .unwrap();
    assert!(matches!(damage[..], [Damage::Rollback { .. }]), "{damage:?}");
    assert!(*counter.0.borrow() > ahead);
    open_guarded(Box::new(shared.durable()), &counter, 1, 0).expect("the recovered journal is at the guard");
}
