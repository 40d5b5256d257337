//! A terminal and the acquirer on a virtual clock: the deterministic simulation the fault-matrix
//! and crash tests drive (quinn-proto's `Pair` pattern). No threads, no sockets, no real time.

use poscore::keys::{Algorithm, Key, KeyUsage};
use poscore::rng::SeededRng;
use poscore::store::Store;
use poscore::terminal::{CommFailure, Config, Event, Request, Terminal, TerminalError};

use crate::{Acquirer, Reply, TEST_TMK};

/// One-way latency of the simulated line, ms.
pub const LATENCY_MS: u64 = 20;

/// The terminal-side configuration the simulations use: short timers so a schedule with many
/// timeouts still runs in microseconds of virtual time.
pub fn test_config() -> Config {
    Config {
        response_timeout_ms: 1_000,
        reversal_backoff_ms: 500,
        reversal_idle_delay_ms: 5_000,
        stan_block: 10,
        // The invariants compare the host's ledger with every approval the terminal logged.
        keep_batches: 0,
        // Field 59 in every financial request, as acquirers require.
        terminal_info: Some(poscore::terminal::TerminalInfo::demo()),
        // Offline acceptance on, with the default limits and a short retry.
        offline: poscore::terminal::OfflineLimits { enabled: true, retry_ms: 2_000, ..Default::default() },
        ..Config::demo()
    }
}

/// The shared test TMK as a key.
pub fn tmk() -> Key {
    Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::KeyEncryption, TEST_TMK).expect("test TMK")
}

/// Terminal + acquirer + virtual clock + frames in transit.
#[derive(Debug)]
pub struct Pair {
    /// The engine under test.
    pub terminal: Terminal,
    /// The host.
    pub acquirer: Acquirer,
    /// Virtual unix ms.
    pub now: u64,
    /// Frames on their way to the terminal: `(arrival, bytes)`.
    pub transit: Vec<(u64, Vec<u8>)>,
    /// Every event the terminal produced.
    pub events: Vec<Event>,
    /// Frames sent by the terminal, by MTI.
    pub sent: Vec<String>,
}

impl Pair {
    /// A fresh pair over `store`.
    pub fn new(store: Box<dyn Store>, seed: u64, config: Config) -> Result<Self, TerminalError> {
        let now = 1_795_451_125_000;
        let terminal = Terminal::new(config, tmk(), store, Box::new(SeededRng::new(seed)), now)?;
        Ok(Self {
            terminal,
            acquirer: Acquirer::new(seed),
            now,
            transit: Vec::new(),
            events: Vec::new(),
            sent: Vec::new(),
        })
    }

    /// Replaces the terminal (a restart over the durable store), keeping the host and the line.
    /// Frames in transit to the dead terminal are lost (its connection died with it).
    pub fn restart(&mut self, store: Box<dyn Store>, seed: u64, config: Config) -> Result<(), TerminalError> {
        self.transit.clear();
        self.now += 1_000;
        self.terminal = Terminal::new(config, tmk(), store, Box::new(SeededRng::new(seed)), self.now)?;
        Ok(())
    }

    /// Starts a request and runs until quiescent.
    pub fn run(&mut self, request: Request) -> Result<u64, TerminalError> {
        let id = self.terminal.start(request, self.now)?;
        self.settle();
        Ok(id)
    }

    /// Moves bytes and time until the request is over: nothing in flight or in transit. A
    /// pending reversal waiting for "the next request" stays pending; see [`Pair::quiesce`].
    pub fn settle(&mut self) -> usize {
        let mut n = 0;
        while n < 10_000 && self.step(false) {
            n += 1;
        }
        n
    }

    /// Runs every timer too (idle reversals, backoffs) until nothing at all can happen.
    pub fn quiesce(&mut self) -> usize {
        let mut n = 0;
        while n < 10_000 && self.step(true) {
            n += 1;
        }
        n
    }

    /// One step (the crash test stops between steps); false when there is nothing to do.
    /// `timers`: also advance to timers of an idle terminal (pending reversal attempts).
    pub fn step(&mut self, timers: bool) -> bool {
        self.drain();
        let next_frame = self.transit.iter().map(|(t, _)| *t).min();
        let busy = !self.terminal.is_idle() || self.terminal.awaiting_response();
        let next_timer = if timers || busy { self.terminal.poll_timeout() } else { None };
        let next = match (next_frame, next_timer) {
            (None, None) => return false,
            (a, b) => a.into_iter().chain(b).min().expect("one is set"),
        };
        self.now = self.now.max(next);
        let now = self.now;
        let (due, later): (Vec<_>, Vec<_>) = self.transit.drain(..).partition(|(t, _)| *t <= now);
        self.transit = later;
        for (_, bytes) in due {
            self.terminal.handle_received(&bytes, now);
            self.drain();
        }
        self.terminal.handle_timeout(now);
        self.drain();
        true
    }

    /// Hands the terminal's transmits to the host and collects events.
    pub fn drain(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(ev) = self.terminal.poll_event() {
                self.events.push(ev);
                progressed = true;
            }
            if let Some(tx) = self.terminal.poll_transmit() {
                progressed = true;
                self.sent.push(tx.mti.clone());
                match self.acquirer.handle_detailed(&tx.bytes) {
                    Reply::Refused => self.terminal.handle_comm_error(CommFailure::ConnectFailed, self.now),
                    Reply::LineDrop => self.terminal.handle_comm_error(CommFailure::LineDropped, self.now),
                    Reply::Nothing => {}
                    Reply::Send(frames) => {
                        for (delay, bytes) in frames {
                            self.transit.push((self.now + 2 * LATENCY_MS + delay, bytes));
                        }
                    }
                }
            }
            if !progressed {
                break;
            }
        }
    }

    /// Events of one type name (`approved`, `reversal_cleared`...), as JSON values.
    pub fn events_of(&self, kind: &str) -> Vec<serde_json::Value> {
        self.events
            .iter()
            .map(|e| serde_json::to_value(e).expect("events serialize"))
            .filter(|v| v["type"] == kind)
            .collect()
    }

    /// Terminal's approved log, signed, all batches (what the host must hold).
    pub fn terminal_net(&self) -> i64 {
        self.terminal
            .records()
            .filter(|r| r.status == poscore::terminal::TxnStatus::Approved)
            .map(|r| i64::from(r.kind.sign()) * i64::try_from(r.amount).expect("amount fits"))
            .sum()
    }

    /// Host's net for this terminal.
    pub fn host_net(&self) -> i64 {
        self.acquirer.ledger.net_for_terminal(&self.terminal.config().terminal_id)
    }
}

/// A [`MemoryStore`](poscore::store::MemoryStore) the test keeps a handle on while the terminal
/// owns it: the crash tests read what a power loss leaves ([`SharedStore::durable`]) and arm
/// the store's crash switch.
#[derive(Debug, Clone, Default)]
pub struct SharedStore(pub std::rc::Rc<std::cell::RefCell<poscore::store::MemoryStore>>);

impl SharedStore {
    /// Wraps a store.
    pub fn new(store: poscore::store::MemoryStore) -> Self {
        Self(std::rc::Rc::new(std::cell::RefCell::new(store)))
    }

    /// What survives a power loss now, as a fresh store.
    pub fn durable(&self) -> poscore::store::MemoryStore {
        self.0.borrow().durable()
    }
}

impl Store for SharedStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, poscore::store::StoreError> {
        self.0.borrow().get(key)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, poscore::store::StoreError> {
        self.0.borrow().list(prefix)
    }
    fn apply(&mut self, ops: &[poscore::store::Op]) -> Result<(), poscore::store::StoreError> {
        self.0.borrow_mut().apply(ops)
    }
}
