//! The simulator over loopback TCP: one thread per connection, std only.
//!
//! Each frame read is handed to the shared [`Acquirer`]; its [`Reply`] is played out on the
//! socket: answers written (after their delay), the connection closed for a line drop, and a
//! refused connection approximated by closing it before answering (a listening socket cannot
//! refuse one connection and accept the next).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use poscore::iso8583::FrameDecoder;

use crate::{Acquirer, Reply, LATE_MS};

/// A running server.
#[derive(Debug)]
pub struct Server {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Server {
    /// Stops accepting and joins the accept thread.
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Serves `acquirer` on `127.0.0.1:port` (0 picks a free port). Delays longer than
/// `max_delay_ms` (the in-process [`LATE_MS`]) are shortened to it, so a "late" answer arrives
/// after the terminal's timeout without holding a thread for minutes.
pub fn serve(port: u16, acquirer: Arc<Mutex<Acquirer>>, max_delay_ms: u64) -> std::io::Result<Server> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let port = listener.local_addr()?.port();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let handle = std::thread::spawn(move || {
        for conn in listener.incoming() {
            if stop2.load(Ordering::SeqCst) {
                break;
            }
            let Ok(conn) = conn else { continue };
            let acq = acquirer.clone();
            std::thread::spawn(move || connection(conn, &acq, max_delay_ms));
        }
    });
    Ok(Server { port, stop, handle: Some(handle) })
}

fn connection(mut conn: TcpStream, acq: &Mutex<Acquirer>, max_delay_ms: u64) {
    let _ = conn.set_nodelay(true);
    let mut decoder = FrameDecoder::new(poscore::iso8583::FrameConfig::cup());
    let mut buf = [0u8; 4096];
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let replies = {
            let Ok(mut a) = acq.lock() else { return };
            a.handle_stream(&mut decoder, &buf[..n])
        };
        for r in replies {
            match r {
                Reply::Refused | Reply::LineDrop => {
                    let _ = conn.shutdown(Shutdown::Both);
                    return;
                }
                Reply::Nothing => {}
                Reply::Send(frames) => {
                    for (delay, bytes) in frames {
                        let d = if delay >= LATE_MS { max_delay_ms } else { delay.min(max_delay_ms) };
                        if d > 0 {
                            std::thread::sleep(Duration::from_millis(d));
                        }
                        if conn.write_all(&bytes).is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
}
