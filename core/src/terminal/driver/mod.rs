//! A blocking TCP driver: runs a [`Terminal`] against an acquirer over real sockets and time,
//! in plain TCP or (feature `tls`) TLS 1.2/1.3 with a CA bundle or pinned keys.
//!
//! **Why blocking std, not tokio.** A POS terminal talks to one acquirer, one exchange at a time
//! (short connection per message, as UnionPay terminals do), so there is nothing to multiplex:
//! one socket with a read timeout set from [`Terminal::poll_timeout`] is the whole event loop. A
//! payment core should not bring an async runtime into every host that links it (Android apps,
//! the CLI, embedded Linux terminals), and std keeps the binary small and the behaviour easy to
//! audit. Hosts with their own runtime (JS, Kotlin coroutines) write this same thin loop around
//! `poll_transmit` / `handle_received` / `handle_timeout` instead.
//!
//! Each transmit opens a fresh connection (the previous one is closed): a late answer on an old
//! connection is thereby dropped by the network, as in the field. A connect failure is reported
//! as [`CommFailure::ConnectFailed`] (nothing sent), a write failure as
//! [`CommFailure::SendFailed`], an early close as [`CommFailure::LineDropped`].
//!
//! With TLS the handshake is completed *before* the request is written, so a certificate the
//! terminal refuses is reported as one of the `Tls*` failures (nothing sent, no reversal), and
//! any TLS error after the write (a bad record, an alert, a reset) is a line drop: the request
//! may have reached the host, so the engine reverses it.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{CommFailure, Event, Terminal};

#[cfg(feature = "tls")]
pub mod tls;

/// Milliseconds since the Unix epoch from the system clock (the host's clock, not the core's).
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One open connection to the acquirer.
#[derive(Debug)]
enum Conn {
    Plain(TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<tls::TlsStream>),
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match self {
            Self::Plain(s) => s,
            #[cfg(feature = "tls")]
            Self::Tls(s) => &s.sock,
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf),
            #[cfg(feature = "tls")]
            Self::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(s) => s.write(buf),
            #[cfg(feature = "tls")]
            Self::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Plain(s) => s.flush(),
            #[cfg(feature = "tls")]
            Self::Tls(s) => s.flush(),
        }
    }
}

/// Drives a terminal over TCP (or TLS) to one acquirer address.
#[derive(Debug)]
pub struct TcpDriver {
    addr: SocketAddr,
    /// Limit for opening a connection (and, with TLS, for its handshake).
    pub connect_timeout: Duration,
    #[cfg(feature = "tls")]
    tls: Option<tls::TlsConnector>,
    conn: Option<Conn>,
}

impl TcpDriver {
    /// A driver for the acquirer at `addr`, plain TCP.
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            connect_timeout: Duration::from_secs(5),
            #[cfg(feature = "tls")]
            tls: None,
            conn: None,
        }
    }

    /// A driver for the acquirer at `addr` over TLS: every connection completes its handshake,
    /// verified by `tls`, before the request is written.
    #[cfg(feature = "tls")]
    pub fn with_tls(addr: SocketAddr, tls: tls::TlsConnector) -> Self {
        Self { tls: Some(tls), ..Self::new(addr) }
    }

    /// Opens a connection: TCP, then the TLS handshake when configured. `Err` is the failure to
    /// report; nothing of the request has been written.
    fn open(&self) -> Result<Conn, CommFailure> {
        let s = TcpStream::connect_timeout(&self.addr, self.connect_timeout).map_err(|_| CommFailure::ConnectFailed)?;
        let _ = s.set_nodelay(true);
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return tls.handshake(s, self.connect_timeout).map(|t| Conn::Tls(Box::new(t)));
        }
        Ok(Conn::Plain(s))
    }

    /// Runs until the terminal is idle (the request and everything queued before it are done),
    /// handing every event to `on_event`. Reversals still waiting for "the next request" are left
    /// for the next run; [`TcpDriver::run_due`] sends those whose time has come.
    pub fn run_until_idle(&mut self, t: &mut Terminal, on_event: &mut dyn FnMut(&Event)) {
        self.run(t, on_event, false);
    }

    /// Like [`TcpDriver::run_until_idle`], and also waits for and sends every pending reversal
    /// whose attempt timer is set (exhausted ones excepted): the terminal ends with nothing to
    /// deliver unless the host keeps failing.
    pub fn run_due(&mut self, t: &mut Terminal, on_event: &mut dyn FnMut(&Event)) {
        self.run(t, on_event, true);
    }

    fn run(&mut self, t: &mut Terminal, on_event: &mut dyn FnMut(&Event), timers: bool) {
        let mut buf = [0u8; 4096];
        loop {
            while let Some(e) = t.poll_event() {
                on_event(&e);
            }
            if let Some(tx) = t.poll_transmit() {
                self.conn = None;
                match self.open() {
                    Err(failure) => t.handle_comm_error(failure, now_ms()),
                    Ok(mut s) => {
                        if s.write_all(&tx.bytes).and_then(|()| s.flush()).is_err() {
                            t.handle_comm_error(CommFailure::SendFailed, now_ms());
                        } else {
                            self.conn = Some(s);
                        }
                    }
                }
                continue;
            }
            if !t.awaiting_response() {
                self.conn = None;
            }
            let busy = !t.is_idle() || t.awaiting_response();
            // Idle, a driver waits only for what is owed (never for the keep-alive echo, which
            // would keep it waiting for ever).
            let next = if busy {
                t.poll_timeout()
            } else if timers {
                t.next_delivery_at()
            } else {
                None
            };
            let Some(deadline) = next else { break };
            let now = now_ms();
            if deadline <= now {
                t.handle_timeout(now);
                continue;
            }
            let wait = Duration::from_millis(deadline - now);
            if let Some(s) = self.conn.as_mut() {
                let _ = s.tcp().set_read_timeout(Some(wait));
                match s.read(&mut buf) {
                    Ok(0) => {
                        self.conn = None;
                        t.handle_comm_error(CommFailure::LineDropped, now_ms());
                    }
                    Ok(n) => t.handle_received(&buf[..n], now_ms()),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        t.handle_timeout(now_ms());
                    }
                    Err(_) => {
                        self.conn = None;
                        t.handle_comm_error(CommFailure::LineDropped, now_ms());
                    }
                }
            } else {
                std::thread::sleep(wait);
                t.handle_timeout(now_ms());
            }
        }
    }
}
