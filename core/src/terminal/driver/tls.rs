//! TLS to the acquirer (feature `tls`): rustls with the ring provider, TLS 1.2 and 1.3.
//!
//! **Why.** Terminals on 4G, Wi-Fi or a merchant's LAN send track 2, field 55 and PIN blocks
//! across networks nobody controls; PCI DSS v4.0 requirement 4.2.1 asks for strong cryptography
//! there, and acquirers increasingly accept terminals only over TLS, often with a private CA and
//! sometimes with client certificates (mutual TLS).
//!
//! **What is verified.** The acquirer's certificate against a configured CA bundle (dates, chain,
//! host name), a pinned key (`sha256/` + base64 of the SHA-256 of the certificate's
//! `SubjectPublicKeyInfo`, the spelling of RFC 7469 and `OkHttp`), or both:
//! - CA bundle only: the chain must end at one of the CAs and name the host;
//! - CA bundle and pins: as above, and some certificate of the presented chain must match a pin;
//! - pins only: some certificate the acquirer presents must match a pin, and that certificate is
//!   then the trust anchor the rest of the chain is verified against (dates, signatures, name).
//!   Pin the acquirer's (private) CA, or a self-signed host certificate; a pin on a CA-issued
//!   host certificate needs the CA bundle too.
//!
//! There is no option that turns verification off: a configuration with neither a CA nor a pin
//! is refused ([`TlsConfigError::NoTrust`]).
//!
//! **Failures** are classified for the operator ([`CommFailure::TlsCertificateExpired`],
//! `…Untrusted`, `…PinMismatch`, `…NameMismatch`, `…HandshakeFailed`, each with its own
//! diagnosis T111–T115). The handshake is completed before the request is written, so each of
//! them means nothing was sent.

use std::fmt;
use std::net::{IpAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use ring::digest;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme};
use zeroize::Zeroizing;

use super::CommFailure;

/// The stream a TLS connection reads and writes through (the TCP socket is `.sock`).
pub type TlsStream = rustls::StreamOwned<ClientConnection, TcpStream>;

/// What the integrator configures: where trust comes from, and the terminal's own certificate
/// when the acquirer asks for one.
#[derive(Default, Clone)]
pub struct TlsOptions {
    /// PEM: the CA certificate(s) the acquirer's certificate must chain to.
    pub ca_pem: Option<Vec<u8>>,
    /// Pinned keys, `sha256/<base64>` (see the module docs).
    pub pins: Vec<String>,
    /// PEM: the terminal's certificate chain, for acquirers that require mutual TLS.
    pub client_cert_pem: Option<Vec<u8>>,
    /// PEM: the private key of `client_cert_pem` (PKCS#8, PKCS#1 or SEC1); zeroized on drop.
    pub client_key_pem: Option<Zeroizing<Vec<u8>>>,
    /// The name the acquirer's certificate must carry (SNI too); by default the host of the
    /// configured address (an IP address is checked against the certificate's IP names).
    pub server_name: Option<String>,
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("ca_pem", &self.ca_pem.as_ref().map(|p| format!("{} bytes", p.len())))
            .field("pins", &self.pins)
            .field("client_cert_pem", &self.client_cert_pem.as_ref().map(|p| format!("{} bytes", p.len())))
            .field("client_key_pem", &self.client_key_pem.as_ref().map(|_| "<redacted>"))
            .field("server_name", &self.server_name)
            .finish()
    }
}

/// A TLS configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsConfigError {
    /// Neither a CA bundle nor a pin: the acquirer could not be verified.
    #[error("TLS needs a CA bundle or at least one pinned key (verification cannot be turned off)")]
    NoTrust,
    /// A PEM input holds nothing usable.
    #[error("{what}: {detail}")]
    BadPem {
        /// Which input (`ca`, `client certificate`, `client key`).
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A pin is not `sha256/` followed by the base64 of 32 bytes.
    #[error("pin {index}: expected sha256/ followed by the base64 of a 32-byte SHA-256, got {pin:?}")]
    BadPin {
        /// Position in the list (0-based).
        index: usize,
        /// The pin as given (public data).
        pin: String,
    },
    /// The server name is neither a DNS name nor an IP address.
    #[error("server name {0:?} is neither a DNS name nor an IP address")]
    BadServerName(String),
    /// A client key without a client certificate, or the reverse.
    #[error("mutual TLS needs both the client certificate and its key")]
    ClientAuthIncomplete,
    /// rustls refused the configuration (a key that does not match its certificate, ...).
    #[error("TLS configuration refused: {0}")]
    Refused(String),
}

/// A verified TLS client configuration for one acquirer.
#[derive(Debug, Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
}

impl TlsConnector {
    /// Builds the connector. `default_host` is the host part of the acquirer's address, used
    /// when `opts.server_name` is not set.
    pub fn new(opts: &TlsOptions, default_host: &str) -> Result<Self, TlsConfigError> {
        let provider = provider();
        let pins = opts
            .pins
            .iter()
            .enumerate()
            .map(|(index, p)| parse_pin(p).ok_or_else(|| TlsConfigError::BadPin { index, pin: p.clone() }))
            .collect::<Result<Vec<_>, _>>()?;
        let ca = match &opts.ca_pem {
            None => None,
            Some(pem) => {
                let roots = roots_from_pem(pem)?;
                let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| TlsConfigError::Refused(e.to_string()))?;
                Some(v)
            }
        };
        if ca.is_none() && pins.is_empty() {
            return Err(TlsConfigError::NoTrust);
        }
        let verifier = Arc::new(Verifier { ca, pins, provider: provider.clone() });
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsConfigError::Refused(e.to_string()))?
            .dangerous() // the custom verifier *adds* pinning; it never skips a check
            .with_custom_certificate_verifier(verifier);
        let config = match (&opts.client_cert_pem, &opts.client_key_pem) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), Some(key)) => {
                let chain = certs_from_pem(cert, "client certificate")?;
                let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| TlsConfigError::BadPem {
                    what: "client key",
                    detail: format!("no private key ({e})"),
                })?;
                builder.with_client_auth_cert(chain, key).map_err(|e| TlsConfigError::Refused(e.to_string()))?
            }
            _ => return Err(TlsConfigError::ClientAuthIncomplete),
        };
        let name = opts.server_name.as_deref().unwrap_or(default_host);
        let server_name = match name.parse::<IpAddr>() {
            Ok(ip) => ServerName::IpAddress(ip.into()),
            Err(_) => {
                ServerName::try_from(name.to_owned()).map_err(|_| TlsConfigError::BadServerName(name.to_owned()))?
            }
        };
        Ok(Self { config: Arc::new(config), server_name })
    }

    /// Runs the handshake on a fresh TCP connection, within `timeout`. `Err` is the failure to
    /// report (nothing of the request was written).
    pub fn handshake(&self, tcp: TcpStream, timeout: Duration) -> Result<TlsStream, CommFailure> {
        let conn = ClientConnection::new(self.config.clone(), self.server_name.clone())
            .map_err(|_| CommFailure::TlsHandshakeFailed)?;
        let mut stream = rustls::StreamOwned::new(conn, tcp);
        let _ = stream.sock.set_read_timeout(Some(timeout));
        let _ = stream.sock.set_write_timeout(Some(timeout));
        while stream.conn.is_handshaking() {
            if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
                return Err(classify_io(&e));
            }
        }
        let _ = stream.sock.set_write_timeout(None);
        Ok(stream)
    }
}

/// The crypto provider: rustls on *ring*, the project's one crypto library. rustls 0.23.48
/// deprecated this provider because it has no post-quantum key exchange (X25519MLKEM768 is only
/// in the aws-lc provider, a C and assembly build the project does not take on); the classic
/// groups (X25519, P-256, P-384) and suites it offers are those acquirers deploy today.
pub fn provider() -> Arc<CryptoProvider> {
    #[allow(deprecated)]
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The failure a handshake error is reported as.
fn classify_io(e: &std::io::Error) -> CommFailure {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(err) => classify(err),
        // The acquirer did not answer the handshake in time, or the line closed under it.
        None if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            CommFailure::ConnectFailed
        }
        None => CommFailure::TlsHandshakeFailed,
    }
}

/// Maps a rustls error to what the operator is told.
pub fn classify(err: &rustls::Error) -> CommFailure {
    match err {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => CommFailure::TlsCertificateExpired,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                CommFailure::TlsNameMismatch
            }
            // Only the pin check reports this (see `Verifier`).
            CertificateError::ApplicationVerificationFailure => CommFailure::TlsPinMismatch,
            _ => CommFailure::TlsCertificateUntrusted,
        },
        _ => CommFailure::TlsHandshakeFailed,
    }
}

/// The pin of a DER certificate: `sha256/` + base64 of the SHA-256 of its `SubjectPublicKeyInfo`.
pub fn spki_pin(cert_der: &[u8]) -> Result<String, TlsConfigError> {
    let der = CertificateDer::from(cert_der);
    let spki = spki_of(&der)
        .ok_or_else(|| TlsConfigError::BadPem { what: "certificate", detail: "not an X.509 certificate".into() })?;
    Ok(format!("sha256/{}", base64(digest::digest(&digest::SHA256, &spki).as_ref())))
}

/// The pins of every certificate in a PEM bundle, in order.
pub fn spki_pins_pem(pem: &[u8]) -> Result<Vec<String>, TlsConfigError> {
    certs_from_pem(pem, "certificate")?.iter().map(|c| spki_pin(c)).collect()
}

fn spki_of(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let ee = webpki::EndEntityCert::try_from(cert).ok()?;
    Some(ee.subject_public_key_info().as_ref().to_vec())
}

fn certs_from_pem(pem: &[u8], what: &'static str) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsConfigError::BadPem { what, detail: e.to_string() })?;
    if certs.is_empty() {
        return Err(TlsConfigError::BadPem { what, detail: "no CERTIFICATE block".into() });
    }
    Ok(certs)
}

fn roots_from_pem(pem: &[u8]) -> Result<RootCertStore, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    for c in certs_from_pem(pem, "ca")? {
        roots.add(c).map_err(|e| TlsConfigError::BadPem { what: "ca", detail: e.to_string() })?;
    }
    Ok(roots)
}

/// CA verification (when configured), then the pins (when configured); with pins and no CA,
/// the pinned certificate of the chain is the trust anchor.
#[derive(Debug)]
struct Verifier {
    ca: Option<Arc<WebPkiServerVerifier>>,
    pins: Vec<[u8; 32]>,
    provider: Arc<CryptoProvider>,
}

impl Verifier {
    fn pinned(&self, cert: &CertificateDer<'_>) -> bool {
        spki_of(cert).is_some_and(|spki| {
            let h = digest::digest(&digest::SHA256, &spki);
            self.pins.iter().any(|p| p.as_slice() == h.as_ref())
        })
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(ca) = &self.ca {
            ca.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)?;
        }
        if self.pins.is_empty() {
            return Ok(ServerCertVerified::assertion());
        }
        let matched: Vec<&CertificateDer<'_>> =
            std::iter::once(end_entity).chain(intermediates).filter(|c| self.pinned(c)).collect();
        if matched.is_empty() {
            return Err(rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure));
        }
        if self.ca.is_none() {
            let mut roots = RootCertStore::empty();
            for c in matched {
                roots
                    .add(c.clone().into_owned())
                    .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
            }
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
                .build()
                .map_err(|e| rustls::Error::General(e.to_string()))?
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `sha256/<base64 of 32 bytes>` → the digest.
fn parse_pin(pin: &str) -> Option<[u8; 32]> {
    let b64 = pin.trim().strip_prefix("sha256/")?.as_bytes();
    if b64.len() != 44 || !b64.ends_with(b"=") || b64[..43].contains(&b'=') {
        return None;
    }
    let mut out = Vec::with_capacity(33);
    for quad in b64.chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for &c in quad {
            let v = match c {
                b'=' => {
                    pad += 1;
                    0
                }
                _ => B64.iter().position(|&x| x == c)? as u32,
            };
            n = (n << 6) | v;
        }
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    out.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_through_the_pin_spelling() {
        // RFC 4648 section 10 vectors.
        for (raw, enc) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
        let digest: Vec<u8> = (0u8..32).collect();
        let pin = format!("sha256/{}", base64(&digest));
        assert_eq!(parse_pin(&pin).unwrap().to_vec(), digest);
    }

    #[test]
    fn malformed_pins_are_refused() {
        for bad in [
            "",
            "sha256/",
            "sha1/AAAA",
            "sha256/AAAA",
            "sha256/@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@=",
            "sha256/=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert!(parse_pin(bad).is_none(), "{bad:?}");
        }
        let opts = TlsOptions { pins: vec!["sha256/nope".into()], ..TlsOptions::default() };
        assert!(matches!(TlsConnector::new(&opts, "localhost"), Err(TlsConfigError::BadPin { index: 0, .. })));
    }

    #[test]
    fn verification_cannot_be_turned_off() {
        assert_eq!(TlsConnector::new(&TlsOptions::default(), "localhost").unwrap_err(), TlsConfigError::NoTrust);
    }

    #[test]
    fn a_client_key_without_its_certificate_is_refused() {
        let opts = TlsOptions {
            pins: vec![format!("sha256/{}", base64(&[0u8; 32]))],
            client_key_pem: Some(Zeroizing::new(b"x".to_vec())),
            ..TlsOptions::default()
        };
        assert_eq!(TlsConnector::new(&opts, "localhost").unwrap_err(), TlsConfigError::ClientAuthIncomplete);
    }

    #[test]
    fn the_key_never_appears_in_debug() {
        let opts = TlsOptions {
            client_key_pem: Some(Zeroizing::new(b"-----BEGIN PRIVATE KEY-----secret".to_vec())),
            ..TlsOptions::default()
        };
        assert!(!format!("{opts:?}").contains("secret"));
    }
}
