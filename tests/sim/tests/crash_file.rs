//! Crash consistency on the real file store: power is cut at a random I/O step of the store
//! (before a write, after a torn write, before an fsync, a rename or a directory fsync), the
//! store is reopened (recovering any committed batch), the terminal restarts from it, and the
//! same invariants as `crash.rs` are checked against the simulator's ledger. Fewer schedules than
//! the memory-store test, because every durable write really fsyncs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use poscore::store::file::{FailAction, FileStore, FileStoreOptions, IoKind};
use poscore::terminal::{Request, Resolution, TxnStatus};
use poscore_sim::cards::{chip, magstripe, pin, qr};
use poscore_sim::pair::{test_config, Pair};
use poscore_sim::{FaultRates, SplitMix as Dice};

struct Power {
    /// Crash at this I/O step index (counted across the store's life), if set.
    at: Arc<AtomicU64>,
    steps: Arc<AtomicU64>,
    torn: Arc<AtomicBool>,
    died: Arc<AtomicBool>,
}

fn open(dir: &std::path::Path, power: &Power) -> FileStore {
    let (at, steps, torn, died) = (power.at.clone(), power.steps.clone(), power.torn.clone(), power.died.clone());
    let fail_point = Box::new(move |step: &poscore::store::file::IoStep| {
        let n = steps.fetch_add(1, Ordering::SeqCst);
        if n == at.load(Ordering::SeqCst) {
            died.store(true, Ordering::SeqCst);
            if step.kind == IoKind::Write && torn.load(Ordering::SeqCst) {
                return FailAction::TornWrite(7);
            }
            return FailAction::Crash;
        }
        FailAction::Proceed
    });
    FileStore::open_with(dir, FileStoreOptions { fail_point: Some(fail_point), ..FileStoreOptions::default() })
        .expect("the store reopens after any crash")
}

fn schedule(seed: u64) -> u64 {
    let dir = std::env::temp_dir().join(format!("poscore-crash-file-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut d = Dice(seed.wrapping_mul(31) + 7);
    let power = Power {
        at: Arc::new(AtomicU64::new(u64::MAX)),
        steps: Arc::new(AtomicU64::new(0)),
        torn: Arc::new(AtomicBool::new(false)),
        died: Arc::new(AtomicBool::new(false)),
    };
    let mut p = Pair::new(Box::new(open(&dir, &power)), seed, test_config()).unwrap();
    p.acquirer.rates =
        FaultRates { drop_response: 0.1, late: 0.05, corrupt_mac: 0.05, line_drop: 0.05, ..FaultRates::default() };
    let mut crashes = 0;
    let tid = p.terminal.config().terminal_id.clone();
    let mut acked = std::collections::BTreeMap::new();
    let mut note_acks = |p: &Pair| {
        for r in p.terminal.records().filter(|r| r.status == TxnStatus::Reversed) {
            let k = (tid.clone(), r.batch.clone(), r.stan.clone());
            let n = p.acquirer.ledger.reversal_requests.get(&k).copied().unwrap_or(0);
            acked.entry(k).or_insert(n);
        }
    };
    for _ in 0..6 {
        // Cut the power somewhere in the next ~25 store I/O steps.
        let now = power.steps.load(Ordering::SeqCst);
        power.at.store(now + d.below(25), Ordering::SeqCst);
        power.torn.store(d.below(2) == 0, Ordering::SeqCst);
        let request = if p.terminal.is_signed_on() {
            match d.below(4) {
                0 => Request::Sale { amount: 100 + d.below(9_000), card: magstripe(), pin: pin() },
                1 => Request::Sale { amount: 100 + d.below(9_000), card: qr(), pin: None },
                _ => Request::Sale { amount: 100 + d.below(9_000), card: chip(), pin: pin() },
            }
        } else {
            Request::SignOn
        };
        if p.terminal.start(request, p.now).is_ok() {
            p.settle();
        }
        note_acks(&p);
        if power.died.swap(false, Ordering::SeqCst) {
            crashes += 1;
            power.at.store(u64::MAX, Ordering::SeqCst);
            p.restart(Box::new(open(&dir, &power)), seed, test_config()).expect("restart from the recovered store");
        }
        power.at.store(u64::MAX, Ordering::SeqCst);
    }
    p.acquirer.clear_faults();
    for _ in 0..4 {
        if !p.terminal.is_signed_on() {
            let _ = p.terminal.start(Request::SignOn, p.now);
        }
        p.quiesce();
        note_acks(&p);
        let exhausted: Vec<_> =
            p.terminal.pending().iter().filter(|r| r.status == TxnStatus::Exhausted).map(|r| r.stan.clone()).collect();
        for s in exhausted {
            p.terminal.resolve_exhausted_reversal(&s, Resolution::Retry, p.now).unwrap();
        }
    }
    p.quiesce();
    note_acks(&p);
    assert!(p.terminal.pending().is_empty(), "seed {seed}: lost or stuck reversal {:?}", p.terminal.pending());
    assert_eq!(p.host_net(), p.terminal_net(), "seed {seed}: host net != approved log; log {:?}", p.acquirer.log);
    assert!(p.acquirer.ledger.stan_reuse.is_empty(), "seed {seed}: STAN reused");
    let ledger = &p.acquirer.ledger;
    assert!(ledger.double_settlements.is_empty(), "seed {seed}: batch settled twice: {:?}", ledger.double_settlements);
    assert!(
        ledger.booked_into_closed_batch.is_empty(),
        "seed {seed}: booked into a closed batch: {:?}",
        ledger.booked_into_closed_batch
    );
    for (k, n) in &acked {
        assert_eq!(
            p.acquirer.ledger.reversal_requests[k], *n,
            "seed {seed}: reversal {k:?} sent again after its acknowledgement"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    crashes
}

#[test]
fn file_store_power_cuts_keep_the_books() {
    let n: u64 = std::env::var("POSCORE_FILE_CRASH_SCHEDULES").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let crashes: u64 = (0..n).map(schedule).sum();
    println!("file-store crash test: {n} schedules, {crashes} power cuts inside store I/O (write, torn write, fsync, rename, dir fsync)");
    assert!(crashes > n / 2);
}
