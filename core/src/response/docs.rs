//! The support-desk page (`docs/response-codes.md`), generated from the registry so that the
//! documentation and the tables can never disagree. A test compares the committed file with
//! [`markdown`]; `poscore explain --all --format markdown` writes it.

use std::fmt::Write as _;

use super::{Cause, Context, Entry, Event, Lang, NextAction, Outcome, Registry, Request, Source};

fn outcome_text(o: Outcome) -> (&'static str, &'static str) {
    match o {
        Outcome::Approved => ("交易成功", "Approved"),
        Outcome::Declined => ("拒绝，无需重试", "Declined: final, retrying will not help"),
        Outcome::RetryNow => ("请求未到主机，可立即重试", "Did not reach the host: safe to retry now"),
        Outcome::RetryLater => ("主机暂不可用，稍后重试", "Host temporarily unavailable: retry later"),
        Outcome::ReverseThenRetry => {
            ("结果未知：先冲正，再重新交易", "Result unknown: reverse first, then start again")
        }
        Outcome::SignOnAgain => ("重新签到", "Sign on again"),
        Outcome::CallIssuer => ("查发卡行", "Referral: call the issuer"),
        Outcome::PickUpCard => ("没收卡", "Pick up the card"),
        Outcome::FixTerminal => ("终端需处理", "Fix the terminal"),
        Outcome::OperatorError => ("操作有误", "Operator error"),
    }
}

fn action_text(a: NextAction) -> (&'static str, &'static str) {
    match a {
        NextAction::Complete => ("记账、清除冲正记录、打印凭条", "log, clear the pending reversal, print"),
        NextAction::Decline => ("结束交易，清除冲正记录", "end, clear the pending reversal"),
        NextAction::RetryNow => ("清除冲正记录，立即重发", "clear the pending reversal, resend now"),
        NextAction::RetryLater => {
            ("清除冲正记录，稍后由操作员重试", "clear the pending reversal, operator retries later")
        }
        NextAction::Reverse => ("保留冲正记录，先发冲正", "keep the pending reversal, send the reversal first"),
        NextAction::ReversalDone => ("冲正完成，清除冲正记录", "reversal done, clear it"),
        NextAction::Query => ("不得重发，查询原交易结果", "never resend, look up the original"),
        NextAction::SignOn => ("重新签到后再交易", "sign on, then start again"),
        NextAction::Attend => ("操作员处理本地问题后继续", "operator fixes the local problem, then resume"),
    }
}

fn cause_text(c: Cause) -> (&'static str, &'static str) {
    match c {
        Cause::None => ("无", "nothing wrong"),
        Cause::Network => ("网络", "network"),
        Cause::HostMaintenance => ("主机维护或故障", "host maintenance or failure"),
        Cause::AccountBalance => ("账户余额", "account balance"),
        Cause::AccountRestricted => ("账户冻结或受限", "account frozen or restricted"),
        Cause::AmountLimit => ("金额或次数超限", "amount or count over the limit"),
        Cause::Card => ("卡片问题", "card problem"),
        Cause::Pin => ("密码问题", "PIN problem"),
        Cause::PaymentMethod => ("支付方式不符", "wrong payment method"),
        Cause::TerminalHardware => ("终端硬件", "terminal hardware"),
        Cause::TerminalSoftware => ("终端软件、参数或密钥", "terminal software, parameters or keys"),
        Cause::Operator => ("操作员", "operator"),
        Cause::Issuer => ("发卡行拒绝（未说明原因）", "issuer declined (no reason given)"),
        Cause::Unknown => ("未定义", "undefined"),
    }
}

const CAUSES: [Cause; 14] = [
    Cause::None,
    Cause::Network,
    Cause::HostMaintenance,
    Cause::AccountBalance,
    Cause::AccountRestricted,
    Cause::AmountLimit,
    Cause::Card,
    Cause::Pin,
    Cause::PaymentMethod,
    Cause::TerminalHardware,
    Cause::TerminalSoftware,
    Cause::Operator,
    Cause::Issuer,
    Cause::Unknown,
];

/// A table cell: pipes escaped, line breaks flattened.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn both(zh: &str, en: &str) -> String {
    format!("{}<br>{}", cell(zh), cell(en))
}

/// Rows of a code table; `sale_action` adds the action for a reversible financial request.
fn code_table(out: &mut String, reg: &Registry, entries: &[&Entry], with_source: bool) {
    out.push_str(
        "| Code | Outcome | Cause | 操作员 / Operator | 顾客 / Customer | 处理建议 / Remedies | 消费 / Sale → |",
    );
    if with_source {
        out.push_str(" Source |");
    }
    out.push('\n');
    out.push_str("|---|---|---|---|---|---|---|");
    if with_source {
        out.push_str("---|");
    }
    out.push('\n');
    for e in entries {
        let ctx = Context { request: Request::Financial, event: event_for(reg, e) };
        let d = reg.diagnose(&ctx);
        let action = match &d.reversal_reason {
            Some(r) => format!("`{}` ({r})", d.action),
            None => format!("`{}`", d.action),
        };
        let remedies = e.remedies.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(" ");
        let sensitive = if e.sensitive { " 🔒" } else { "" };
        let _ = write!(
            out,
            "| **{}** | {} | {} | {} | {}{} | {} | {} |",
            cell(&e.code),
            e.outcome,
            e.cause,
            both(&e.operator.zh, &e.operator.en),
            both(&e.customer.zh, &e.customer.en),
            sensitive,
            remedies,
            action
        );
        if with_source {
            let _ = write!(out, " {} |", e.source.as_str());
        }
        out.push('\n');
    }
    out.push('\n');
}

/// The event under which a table row's code is diagnosed: host codes as responses, terminal
/// codes through the first local failure that maps to them (so the action shown is the one the
/// engine takes).
fn event_for(reg: &Registry, e: &Entry) -> Event {
    if e.source == Source::Terminal {
        if let Some((key, _)) = reg.local_map().iter().find(|(_, c)| **c == e.code) {
            if let Ok(ev) = Event::parse(key).or_else(|_| Event::parse(&format!("{key}.before_send"))) {
                return ev;
            }
        }
    }
    Event::HostResponse { code: e.code.clone() }
}

fn legend(out: &mut String, reg: &Registry) {
    out.push_str("## 结果类别 / Outcome classes\n\n| Outcome | 中文 | English |\n|---|---|---|\n");
    for o in Outcome::ALL {
        let (zh, en) = outcome_text(o);
        let _ = writeln!(out, "| `{o}` | {zh} | {en} |");
    }
    out.push_str("\n## 下一步动作 / Next actions\n\n| Action | 中文 | English |\n|---|---|---|\n");
    for a in [
        NextAction::Complete,
        NextAction::Decline,
        NextAction::RetryNow,
        NextAction::RetryLater,
        NextAction::Reverse,
        NextAction::ReversalDone,
        NextAction::Query,
        NextAction::SignOn,
        NextAction::Attend,
    ] {
        let (zh, en) = action_text(a);
        let _ = writeln!(out, "| `{a}` | {zh} | {en} |");
    }
    out.push_str("\n## 原因类别 / Cause categories\n\n| Cause | 中文 | English |\n|---|---|---|\n");
    for c in CAUSES {
        let (zh, en) = cause_text(c);
        let _ = writeln!(out, "| `{c}` | {zh} | {en} |");
    }
    out.push_str("\n## 处理建议 / Remedies\n\n| Id | 中文 | English |\n|---|---|---|\n");
    for r in reg.remedies() {
        let _ = writeln!(out, "| `{}` | {} | {} |", r.id, cell(r.text.get(Lang::Zh)), cell(r.text.get(Lang::En)));
    }
    out.push('\n');
}

fn intro(out: &mut String, reg: &Registry) {
    out.push_str(
        "每个代码对应一个结果类别、一个原因类别和按顺序排列的处理建议。终端本地代码（不是主机返回的）\
         以 `T`、`103`、`9997` 开头。🔒 表示顾客提示不透露拒绝原因。\n\n\
         Every code means one outcome class, one cause category and an ordered list of remedies. \
         Terminal-local codes (not sent by the host) start with `T`, `103` or `9997`. 🔒 marks \
         declines whose customer text does not reveal the reason. The `Sale →` column is what the \
         terminal does next after a sale (消费); for a reversal (冲正), host codes ",
    );
    out.push_str(&reg.reversal_done_codes().iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "));
    out.push_str(" end it and anything else sends it again.\n\n");
}

fn terminal_section(out: &mut String, reg: &Registry) {
    out.push_str("## 终端本地代码 / Terminal-local codes\n\n");
    let term: Vec<&Entry> = reg.entries().filter(|e| e.source == Source::Terminal).collect();
    code_table(out, reg, &term, false);
    out.push_str(
        "### 本地故障 → 代码 / Local failure → code\n\n| Failure key | Code | 消费 / Sale → |\n|---|---|---|\n",
    );
    for (key, code) in reg.local_map() {
        let shown = Event::parse(key).or_else(|_| Event::parse(&format!("{key}.before_send")));
        let action = shown.map_or_else(
            |_| String::new(),
            |ev| {
                let d = reg.diagnose(&Context { request: Request::Financial, event: ev });
                match d.reversal_reason {
                    Some(r) => format!("`{}` ({r})", d.action),
                    None => format!("`{}`", d.action),
                }
            },
        );
        let _ = writeln!(out, "| `{key}` | {code} | {action} |");
    }
    out.push('\n');
}

fn unknown_section(out: &mut String, reg: &Registry) {
    let (unknown, _) = reg.resolve("??");
    let _ = writeln!(
        out,
        "## 未知代码 / Unknown codes\n\nA code in no table gets the default entry (flagged `unknown`): outcome `{}`, cause `{}`, \
         operator text \"{}\" / \"{}\", remedies {}.",
        unknown.outcome,
        unknown.cause,
        cell(&unknown.operator.zh),
        cell(&unknown.operator.en),
        unknown.remedies.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
    );
}

/// The whole support-desk page, both languages, from the bundled registries: what
/// `docs/response-codes.md` holds.
pub fn markdown() -> String {
    let up = Registry::unionpay();
    let iso = Registry::iso();
    let mut out = String::new();
    out.push_str("# 响应码与故障处理 / Response codes and failure diagnosis\n\n");
    out.push_str(
        "<!-- Generated from core/data/response/*.json by `poscore explain --all --format markdown`. \
         Do not edit: core/tests/response_docs.rs fails when this file and the registry differ. -->\n\n",
    );
    intro(&mut out, &up);
    legend(&mut out, &up);
    terminal_section(&mut out, &up);
    out.push_str("## 银联 / China UnionPay (profile `unionpay`)\n\n");
    out.push_str("UnionPay meanings over ISO 8583:1987; the Source column says which table each row comes from.\n\n");
    let host: Vec<&Entry> = up.entries().filter(|e| e.source != Source::Terminal).collect();
    code_table(&mut out, &up, &host, true);
    out.push_str("## ISO 8583:1987 field 39 (profile `iso`)\n\n");
    let host: Vec<&Entry> = iso.entries().filter(|e| e.source != Source::Terminal).collect();
    code_table(&mut out, &iso, &host, false);
    unknown_section(&mut out, &up);
    out
}

/// The same page for one registry (an acquirer profile): its remedies, terminal codes and host
/// codes with their sources.
pub fn markdown_profile(reg: &Registry) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# 响应码 / Response codes: profile `{}`\n", reg.name());
    let _ = writeln!(out, "Profiles, root first: {}.\n", reg.chain().join(" → "));
    intro(&mut out, reg);
    legend(&mut out, reg);
    terminal_section(&mut out, reg);
    out.push_str("## 主机代码 / Host codes\n\n");
    let host: Vec<&Entry> = reg.entries().filter(|e| e.source != Source::Terminal).collect();
    code_table(&mut out, reg, &host, true);
    unknown_section(&mut out, reg);
    out
}
