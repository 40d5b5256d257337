//! The simulator over loopback TCP (or TLS, [`serve_tls`]): one thread per connection.
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
    serve_opt(port, acquirer, max_delay_ms, None)
}

/// Like [`serve`], over TLS with `config` (see [`tls_server_config`]). A line drop closes the TCP
/// connection without a TLS `close_notify`, as a cut line does.
pub fn serve_tls(
    port: u16,
    acquirer: Arc<Mutex<Acquirer>>,
    max_delay_ms: u64,
    config: Arc<rustls::ServerConfig>,
) -> std::io::Result<Server> {
    serve_opt(port, acquirer, max_delay_ms, Some(config))
}

/// A TLS server configuration from PEM: the certificate chain (leaf first), its key, and the
/// CA(s) a client certificate must chain to when mutual TLS is asked for.
pub fn tls_server_config(
    cert_pem: &[u8],
    key_pem: &[u8],
    client_ca_pem: Option<&[u8]>,
) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = poscore::terminal::driver::tls::provider();
    let chain =
        CertificateDer::pem_slice_iter(cert_pem).collect::<Result<Vec<_>, _>>().map_err(|e| format!("cert: {e}"))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| format!("key: {e}"))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(pem) {
                roots.add(c.map_err(|e| format!("client ca: {e}"))?).map_err(|e| format!("client ca: {e}"))?;
            }
            let v = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("client ca: {e}"))?;
            builder.with_client_cert_verifier(v)
        }
    };
    builder.with_single_cert(chain, key).map(Arc::new).map_err(|e| e.to_string())
}

/// Reads the PEM files of [`tls_server_config`] (a certificate chain, its key, the client CA).
pub fn tls_server_config_files(
    cert: &std::path::Path,
    key: &std::path::Path,
    client_ca: Option<&std::path::Path>,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let read = |p: &std::path::Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let ca = client_ca.map(read).transpose()?;
    tls_server_config(&read(cert)?, &read(key)?, ca.as_deref())
}

/// The line a serving simulator prints first: `{"port":N}`, `{"port":N,"tls":true}` over TLS.
pub fn listening_line(port: u16, tls: bool) -> String {
    if tls {
        format!("{{\"port\":{port},\"tls\":true}}")
    } else {
        format!("{{\"port\":{port}}}")
    }
}

/// [`serve`] or [`serve_tls`], as `tls` says.
pub fn serve_opt(
    port: u16,
    acquirer: Arc<Mutex<Acquirer>>,
    max_delay_ms: u64,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> std::io::Result<Server> {
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
            let tls = tls.clone();
            std::thread::spawn(move || {
                let _ = conn.set_nodelay(true);
                match tls.and_then(|c| rustls::ServerConnection::new(c).ok()) {
                    None => connection(conn, &acq, max_delay_ms, |c: &TcpStream| {
                        let _ = c.shutdown(Shutdown::Both);
                    }),
                    Some(server) => connection(rustls::StreamOwned::new(server, conn), &acq, max_delay_ms, |c| {
                        let _ = c.sock.shutdown(Shutdown::Both);
                    }),
                }
            });
        }
    });
    Ok(Server { port, stop, handle: Some(handle) })
}

/// Serves one connection (plain or TLS; the TLS handshake runs on the first read). `cut` closes
/// the line under it.
fn connection<S: Read + Write>(mut conn: S, acq: &Mutex<Acquirer>, max_delay_ms: u64, cut: impl Fn(&S)) {
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
                    cut(&conn);
                    return;
                }
                Reply::Nothing => {}
                Reply::Send(frames) => {
                    for (delay, bytes) in frames {
                        let d = if delay >= LATE_MS { max_delay_ms } else { delay.min(max_delay_ms) };
                        if d > 0 {
                            std::thread::sleep(Duration::from_millis(d));
                        }
                        if conn.write_all(&bytes).and_then(|()| conn.flush()).is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
}
