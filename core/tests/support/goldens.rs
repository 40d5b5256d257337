//! The golden-file runner shared by `receipt_vectors.rs` and `report_vectors.rs`: an
//! `index.json` of cases (input, options, expected file or expected error code), the files
//! compiled in (so the same runner works on wasm32, where a test has no file system), blessing
//! with `POSCORE_BLESS=1`, and the checks every golden directory gets.
#![allow(dead_code)]

#[cfg(not(target_arch = "wasm32"))]
use std::path::{Path, PathBuf};

use serde_json::Value;

/// `files!("receipts"; "a.json", "b/c.txt")`: the files of `tests/vectors/receipts`, compiled in.
macro_rules! files {
    ($dir:literal; $($f:literal),* $(,)?) => {
        &[$(($f, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/", $dir, "/", $f)))),*]
    };
}
pub(crate) use files;

/// One golden directory under `tests/vectors/`.
pub struct Goldens {
    /// Its name (`receipts`, `reports`).
    pub dir: &'static str,
    /// The runner's file, named when a file is missing from [`Goldens::files`].
    pub runner: &'static str,
    /// Every file of the directory, compiled in (`files!`).
    pub files: &'static [(&'static str, &'static str)],
}

/// The string `key` of a case.
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// Uppercase hex, as the ESC/POS goldens store bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(base, &p, out);
        } else {
            out.push(p.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
}

impl Goldens {
    /// The directory on disk.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn path(&self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors").join(self.dir)
    }

    /// The file `rel` as compiled in.
    pub fn read(&self, rel: &str) -> &'static str {
        self.files
            .iter()
            .find(|(f, _)| *f == rel)
            .map_or_else(|| panic!("{rel}: not in FILES ({})", self.runner), |(_, t)| t)
    }

    /// The parsed `index.json`.
    pub fn index(&self) -> Value {
        serde_json::from_str(self.read("index.json")).expect("parse index.json")
    }

    /// Every case's source is one of the index's `sources` (or `accept`s it).
    pub fn check_sources(&self, accept: impl Fn(&str) -> bool) {
        let idx = self.index();
        for c in idx["cases"].as_array().unwrap() {
            let src = s(c, "source");
            assert!(idx["sources"][src].is_string() || accept(src), "{c}: unknown source");
        }
    }

    /// Every case renders (`render`: the output as the expected file stores it, or the error
    /// code) to its expected file byte for byte, or fails with its expected error code. With
    /// `POSCORE_BLESS=1` (natively) the expected files are rewritten instead.
    pub fn check(&self, min_cases: usize, render: impl Fn(&Value) -> Result<String, String>) {
        let bless = std::env::var_os("POSCORE_BLESS").is_some_and(|v| v == "1");
        let idx = self.index();
        let cases = idx["cases"].as_array().unwrap();
        assert!(cases.len() >= min_cases, "index lists {} cases", cases.len());
        let mut failures = Vec::new();
        for c in cases {
            let name = s(c, "name");
            let got = render(c);
            if let Some(code) = c["expected_error"].as_str() {
                match got {
                    Err(e) if e == code => {}
                    other => failures.push(format!("{name}: expected error {code}, got {other:?}")),
                }
                continue;
            }
            let expected = s(c, "expected");
            let got = match got {
                Ok(g) => g,
                Err(e) => {
                    failures.push(format!("{name}: error {e}"));
                    continue;
                }
            };
            if bless {
                #[cfg(not(target_arch = "wasm32"))]
                {
                    let path = self.path().join(expected);
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(&path, &got).unwrap();
                }
                continue;
            }
            let want = self.read(expected);
            let equal = if s(&c["options"], "format") == "escpos" { want.trim() == got.trim() } else { want == got };
            if !equal {
                failures.push(format!("{name}: differs from {expected}\n--- want\n{want}\n--- got\n{got}"));
            }
        }
        assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    }

    /// Every file is used by the index (no stale goldens) and compiled in, and (natively) the
    /// compiled-in list is exactly the directory's content.
    pub fn check_no_orphans(&self) {
        let idx = self.index();
        let mut used: Vec<String> = vec!["index.json".into()];
        for c in idx["cases"].as_array().unwrap() {
            used.push(s(c, "input").to_owned());
            if let Some(e) = c["expected"].as_str() {
                used.push(e.to_owned());
            }
        }
        for (f, _) in self.files {
            assert!(used.iter().any(|u| u == f), "{f} is not referenced by index.json");
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let mut files = Vec::new();
            walk(&self.path(), &self.path(), &mut files);
            for f in files {
                assert!(used.contains(&f), "{f} is not referenced by index.json");
                assert!(self.files.iter().any(|(c, _)| *c == f), "{f} is not in FILES ({}): add it", self.runner);
            }
        }
    }

    /// Every line of every text golden fits its width in display columns.
    pub fn check_text_fits(&self) {
        for c in self.index()["cases"].as_array().unwrap() {
            if s(&c["options"], "format") != "text" || c["expected"].is_null() {
                continue;
            }
            let w = c["options"]["width"].as_u64().unwrap() as usize;
            for line in self.read(s(c, "expected")).lines() {
                assert!(poscore::receipt::display_width(line) <= w, "{}: {line:?} wider than {w}", s(c, "name"));
            }
        }
    }

    /// With `POSCORE_SCREENSHOTS=1` (and Chromium on PATH, or its path in `POSCORE_CHROMIUM`),
    /// renders every golden HTML page to `tests/artifacts/<dir>/<case>.png` for a person to look
    /// at. Off by default: it starts a browser per page.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn screenshots(&self, window: &str) {
        if std::env::var_os("POSCORE_SCREENSHOTS").is_none_or(|v| v != "1") {
            return;
        }
        let chromium = std::env::var("POSCORE_CHROMIUM").unwrap_or_else(|_| "chromium".into());
        let out_dir = self.path().join("../../artifacts").join(self.dir);
        std::fs::create_dir_all(&out_dir).unwrap();
        for c in self.index()["cases"].as_array().unwrap() {
            if s(&c["options"], "format") != "html" || c["expected"].is_null() {
                continue;
            }
            let html = self.path().join(s(c, "expected")).canonicalize().unwrap();
            let png = out_dir.join(format!("{}.png", s(c, "name")));
            let status = std::process::Command::new(&chromium)
                .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
                .arg(format!("--window-size={window}"))
                .arg(format!("--screenshot={}", png.display()))
                .arg(format!("file://{}", html.display()))
                .stderr(std::process::Stdio::null())
                .status()
                .expect("start chromium");
            assert!(status.success() && png.exists(), "screenshot of {}", s(c, "name"));
        }
    }
}
