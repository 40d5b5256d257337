//! Runs tests/vectors/receipts/index.json: every receipt golden, byte for byte. The Node and
//! Kotlin suites run the same index.
//!
//! `POSCORE_BLESS=1 cargo test -p poscore --test receipt_vectors` rewrites the expected files from
//! the current output (review the diff by eye before committing).

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::receipt::{self, Lang, ReceiptCopy, ReceiptData, RenderOptions};
use serde_json::Value;

#[path = "support/goldens.rs"]
mod support;
use support::{files, hex, s, Goldens};

/// Every file under tests/vectors/receipts, compiled in so that the goldens also run on wasm32,
/// where a test has no file system. `no_orphan_files` checks (natively) that this is exactly the
/// directory's content.
static FILES: &[(&str, &str)] = files!["receipts";
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

static GOLDENS: Goldens = Goldens { dir: "receipts", runner: "receipt_vectors.rs", files: FILES };

fn read(rel: &str) -> &'static str {
    GOLDENS.read(rel)
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
    GOLDENS.check_sources(|src| src.starts_with("derived:"));
}

#[test]
fn goldens() {
    GOLDENS.check(40, render);
}

/// Every file under the directory is used by the index (no stale goldens) and compiled in.
#[test]
fn no_orphan_files() {
    GOLDENS.check_no_orphans();
}

/// Golden text: every line fits its width in display columns.
#[test]
fn golden_text_fits() {
    GOLDENS.check_text_fits();
}

/// With `POSCORE_SCREENSHOTS=1` (and Chromium on PATH, or its path in `POSCORE_CHROMIUM`),
/// renders every golden HTML receipt to `tests/artifacts/receipts/<case>.png` for a person to
/// look at. Off by default: it starts a browser per page. Chinese text needs a CJK font on the
/// machine (Debian: fonts-wqy-microhei or fonts-noto-cjk).
#[cfg(not(target_arch = "wasm32"))] // starts a process and writes files
#[test]
fn html_screenshots() {
    GOLDENS.screenshots("440,1400");
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
