//! Test PKI for the TLS tests of every surface (Rust, CLI, Node, browser, Kotlin): generated
//! fresh on each run with rcgen (a dev-dependency), never committed, never shipped.
//!
//! Files written by [`write`] (PEM; keys are PKCS#8 ECDSA P-256):
//!
//! | file | what |
//! |---|---|
//! | `ca.pem` | the acquirer's private test CA |
//! | `server.pem`, `server.key` | host certificate for `localhost` and `127.0.0.1`, issued by `ca`; `server.pem` holds the leaf then the CA |
//! | `expired.pem`, `expired.key` | the same names, issued by `ca`, valid only in 2020 |
//! | `rogue-ca.pem`, `rogue.pem`, `rogue.key` | a host certificate for the same names from another CA |
//! | `other-name.pem`, `other-name.key` | issued by `ca` for `acquirer.example` only |
//! | `client-ca.pem`, `client.pem`, `client.key` | a terminal's client certificate for mutual TLS |
//! | `pins.json` | `sha256/` pins of `ca`, `server`, `rogue-ca`, `rogue` |

use std::path::Path;

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// One generated certificate and its key, PEM.
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: Vec<u8>,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    p.not_before = date_time_ymd(2019, 1, 1);
    p.not_after = date_time_ymd(2099, 1, 1);
    CertifiedIssuer::self_signed(p, KeyPair::generate().expect("key")).expect("ca")
}

fn leaf(
    names: &[&str],
    issuer: &CertifiedIssuer<'static, KeyPair>,
    client: bool,
    from: (i32, u8, u8),
    to: (i32, u8, u8),
) -> Issued {
    let mut p = CertificateParams::new(names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).expect("params");
    p.distinguished_name.push(DnType::CommonName, names[0]);
    p.is_ca = IsCa::NoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages =
        vec![if client { ExtendedKeyUsagePurpose::ClientAuth } else { ExtendedKeyUsagePurpose::ServerAuth }];
    p.not_before = date_time_ymd(from.0, from.1, from.2);
    p.not_after = date_time_ymd(to.0, to.1, to.2);
    let key = KeyPair::generate().expect("key");
    let cert = p.signed_by(&key, issuer).expect("sign");
    Issued { cert_pem: cert.pem(), key_pem: key.serialize_pem(), der: cert.der().to_vec() }
}

/// Writes the test PKI into `dir` (created if missing).
pub fn write(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let valid = ((2024, 1, 1), (2099, 1, 1));
    let host = ["localhost", "127.0.0.1"];
    let ca_ = ca("poscore test acquirer CA");
    let rogue_ca = ca("poscore test rogue CA");
    let client_ca = ca("poscore test terminal CA");
    let server = leaf(&host, &ca_, false, valid.0, valid.1);
    let expired = leaf(&host, &ca_, false, (2020, 1, 1), (2021, 1, 1));
    let rogue = leaf(&host, &rogue_ca, false, valid.0, valid.1);
    let other = leaf(&["acquirer.example"], &ca_, false, valid.0, valid.1);
    let client = leaf(&["terminal-12345678"], &client_ca, true, valid.0, valid.1);
    let put = |name: &str, text: &str| std::fs::write(dir.join(name), text);
    put("ca.pem", &ca_.pem())?;
    put("rogue-ca.pem", &rogue_ca.pem())?;
    put("client-ca.pem", &client_ca.pem())?;
    for (name, issued, issuer) in [
        ("server", &server, &ca_),
        ("expired", &expired, &ca_),
        ("rogue", &rogue, &rogue_ca),
        ("other-name", &other, &ca_),
        ("client", &client, &client_ca),
    ] {
        put(&format!("{name}.pem"), &format!("{}{}", issued.cert_pem, issuer.pem()))?;
        put(&format!("{name}.key"), &issued.key_pem)?;
    }
    let pin = |der: &[u8]| poscore::terminal::driver::tls::spki_pin(der).expect("pin");
    let pins = serde_json::json!({
        "ca": pin(ca_.der()),
        "server": pin(&server.der),
        "rogue_ca": pin(rogue_ca.der()),
        "rogue": pin(&rogue.der),
    });
    put("pins.json", &format!("{pins:#}\n"))
}
