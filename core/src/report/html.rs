//! The HTML report: one self-contained page (inline CSS and SVG, no scripts, fonts, images or
//! links to other hosts), like the HTML receipt. Every piece of text goes through the receipt
//! module's escaping. The statistics chart is an SVG drawn here with integer coordinates, so the
//! same report gives the same bytes on every platform.

use std::fmt::Write as _;

use crate::receipt::{escape_html as escape, Lang};

use super::layout::{group, Bar, Block, Tone};

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;padding:16px;background:#eef0f3;color:#111;font:15px/1.45 -apple-system,\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif}\
.report{max-width:760px;margin:0 auto;background:#fff;padding:20px 18px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.15)}\
h1{font-size:20px;text-align:center;margin:0 0 4px}\
h2{font-size:16px;margin:14px 0 6px;display:flex;justify-content:space-between;align-items:baseline;gap:10px}\
.center{text-align:center;margin:2px 0}\
.strong{font-weight:700}\
.status{font-size:14px;padding:1px 8px;border-radius:10px;background:#e2e8f0}\
.status.good{background:#c6f6d5;color:#22543d}\
.status.bad{background:#fed7d7;color:#822727}\
hr{border:0;border-top:1px dashed #888;margin:12px 0}\
table{width:100%;border-collapse:collapse}\
table.meta th{text-align:left;color:#555;font-weight:400;font-size:13px;padding:3px 10px 3px 0;vertical-align:top}\
table.meta td{text-align:right;overflow-wrap:anywhere;padding:3px 0}\
table.grid th,table.grid td{padding:4px 6px;border-bottom:1px solid #e2e8f0}\
table.grid thead th{font-size:13px;color:#555;font-weight:600;text-align:right;white-space:nowrap}\
table.grid thead th:first-child,table.grid tbody th,table.grid tfoot th{text-align:left}\
table.grid tbody th{font-weight:400}\
table.grid td{width:1%;padding-left:18px;text-align:right;font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,monospace;white-space:nowrap}\
table.grid tfoot th,table.grid tfoot td{font-weight:700;border-bottom:0}\
table.grid tfoot tr:first-child th,table.grid tfoot tr:first-child td{border-top:2px solid #111}\
.scroll{overflow-x:auto}\
p.note{font-size:13px;color:#555;margin:6px 0}\
figure{margin:8px 0}\
figcaption{font-size:13px;color:#555;text-align:center}\
svg{display:block;width:100%;height:auto}\
@media print{body{background:#fff;padding:0}.report{box-shadow:none;border-radius:0;max-width:none;padding:0}@page{margin:10mm}}";

/// Chart geometry, in SVG user units.
const LEFT: i64 = 76;
const RIGHT: i64 = 12;
const TOP: i64 = 14;
const PLOT_H: i64 = 200;
const BOTTOM: i64 = 40;
const MIN_PLOT_W: i64 = 552;
/// Room a short label needs under the bars.
const LABEL_ROOM: i64 = 46;

/// The smallest of 1, 2, 2.5 and 5 times a power of ten (2.5 from 25 up, whole numbers only)
/// that is at least `x`, and at least 1.
fn nice_step(x: u128) -> u128 {
    let mut p = 1u128;
    loop {
        // 2.5 p is whole from p = 10; below, it repeats 2 p.
        for s in [p, 2 * p, p * 5 / 2, 5 * p] {
            if s >= x {
                return s;
            }
        }
        p *= 10;
    }
}

/// A tick value: whole currency units grouped when it is whole, the full amount otherwise.
fn tick_label(v: i128, exponent: u8) -> String {
    let p = 10i128.pow(u32::from(exponent.min(4)));
    let sign = if v < 0 { "-" } else { "" };
    if v % p == 0 {
        format!("{sign}{}", group((v / p).unsigned_abs()))
    } else {
        let a = v.unsigned_abs();
        let p = p.unsigned_abs();
        format!("{sign}{}.{:0w$}", group(a / p), a % p, w = exponent.min(4) as usize)
    }
}

/// A bar chart of `bars` (net per row), zero line included, negative bars below it.
fn chart(out: &mut String, title: &str, unit: &str, bars: &[Bar], exponent: u8) {
    let bar_count = i64::try_from(bars.len().max(1)).unwrap_or(i64::MAX / 8).min(i64::MAX / 8);
    let plot_w = MIN_PLOT_W.max(bar_count * 4);
    let slot = plot_w / bar_count;
    let bar_w = (slot * 7 / 10).max(1);
    let width = LEFT + plot_w + RIGHT;
    let height = TOP + PLOT_H + BOTTOM;
    // i128 throughout: no sum of i64 values can overflow it.
    let max_pos = bars.iter().map(|b| i128::from(b.value.max(0))).max().unwrap_or(0);
    let max_neg = bars.iter().map(|b| -i128::from(b.value.min(0))).max().unwrap_or(0);
    // About five intervals over the span; the axis ends on whole steps.
    let step = i128::try_from(nice_step((max_pos + max_neg).unsigned_abs().div_ceil(5))).unwrap_or(i128::MAX / 4);
    let top = (max_pos + step - 1) / step * step;
    let top = if top == 0 && max_neg == 0 { step } else { top };
    let bottom = (max_neg + step - 1) / step * step;
    let span = top + bottom;
    let y_of = |v: i128| -> i64 { TOP + ((top - v) * i128::from(PLOT_H) / span) as i64 };
    let _ = writeln!(
        out,
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-labelledby=\"chart-title\" font-family=\"sans-serif\" font-size=\"11\">\n<title id=\"chart-title\">{} ({})</title>",
        escape(title),
        escape(unit)
    );
    // Grid and tick labels, bottom to top.
    let mut t = -bottom;
    while t <= top {
        let yy = y_of(t);
        let stroke = if t == 0 { "#333" } else { "#d5dae1" };
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{yy}\" x2=\"{}\" y2=\"{yy}\" stroke=\"{stroke}\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            LEFT + plot_w,
            LEFT - 6,
            yy + 4,
            escape(&tick_label(t, exponent))
        );
        t += step;
    }
    let every = (LABEL_ROOM + slot - 1) / slot;
    let zero = y_of(0);
    for (i, b) in (0i64..).zip(bars) {
        let x = LEFT + i * slot + (slot - bar_w) / 2;
        let yv = y_of(i128::from(b.value));
        // A value that is not zero shows, if only as a hairline.
        let (ry, rh, fill) = match b.value {
            0 => (zero, 0, "#2b6cb0"),
            v if v > 0 => (yv.min(zero - 1), (zero - yv).max(1), "#2b6cb0"),
            _ => (zero, (yv - zero).max(1), "#c53030"),
        };
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{ry}\" width=\"{bar_w}\" height=\"{rh}\" fill=\"{fill}\"><title>{}: {}</title></rect>",
            escape(&b.label),
            escape(&b.display)
        );
        if i % every == 0 {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
                x + bar_w / 2,
                TOP + PLOT_H + 16,
                escape(&b.short)
            );
        }
    }
    let _ = writeln!(out, "</svg>\n<figcaption>{} ({})</figcaption>\n</figure>", escape(title), escape(unit));
}

/// Render the page.
pub(crate) fn render(blocks: &[Block], lang: Lang) -> String {
    let lang_tag = match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    };
    let title = blocks
        .iter()
        .find_map(|b| match b {
            Block::Center { text, big: true, .. } => Some(text.as_str()),
            _ => None,
        })
        .unwrap_or_default();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{lang_tag}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main class=\"report\">\n",
        escape(title)
    );
    let mut in_meta = false;
    for b in blocks {
        let is_field = matches!(b, Block::Field { .. });
        if in_meta && !is_field {
            h.push_str("</table>\n");
            in_meta = false;
        }
        match b {
            Block::Center { text, bold, big } => {
                if *big {
                    let _ = writeln!(h, "<h1>{}</h1>", escape(text));
                } else {
                    let cls = if *bold { "center strong" } else { "center" };
                    let _ = writeln!(h, "<p class=\"{cls}\">{}</p>", escape(text));
                }
            }
            Block::Rule => h.push_str("<hr>\n"),
            Block::Field { label, value } => {
                if !in_meta {
                    h.push_str("<table class=\"meta\">\n");
                    in_meta = true;
                }
                let _ = writeln!(h, "<tr><th scope=\"row\">{}</th><td>{}</td></tr>", escape(label), escape(value));
            }
            Block::Heading { left, right, tone } => {
                let _ = write!(h, "<h2><span>{}</span>", escape(left));
                if !right.is_empty() {
                    let cls = match tone {
                        Tone::Plain => "status",
                        Tone::Good => "status good",
                        Tone::Bad => "status bad",
                    };
                    let _ = write!(h, "<span class=\"{cls}\">{}</span>", escape(right));
                }
                h.push_str("</h2>\n");
            }
            Block::Table { head, rows } => {
                h.push_str("<div class=\"scroll\"><table class=\"grid\">\n<thead><tr>");
                for c in head {
                    let _ = write!(h, "<th scope=\"col\">{}</th>", escape(c));
                }
                h.push_str("</tr></thead>\n<tbody>\n");
                let mut foot = false;
                for r in rows {
                    if r.total && !foot {
                        h.push_str("</tbody>\n<tfoot>\n");
                        foot = true;
                    }
                    let _ = write!(h, "<tr><th scope=\"row\">{}</th>", escape(r.cells.first().map_or("", |s| s)));
                    for c in r.cells.iter().skip(1) {
                        let _ = write!(h, "<td>{}</td>", escape(c));
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str(if foot { "</tfoot>\n" } else { "</tbody>\n" });
                h.push_str("</table></div>\n");
            }
            Block::Para(p) => {
                let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(p));
            }
            Block::Chart { title, unit, bars, exponent } => chart(&mut h, title, unit, bars, *exponent),
        }
    }
    if in_meta {
        h.push_str("</table>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::super::layout::money;
    use super::*;

    #[test]
    fn steps_are_nice() {
        assert_eq!(nice_step(0), 1);
        assert_eq!(nice_step(3), 5);
        assert_eq!(nice_step(7), 10);
        assert_eq!(nice_step(101), 200);
        assert_eq!(nice_step(201), 250);
        assert_eq!(nice_step(251), 500);
        assert_eq!(nice_step(2), 2);
        assert_eq!(nice_step(3), 5);
        assert_eq!(nice_step(u128::from(u64::MAX)), 20_000_000_000_000_000_000);
        assert_eq!(tick_label(150_000, 2), "1,500");
        assert_eq!(tick_label(-50, 2), "-0.50");
    }

    #[test]
    fn chart_is_deterministic_and_bounded() {
        let bars: Vec<Bar> = [120_000i64, -3_000, 0, 88_800]
            .iter()
            .enumerate()
            .map(|(i, v)| Bar { label: format!("d{i}"), short: format!("{i}"), value: *v, display: money(2, *v) })
            .collect();
        let mut a = String::new();
        chart(&mut a, "NET", "RMB", &bars, 2);
        let mut b = String::new();
        chart(&mut b, "NET", "RMB", &bars, 2);
        assert_eq!(a, b);
        assert_eq!(a.matches("<rect").count(), 4);
        assert!(!a.contains("height=\"-"), "{a}");
        // Empty and extreme charts do not panic.
        chart(&mut String::new(), "NET", "RMB", &[], 2);
        let huge = vec![Bar { label: "x".into(), short: "x".into(), value: i64::MIN, display: String::new() }];
        chart(&mut String::new(), "NET", "RMB", &huge, 2);
    }
}
