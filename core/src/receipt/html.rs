//! The HTML receipt: one self-contained page (inline CSS, no scripts, images, fonts or links
//! to other hosts, so it renders the same offline, in a mail client and in a headless browser).
//! Every piece of text goes through [`escape`].

use std::fmt::Write as _;

use super::layout::{Block, Labels};
use super::model::{Lang, RenderOptions};

/// Escape text for HTML element content and double-quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;padding:16px;background:#eef0f3;color:#111;font:15px/1.45 -apple-system,\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif}\
.receipt{max-width:420px;margin:0 auto;background:#fff;padding:20px 18px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.15)}\
h1{font-size:19px;text-align:center;margin:0 0 4px}\
.center{text-align:center;margin:2px 0}\
.strong{font-weight:700}\
hr{border:0;border-top:1px dashed #888;margin:10px 0}\
table{width:100%;border-collapse:collapse}\
th,td{padding:3px 0;vertical-align:top;font-weight:400}\
th{text-align:left;color:#555;padding-right:10px;font-size:13px}\
td{text-align:right;overflow-wrap:anywhere;font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,monospace}\
tr.strong td{font-weight:700}\
.amount{display:flex;justify-content:space-between;align-items:baseline;gap:10px;margin:6px 0}\
.amount .value{font-size:26px;font-weight:700;white-space:nowrap}\
.sign{margin-top:12px}\
.sign .line{height:48px;border-bottom:1px solid #111}\
p.note{font-size:12px;color:#444;margin:6px 0}\
.link{text-align:center;word-break:break-all;font-size:13px}\
@media print{body{background:#fff;padding:0}.receipt{box-shadow:none;border-radius:0;max-width:none;padding:0}\
a{color:#000;text-decoration:none}@page{margin:8mm}}";

/// Render the page.
pub(crate) fn render(blocks: &[Block], o: &RenderOptions, labels: &Labels) -> String {
    let lang = match o.lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    };
    let title = labels.heading("title", o.lang);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main class=\"receipt\">\n",
        escape(&title)
    );
    let mut in_table = false;
    let mut first = true;
    for b in blocks {
        let is_field = matches!(b, Block::Field { .. });
        if in_table && !is_field {
            h.push_str("</table>\n");
            in_table = false;
        }
        match b {
            Block::Center { text, bold, big } => {
                if first && *big {
                    let _ = writeln!(h, "<h1>{}</h1>", escape(text));
                } else {
                    let cls = if *bold { "center strong" } else { "center" };
                    let _ = writeln!(h, "<p class=\"{cls}\">{}</p>", escape(text));
                }
            }
            Block::Rule(_) => h.push_str("<hr>\n"),
            Block::Field { key, label, value, bold } => {
                if !in_table {
                    h.push_str("<table>\n");
                    in_table = true;
                }
                let cls = if *bold { " class=\"strong\"" } else { "" };
                let _ = writeln!(
                    h,
                    "<tr{cls} data-key=\"{key}\"><th scope=\"row\">{}</th><td>{}</td></tr>",
                    escape(label),
                    escape(value)
                );
            }
            Block::Amount { label, value } => {
                let _ = writeln!(
                    h,
                    "<div class=\"amount\"><span class=\"label\">{}</span><span class=\"value\">{}</span></div>",
                    escape(label),
                    escape(value)
                );
            }
            Block::Para(p) => {
                let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(p));
            }
            Block::Signature { label } => {
                let _ = writeln!(
                    h,
                    "<div class=\"sign\"><p class=\"note\">{}</p><div class=\"line\"></div></div>",
                    escape(label)
                );
            }
            Block::Qr { caption, url } => {
                let _ = writeln!(
                    h,
                    "<p class=\"center strong\">{}</p>\n<p class=\"link\"><a href=\"{u}\">{u}</a></p>",
                    escape(caption),
                    u = escape(url)
                );
            }
        }
        first = false;
    }
    if in_table {
        h.push_str("</table>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
