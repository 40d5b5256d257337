//! Runs tests/vectors/receipts/index.json: every receipt golden, byte for byte. The Node and
//! Kotlin suites run the same index.
//!
//! `POSCORE_BLESS=1 cargo test -p poscore --test receipt_vectors` rewrites the expected files from
//! the current output (review the diff by eye before committing).

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[cfg(not(target_arch = "wasm32"))]
use std::path::{Path, PathBuf};

use poscore::receipt::{self, Lang, ReceiptCopy, ReceiptData, RenderOptions};
use serde_json::Value;

#[cfg(not(target_arch = "wasm32"))]
fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/receipts")
}

macro_rules! files {
    ($($f:literal),* $(,)?) => {
        &[$(($f, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/receipts/", $f)))),*]
    };
}

/// Every file under tests/vectors/receipts, compiled in so that the goldens also run on wasm32,
/// where a test has no file system. `no_orphan_files` checks (natively) that this is exactly the
/// directory's content.
static FILES: &[(&str, &str)] = files![
    "balance_inquiry/escpos_32_zh.hex",
    "balance_inquiry/escpos_48_en.hex",
    "balance_inquiry/receipt_zh.html",
    "balance_inquiry/receipt_zh.json",
    "balance_inquiry/text_32_en.txt",
    "balance_inquiry/text_32_zh.txt",
    "balance_inquiry/text_48_en.txt",
    "balance_inquiry/text_48_zh.txt",
    "chip_sale/escpos_32_zh.hex",
    "chip_sale/escpos_48_en.hex",
    "chip_sale/receipt_zh.html",
    "chip_sale/receipt_zh.json",
    "chip_sale/text_32_en.txt",
    "chip_sale/text_32_zh.txt",
    "chip_sale/text_48_en.txt",
    "chip_sale/text_48_zh.txt",
    "index.json",
    "inputs/bad_currency.json",
    "inputs/bad_date.json",
    "inputs/bad_pan.json",
    "inputs/bad_time.json",
    "inputs/balance_inquiry.json",
    "inputs/bidi_override.json",
    "inputs/chip_sale.json",
    "inputs/escape_injection.json",
    "inputs/impossible_date.json",
    "inputs/line_separator.json",
    "inputs/qr_payment.json",
    "inputs/refund.json",
    "inputs/swipe_sale.json",
    "inputs/void.json",
    "qr_payment/escpos_32_zh.hex",
    "qr_payment/escpos_48_en.hex",
    "qr_payment/receipt_zh.html",
    "qr_payment/receipt_zh.json",
    "qr_payment/text_32_en.txt",
    "qr_payment/text_32_zh.txt",
    "qr_payment/text_48_en.txt",
    "qr_payment/text_48_zh.txt",
    "refund/escpos_32_zh.hex",
    "refund/escpos_48_en.hex",
    "refund/receipt_zh.html",
    "refund/receipt_zh.json",
    "refund/text_32_en.txt",
    "refund/text_32_zh.txt",
    "refund/text_48_en.txt",
    "refund/text_48_zh.txt",
    "reprint/escpos_32_zh.hex",
    "reprint/escpos_48_en.hex",
    "reprint/receipt_zh.html",
    "reprint/receipt_zh.json",
    "reprint/text_32_en.txt",
    "reprint/text_32_zh.txt",
    "reprint/text_48_en.txt",
    "reprint/text_48_zh.txt",
    "swipe_sale/bank_text_32_zh.txt",
    "swipe_sale/escpos_32_zh.hex",
    "swipe_sale/escpos_48_en.hex",
    "swipe_sale/limit200000_text_32_zh.txt",
    "swipe_sale/receipt_en.html",
    "swipe_sale/receipt_zh.html",
    "swipe_sale/receipt_zh.json",
    "swipe_sale/text_32_en.txt",
    "swipe_sale/text_32_zh.txt",
    "swipe_sale/text_48_en.txt",
    "swipe_sale/text_48_zh.txt",
    "void/escpos_32_zh.hex",
    "void/escpos_48_en.hex",
    "void/receipt_zh.html",
    "void/receipt_zh.json",
    "void/text_32_en.txt",
    "void/text_32_zh.txt",
    "void/text_48_en.txt",
    "void/text_48_zh.txt",
];

/// The file `rel` (relative to tests/vectors/receipts) as compiled in.
fn read(rel: &str) -> &'static str {
    FILES.iter().find(|(f, _)| *f == rel).map_or_else(|| panic!("{rel}: not in FILES (receipt_vectors.rs)"), |(_, t)| t)
}

fn index() -> Value {
    serde_json::from_str(read("index.json")).expect("parse index.json")
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn options(o: &Value) -> RenderOptions {
    RenderOptions {
        width: o["width"].as_u64().expect("width") as u16,
        lang: match s(o, "lang") {
            "zh" => Lang::Zh,
            "en" => Lang::En,
            l => panic!("lang {l}"),
        },
        copy: match s(o, "copy") {
            "merchant" => ReceiptCopy::Merchant,
            "cardholder" => ReceiptCopy::Cardholder,
            "bank" => ReceiptCopy::Bank,
            c => panic!("copy {c}"),
        },
        reprint: o["reprint"].as_bool().expect("reprint"),
        no_signature_limit: o["no_signature_limit"].as_u64().expect("no_signature_limit"),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// Render one case: the output as it is stored in the expected file, or the error code.
fn render(case: &Value) -> Result<String, String> {
    let input = read(s(case, "input"));
    let o = options(&case["options"]);
    let data = ReceiptData::from_json(input).map_err(|e| e.code().to_owned())?;
    let r = match s(&case["options"], "format") {
        "text" => receipt::render_text(&data, &o),
        "escpos" => receipt::render_escpos(&data, &o).map(|b| hex(&b) + "\n"),
        "html" => receipt::render_html(&data, &o),
        "json" => receipt::render_json(&data, &o),
        f => panic!("format {f}"),
    };
    r.map_err(|e| e.code().to_owned())
}

#[test]
fn every_case_cites_a_source() {
    let idx = index();
    for c in idx["cases"].as_array().unwrap() {
        let src = s(c, "source");
        assert!(idx["sources"][src].is_string() || src.starts_with("derived:"), "{c}: unknown source");
    }
}

#[test]
fn goldens() {
    let bless = std::env::var_os("POSCORE_BLESS").is_some_and(|v| v == "1");
    let idx = index();
    let cases = idx["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "index lists {} cases", cases.len());
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
                let path = dir().join(expected);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &got).unwrap();
            }
            continue;
        }
        let want = read(expected);
        let equal = if s(&c["options"], "format") == "escpos" { want.trim() == got.trim() } else { want == got };
        if !equal {
            failures.push(format!("{name}: differs from {expected}\n--- want\n{want}\n--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
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

/// Every file under the directory is used by the index (no stale goldens) and compiled in.
#[test]
fn no_orphan_files() {
    let idx = index();
    let mut used: Vec<String> = vec!["index.json".into()];
    for c in idx["cases"].as_array().unwrap() {
        used.push(s(c, "input").to_owned());
        if let Some(e) = c["expected"].as_str() {
            used.push(e.to_owned());
        }
    }
    for (f, _) in FILES {
        assert!(used.iter().any(|u| u == f), "{f} is not referenced by index.json");
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let mut files = Vec::new();
        walk(&dir(), &dir(), &mut files);
        for f in files {
            assert!(used.contains(&f), "{f} is not referenced by index.json");
            assert!(FILES.iter().any(|(c, _)| *c == f), "{f} is not in FILES (receipt_vectors.rs): add it");
        }
    }
}

/// Golden text: every line fits its width in display columns.
#[test]
fn golden_text_fits() {
    for c in index()["cases"].as_array().unwrap() {
        if s(&c["options"], "format") != "text" || c["expected"].is_null() {
            continue;
        }
        let w = c["options"]["width"].as_u64().unwrap() as usize;
        let text = read(s(c, "expected"));
        for line in text.lines() {
            assert!(receipt::display_width(line) <= w, "{}: {line:?} wider than {w}", s(c, "name"));
        }
    }
}

/// With `POSCORE_SCREENSHOTS=1` (and Chromium on PATH, or its path in `POSCORE_CHROMIUM`),
/// renders every golden HTML receipt to `tests/artifacts/receipts/<case>.png` for a person to
/// look at. Off by default: it starts a browser per page. Chinese text needs a CJK font on the
/// machine (Debian: fonts-wqy-microhei or fonts-noto-cjk).
#[cfg(not(target_arch = "wasm32"))] // starts a process and writes files
#[test]
fn html_screenshots() {
    if std::env::var_os("POSCORE_SCREENSHOTS").is_none_or(|v| v != "1") {
        return;
    }
    let chromium = std::env::var("POSCORE_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let out_dir = dir().join("../../artifacts/receipts");
    std::fs::create_dir_all(&out_dir).unwrap();
    for c in index()["cases"].as_array().unwrap() {
        if s(&c["options"], "format") != "html" || c["expected"].is_null() {
            continue;
        }
        let html = dir().join(s(c, "expected")).canonicalize().unwrap();
        let png = out_dir.join(format!("{}.png", s(c, "name")));
        let status = std::process::Command::new(&chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=440,1400"])
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", html.display()))
            .stderr(std::process::Stdio::null())
            .status()
            .expect("start chromium");
        assert!(status.success() && png.exists(), "screenshot of {}", s(c, "name"));
    }
}

/// Rendering cost (run with `--release -- --ignored --nocapture`).
#[cfg(not(target_arch = "wasm32"))] // std::time::Instant panics on wasm32-unknown-unknown
#[test]
#[ignore = "timing, not a check"]
fn timing() {
    let input = read("inputs/chip_sale.json");
    let data = ReceiptData::from_json(input).unwrap();
    let o = RenderOptions::default();
    let n: u32 = 2000;
    for (name, f) in [
        ("from_json", receipt::Format::Json),
        ("text", receipt::Format::Text),
        ("escpos", receipt::Format::Escpos),
        ("html", receipt::Format::Html),
        ("json", receipt::Format::Json),
    ] {
        let t = std::time::Instant::now();
        let mut bytes = 0;
        for _ in 0..n {
            if name == "from_json" {
                bytes += ReceiptData::from_json(input).unwrap().voucher_no.len();
            } else {
                bytes += receipt::render(&data, f, &o).unwrap().len();
            }
        }
        println!(
            "{name}: {:.1} us each ({} bytes)",
            t.elapsed().as_secs_f64() * 1e6 / f64::from(n),
            bytes / n as usize
        );
    }
}
