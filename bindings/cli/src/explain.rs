//! `poscore explain ...`: what a response code or local failure means and what to do.

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use poscore::response::{self, Context, Event, Explanation, Lang, Registry, Request, ResponseError};
use serde_json::json;

use crate::Output;

/// Output format for `--all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per code.
    Text,
    /// The support-desk page (`docs/response-codes.md`).
    Markdown,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Host response code (`51`, `A0`), terminal code (`103`, `9997`, `T103`) or, with
    /// `--request`, a local failure key (`comm.receive_timeout.after_send`).
    code: Option<String>,
    /// Acquirer profile: `iso`, `unionpay` (default) or a path to a JSON profile.
    #[arg(long)]
    profile: Option<String>,
    /// Language: `zh` / `zh-CN` (default) or `en`.
    #[arg(long, default_value = "zh")]
    lang: String,
    /// Also say what the engine does next after this request kind: `financial`, `advice`,
    /// `reversal`, `inquiry`, `sign_on`, `settlement`, `management`.
    #[arg(long)]
    request: Option<String>,
    /// Print the whole table instead of one code.
    #[arg(long, conflicts_with = "code")]
    all: bool,
    /// Format for `--all`. Markdown without `--profile` is the bundled support-desk page.
    #[arg(long, value_enum, default_value_t = Format::Text, requires = "all")]
    format: Format,
}

fn load(profile: Option<&str>) -> Result<Registry, ResponseError> {
    match profile {
        None => Ok(Registry::unionpay()),
        Some(p) if std::path::Path::new(p).extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) => {
            let json = crate::input::read_file(std::path::Path::new(p)).map_err(|e| ResponseError::UnknownProfile {
                name: format!("{p} ({e})"),
                expected: "iso, unionpay or a readable JSON profile file",
            })?;
            Registry::from_profile_json(&json)
        }
        Some(name) => Registry::bundled(name),
    }
}

fn text(e: &Explanation, lang: Lang) -> String {
    let (op, cust, rem, unknown) = match lang {
        Lang::Zh => ("操作员", "顾客", "处理建议", "（未知代码）"),
        Lang::En => ("operator", "customer", "remedies", " (unknown code)"),
    };
    let mut s = format!(
        "{}  {} · {} · {}{}\n{op}: {}\n{cust}: {}\n",
        e.code,
        e.outcome,
        e.cause,
        e.source.as_str(),
        if e.unknown { unknown } else { "" },
        e.operator_text,
        e.customer_text
    );
    if !e.remedies.is_empty() {
        let _ = writeln!(s, "{rem}:");
        for (i, r) in e.remedies.iter().enumerate() {
            let _ = writeln!(s, "  {}. {r}", i + 1);
        }
    }
    s
}

pub fn run(args: ExplainArgs) -> poscore::Result<Output> {
    let lang = Lang::parse(&args.lang)?;
    let reg = load(args.profile.as_deref())?;
    if args.all {
        if args.format == Format::Markdown {
            let md = if args.profile.is_some() { response::markdown_profile(&reg) } else { response::markdown() };
            return Ok(Output::new(json!({ "profile": reg.name(), "markdown": md }), md));
        }
        let all: Vec<Explanation> = reg.entries().map(|e| reg.explain(&e.code, lang)).collect();
        let mut t = String::new();
        for e in &all {
            let _ =
                writeln!(t, "{:<8} {:<17} {:<19} {}", e.code, e.outcome.as_str(), e.cause.as_str(), e.operator_text);
        }
        return Ok(Output::new(json!({ "profile": reg.name(), "entries": all }), t));
    }
    let Some(code) = args.code else {
        return Err(ResponseError::BadKey {
            what: "event",
            input: String::new(),
            segment: 0,
            expected: "a code (51, 103, 9997, T103) or --all",
        }
        .into());
    };
    let Some(request) = args.request else {
        let e = reg.explain(&code, lang);
        let t = text(&e, lang);
        return Ok(Output::new(serde_json::to_value(&e).expect("explanation serializes"), t));
    };
    let request = Request::parse(&request)?;
    // A dotted key (or `general`) is a local failure; anything else is a code the host sent.
    let event = if code.contains('.') || code == "general" || code.starts_with("code:") {
        Context::from_key(request, &code)?.event
    } else {
        Event::HostResponse { code }
    };
    let d = reg.diagnose(&Context { request, event });
    let e = d.explain(&reg, lang);
    let mut t = text(&e, lang);
    let (next, reason) = match lang {
        Lang::Zh => ("下一步", "冲正原因"),
        Lang::En => ("next", "reversal reason"),
    };
    let _ = write!(t, "{next}: {}", d.action);
    if let Some(r) = &d.reversal_reason {
        let _ = write!(t, " ({reason} {r})");
    }
    let mut json = serde_json::to_value(&e).expect("explanation serializes");
    json["action"] = json!(d.action);
    json["reversal_reason"] = json!(d.reversal_reason);
    json["profile"] = json!(d.profile);
    Ok(Output::new(json, t))
}
