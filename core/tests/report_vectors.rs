//! Runs tests/vectors/reports/index.json: every merchant report golden (settlement, terminal
//! totals, statistics), byte for byte.
//!
//! `POSCORE_BLESS=1 cargo test -p poscore --test report_vectors` rewrites the expected files from
//! the current output (review the diff by eye before committing).

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[cfg(not(target_arch = "wasm32"))]
use std::path::{Path, PathBuf};

use poscore::receipt::display_width;
use poscore::report::{Format, Lang, ReportOptions, SettlementReport, StatsReport};
use serde_json::Value;

#[cfg(not(target_arch = "wasm32"))]
fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/reports")
}

macro_rules! files {
    ($($f:literal),* $(,)?) => {
        &[$(($f, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/reports/", $f)))),*]
    };
}

/// Every file under tests/vectors/reports, compiled in so that the goldens also run on wasm32,
/// where a test has no file system. `no_orphan_files` checks (natively) that this is exactly the
/// directory's content.
static FILES: &[(&str, &str)] = files![
    "index.json",
    "inputs/bad_date.json",
    "inputs/bidi_name.json",
    "inputs/control_name.json",
    "inputs/duplicate_brand.json",
    "inputs/duplicate_line.json",
    "inputs/settlement.json",
    "inputs/settlement_reprint.json",
    "inputs/stats_bad_hour.json",
    "inputs/stats_bad_net.json",
    "inputs/stats_bad_week.json",
    "inputs/stats_daily.json",
    "inputs/stats_from_after_to.json",
    "inputs/stats_monthly.json",
    "inputs/stats_unordered.json",
    "inputs/stats_weekly.json",
    "inputs/terminal_totals.json",
    "inputs/totals_with_result.json",
    "inputs/unknown_field.json",
    "settlement/escpos_32_zh.hex",
    "settlement/escpos_48_en.hex",
    "settlement/report_en.html",
    "settlement/report_en.json",
    "settlement/report_zh.html",
    "settlement/report_zh.json",
    "settlement/text_32_en.txt",
    "settlement/text_32_zh.txt",
    "settlement/text_48_en.txt",
    "settlement/text_48_zh.txt",
    "settlement_reprint/text_32_zh.txt",
    "settlement_reprint/text_48_en.txt",
    "stats_daily/escpos_32_zh.hex",
    "stats_daily/escpos_48_en.hex",
    "stats_daily/report_en.html",
    "stats_daily/report_zh.html",
    "stats_daily/report_zh.json",
    "stats_daily/text_32_en.txt",
    "stats_daily/text_32_zh.txt",
    "stats_daily/text_48_en.txt",
    "stats_daily/text_48_zh.txt",
    "stats_monthly/escpos_32_zh.hex",
    "stats_monthly/escpos_48_en.hex",
    "stats_monthly/report_en.html",
    "stats_monthly/report_zh.html",
    "stats_monthly/report_zh.json",
    "stats_monthly/text_32_en.txt",
    "stats_monthly/text_32_zh.txt",
    "stats_monthly/text_48_en.txt",
    "stats_monthly/text_48_zh.txt",
    "stats_weekly/report_en.json",
    "stats_weekly/report_zh.html",
    "stats_weekly/text_32_zh.txt",
    "stats_weekly/text_48_en.txt",
    "terminal_totals/escpos_32_zh.hex",
    "terminal_totals/escpos_48_en.hex",
    "terminal_totals/report_en.html",
    "terminal_totals/report_zh.html",
    "terminal_totals/report_zh.json",
    "terminal_totals/text_32_en.txt",
    "terminal_totals/text_32_zh.txt",
    "terminal_totals/text_48_en.txt",
    "terminal_totals/text_48_zh.txt",
];

/// The file `rel` (relative to tests/vectors/reports) as compiled in.
fn read(rel: &str) -> &'static str {
    FILES.iter().find(|(f, _)| *f == rel).map_or_else(|| panic!("{rel}: not in FILES (report_vectors.rs)"), |(_, t)| t)
}

fn index() -> Value {
    serde_json::from_str(read("index.json")).expect("parse index.json")
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn options(o: &Value) -> ReportOptions {
    ReportOptions {
        width: o["width"].as_u64().expect("width") as u16,
        lang: match s(o, "lang") {
            "zh" => Lang::Zh,
            "en" => Lang::En,
            l => panic!("lang {l}"),
        },
    }
}

fn format(o: &Value) -> Format {
    match s(o, "format") {
        "text" => Format::Text,
        "escpos" => Format::Escpos,
        "html" => Format::Html,
        "json" => Format::Json,
        f => panic!("format {f}"),
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
    let f = format(&case["options"]);
    let bytes = match s(case, "report") {
        "settlement" => SettlementReport::from_json(input).and_then(|r| r.render(f, &o)),
        "statistics" => StatsReport::from_json(input).and_then(|r| r.render(f, &o)),
        r => panic!("report {r}"),
    }
    .map_err(|e| e.code().to_owned())?;
    Ok(if f == Format::Escpos { hex(&bytes) + "\n" } else { String::from_utf8(bytes).expect("UTF-8 output") })
}

#[test]
fn every_case_cites_a_source() {
    let idx = index();
    for c in idx["cases"].as_array().unwrap() {
        let src = s(c, "source");
        assert!(idx["sources"][src].is_string(), "{c}: unknown source");
    }
}

#[test]
fn goldens() {
    let bless = std::env::var_os("POSCORE_BLESS").is_some_and(|v| v == "1");
    let idx = index();
    let cases = idx["cases"].as_array().unwrap();
    assert!(cases.len() >= 50, "index lists {} cases", cases.len());
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
            assert!(FILES.iter().any(|(c, _)| *c == f), "{f} is not in FILES (report_vectors.rs): add it");
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
            assert!(display_width(line) <= w, "{}: {line:?} wider than {w}", s(c, "name"));
        }
    }
}

/// The golden inputs are consistent the way the engine's records must be: every bucket list
/// sums to the batch (or period) net and count.
#[test]
fn golden_inputs_are_consistent() {
    for c in index()["cases"].as_array().unwrap() {
        if c["expected"].is_null() {
            continue;
        }
        let input = read(s(c, "input"));
        if s(c, "report") == "settlement" {
            let r = SettlementReport::from_json(input).unwrap();
            let t = r.totals();
            for list in [&r.by_brand, &r.by_method] {
                assert_eq!(list.iter().map(|b| b.amount).sum::<i64>(), t.net(), "{}", s(c, "name"));
                let count: u64 = list.iter().map(|b| u64::from(b.count)).sum();
                assert_eq!(count, t.debit_count + t.credit_count, "{}", s(c, "name"));
            }
        } else {
            let r = StatsReport::from_json(input).unwrap();
            let t = r.totals();
            for list in [&r.by_method, &r.by_brand, &r.by_operator, &r.by_hour] {
                if !list.is_empty() {
                    assert_eq!(list.iter().map(|b| b.amount).sum::<i64>(), t.net, "{}", s(c, "name"));
                }
            }
        }
    }
}

/// The HTML pages are self-contained: no script, no external resource.
#[test]
fn golden_html_is_self_contained() {
    for c in index()["cases"].as_array().unwrap() {
        if s(&c["options"], "format") != "html" || c["expected"].is_null() {
            continue;
        }
        let html = read(s(c, "expected"));
        for bad in ["<script", "src=", "href=", "url(", "@import"] {
            assert!(!html.contains(bad), "{}: has {bad}", s(c, "name"));
        }
        if s(c, "report") == "statistics" {
            assert!(html.contains("<svg") && html.contains("<rect"), "{}: no chart", s(c, "name"));
        }
    }
}

/// With `POSCORE_SCREENSHOTS=1` (and Chromium on PATH, or its path in `POSCORE_CHROMIUM`),
/// renders every golden HTML report to `tests/artifacts/reports/<case>.png` for a person to look
/// at. Off by default: it starts a browser per page.
#[cfg(not(target_arch = "wasm32"))] // starts a process and writes files
#[test]
fn html_screenshots() {
    if std::env::var_os("POSCORE_SCREENSHOTS").is_none_or(|v| v != "1") {
        return;
    }
    let chromium = std::env::var("POSCORE_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let out_dir = dir().join("../../artifacts/reports");
    std::fs::create_dir_all(&out_dir).unwrap();
    for c in index()["cases"].as_array().unwrap() {
        if s(&c["options"], "format") != "html" || c["expected"].is_null() {
            continue;
        }
        let html = dir().join(s(c, "expected")).canonicalize().unwrap();
        let png = out_dir.join(format!("{}.png", s(c, "name")));
        let status = std::process::Command::new(&chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=800,2400"])
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", html.display()))
            .stderr(std::process::Stdio::null())
            .status()
            .expect("start chromium");
        assert!(status.success() && png.exists(), "screenshot of {}", s(c, "name"));
    }
}
