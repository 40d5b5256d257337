//! Helpers shared by the CLI's test files.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A fresh directory under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `poscore-cli-<name>-<pid>`, emptied first.
    pub fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("poscore-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `poscore sim` on a free port, keeping its ledger in `ledger`; dies with the test (stdin
/// lifetime). `extra` are further flags (`--script`, `--tls-cert`, ...).
#[allow(dead_code)] // not every test file starts a simulator
pub struct Sim {
    child: Child,
    pub port: u16,
    /// The first line it printed (`{"port":N}` or `{"port":N,"tls":true}`).
    pub listening: serde_json::Value,
    pub ledger: PathBuf,
}

#[allow(dead_code)]
impl Sim {
    pub fn start(ledger: PathBuf, extra: &[&std::ffi::OsStr]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_poscore"))
            .args(["sim", "--port", "0", "--stdin-lifetime", "--late-ms", "300", "--ledger"])
            .arg(&ledger)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("poscore sim");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let listening: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        let port = u16::try_from(listening["port"].as_u64().unwrap()).unwrap();
        Self { child, port, listening, ledger }
    }

    pub fn ledger(&self) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&self.ledger).unwrap_or_else(|_| "{}".into())).unwrap()
    }

    /// The host's count of requests of `mti`.
    pub fn requests(&self, mti: &str) -> u64 {
        self.ledger()["requests"][mti].as_u64().unwrap_or(0)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// A path as an argument for [`Sim::start`].
#[allow(dead_code)]
pub fn arg(p: &Path) -> &std::ffi::OsStr {
    p.as_os_str()
}
