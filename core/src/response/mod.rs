//! Response codes and failure diagnosis: every failure means one outcome, one cause and an
//! ordered list of remedies.
//!
//! A merchant who sees "交易失败 103" or "响应码 9997" cannot tell whether the network, the host,
//! the cardholder's account, the card, the PIN, the terminal or the operator is to blame, nor what
//! to do next. This module turns every host response code (ISO 8583 field 39, UnionPay meanings,
//! acquirer variants) and every terminal-local failure (communication, card reading, printer,
//! keys, response checks) into a [`Diagnosis`]: the registry [`Entry`] (outcome class, cause
//! category, operator and customer texts in Chinese and English, remedies) plus the
//! [`NextAction`] the transaction engine must take.
//!
//! The tables are data (`core/data/response/*.json`, compiled in), layered as profiles:
//! `terminal` (terminal-local codes, remedy catalogue, local-failure map) ← `iso` (ISO 8583:1987
//! 00–99) ← `unionpay` (China UnionPay meanings). An acquirer profile is the same JSON format,
//! names its base and adds or overrides entries; load it at run time with
//! [`Registry::from_profile_json`].
//!
//! [`Registry::diagnose`] is the single place that decides what happens after a failure, so the
//! engine, the demo and every binding agree on when a reversal (冲正) is needed.
//!
//! An acquirer profile overrides only what differs; a new code must give every field:
//!
//! ```
//! use poscore::response::{Lang, Outcome, Registry};
//! let reg = Registry::from_profile_json(r#"{
//!     "name": "acme-bank",
//!     "base": "unionpay",
//!     "remedies": [{"id": "call_acme", "text": {"zh": "致电 ACME 客服", "en": "Call ACME support"}}],
//!     "entries": [
//!         {"code": "51", "remedies": ["lower_amount", "call_acme"]},
//!         {"code": "N7", "outcome": "Declined", "cause": "card",
//!          "operator": {"zh": "CVN2 错误", "en": "CVN2 mismatch"},
//!          "customer": {"zh": "交易失败，请换卡", "en": "Declined, please use another card"},
//!          "remedies": ["another_card"]}
//!     ]
//! }"#).unwrap();
//! assert_eq!(reg.explain("51", Lang::En).remedies[1], "Call ACME support");
//! assert_eq!(reg.get("N7").unwrap().outcome, Outcome::Declined);
//! ```
//!
//! The remedy ids, causes and outcome spellings a profile may use are listed in
//! `docs/response-codes.md`, which is generated from these tables.
//!
//! ```
//! use poscore::response::{Context, Lang, NextAction, Outcome, Registry, Request};
//! let reg = Registry::unionpay();
//! let d = reg.diagnose(&Context::host(Request::Financial, "51"));
//! assert_eq!(d.entry.outcome, Outcome::Declined);
//! assert_eq!(d.action, NextAction::Decline);
//! assert_eq!(d.explain(&reg, Lang::En).customer_text, "Insufficient funds, please use another card or payment method");
//!
//! // The request left and no answer came: the outcome is unknown, so reverse it (reason 98).
//! let d = reg.diagnose(&Context::from_key(Request::Financial, "comm.receive_timeout.after_send").unwrap());
//! assert_eq!(d.action, NextAction::Reverse);
//! assert_eq!(d.reversal_reason.as_deref(), Some("98"));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

mod docs;
mod event;
mod registry;

pub use docs::{markdown, markdown_profile};
pub use event::{
    CardReadError, CommError, Event, KeyProblem, OfflineEvent, Phase, PrinterFault, ResponseProblem, VerifyFailure,
};
pub use registry::{data, diagnose, EntryPatch, Profile, Registry, BUNDLED_PROFILES};

/// Errors from loading a profile, parsing a language or an event key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The profile is not valid JSON or does not have the profile shape.
    #[error("profile {profile}: invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// Profile name, or `<input>` when the name could not be read.
        profile: String,
        /// One-based line of the error.
        line: usize,
        /// One-based column of the error.
        column: usize,
        /// What serde found wrong.
        message: String,
    },
    /// A profile name (as `--profile` or a `base`) that is neither bundled nor loadable.
    #[error("unknown profile {name:?}: expected one of {expected}")]
    UnknownProfile {
        /// The name given.
        name: String,
        /// The names that exist.
        expected: &'static str,
    },
    /// A run-time profile must say which profile it extends.
    #[error("profile {profile}: no \"base\"; a profile extends iso, unionpay or terminal")]
    MissingBase {
        /// Profile name.
        profile: String,
    },
    /// A code that is empty, too long or has characters other than A-Z, 0-9 and '-'.
    #[error("profile {profile}: bad code {code:?}: expected 1 to 16 characters A-Z, 0-9 or '-'")]
    BadCode {
        /// Profile name.
        profile: String,
        /// The code as written.
        code: String,
    },
    /// The same code appears twice in one profile.
    #[error("profile {profile}: code {code} is listed twice")]
    DuplicateCode {
        /// Profile name.
        profile: String,
        /// The repeated code.
        code: String,
    },
    /// A new code (not in the base) lacks a field; only overrides may be partial.
    #[error("profile {profile}: new code {code} has no {field} (only overrides of base codes may omit fields)")]
    IncompleteEntry {
        /// Profile name.
        profile: String,
        /// The code.
        code: String,
        /// The missing field.
        field: &'static str,
    },
    /// An operator or customer text, or a remedy text, is empty in one language.
    #[error("profile {profile}: {code} has an empty {field} text in {lang}")]
    EmptyText {
        /// Profile name.
        profile: String,
        /// The code or remedy id.
        code: String,
        /// `operator`, `customer` or `remedy`.
        field: &'static str,
        /// `zh` or `en`.
        lang: &'static str,
    },
    /// A remedy id that the remedy catalogue does not define.
    #[error("profile {profile}: {code} names remedy {remedy:?}, which the catalogue does not define")]
    UnknownRemedy {
        /// Profile name.
        profile: String,
        /// The code naming it.
        code: String,
        /// The remedy id.
        remedy: String,
    },
    /// A local-failure key maps to a code that no profile defines.
    #[error("profile {profile}: local failure {key} maps to {code}, which is not defined")]
    UnknownLocalTarget {
        /// Profile name.
        profile: String,
        /// The local failure key (`comm.receive_timeout.after_send`, ...).
        key: String,
        /// The code it names.
        code: String,
    },
    /// A reversal reason that is not two characters A-Z/0-9 (it goes into field 39 of the 0400).
    #[error("profile {profile}: {code} has reversal reason {reason:?}: expected two characters A-Z or 0-9")]
    BadReversalReason {
        /// Profile name.
        profile: String,
        /// The code.
        code: String,
        /// The reason as written.
        reason: String,
    },
    /// A language tag other than Chinese or English.
    #[error("unknown language {lang:?}: expected zh, zh-CN or en")]
    UnknownLanguage {
        /// The tag given.
        lang: String,
    },
    /// An event key or request kind that does not parse.
    #[error("bad {what} {input:?} at segment {segment}: expected {expected}")]
    BadKey {
        /// `event`, `request` or `local failure key`.
        what: &'static str,
        /// The whole input.
        input: String,
        /// Zero-based dot-separated segment that is wrong.
        segment: usize,
        /// What that segment may be.
        expected: &'static str,
    },
}

impl ResponseError {
    /// A stable machine-readable code, the same on every surface (`response.unknown_remedy`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Json { .. } => "response.bad_json",
            Self::UnknownProfile { .. } => "response.unknown_profile",
            Self::MissingBase { .. } => "response.missing_base",
            Self::BadCode { .. } => "response.bad_code",
            Self::DuplicateCode { .. } => "response.duplicate_code",
            Self::IncompleteEntry { .. } => "response.incomplete_entry",
            Self::EmptyText { .. } => "response.empty_text",
            Self::UnknownRemedy { .. } => "response.unknown_remedy",
            Self::UnknownLocalTarget { .. } => "response.unknown_local_target",
            Self::BadReversalReason { .. } => "response.bad_reversal_reason",
            Self::UnknownLanguage { .. } => "response.unknown_language",
            Self::BadKey { .. } => "response.bad_key",
        }
    }
}

/// What the transaction engine does with a code: the outcome class. Spelled exactly like the
/// variant names in JSON (`"ReverseThenRetry"`), because support staff read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Outcome {
    /// The host approved (possibly partly or with a condition the operator texts mention).
    Approved,
    /// A final decline: the host answered, no money moved, retrying the same thing will not help.
    Declined,
    /// Nothing reached the host, or the host asked for the request again: safe to resend now.
    RetryNow,
    /// The host or network is temporarily unavailable: try again in a few minutes.
    RetryLater,
    /// The request may have reached the host and the result is unknown or unusable: reverse it
    /// (冲正) first, then start again.
    ReverseThenRetry,
    /// Keys or batch are out of step with the host: sign on (签到) again.
    SignOnAgain,
    /// Referral: the issuer wants to talk to the cardholder (查发卡行).
    CallIssuer,
    /// The issuer asks for the card to be retained (没收卡).
    PickUpCard,
    /// The terminal (hardware, software, parameters, keys) must be fixed before it can work.
    FixTerminal,
    /// The operator did something the host or card rejects (amount, original, card handling).
    OperatorError,
}

impl Outcome {
    /// Every outcome, in declaration order (for tables and tests).
    pub const ALL: [Self; 10] = [
        Self::Approved,
        Self::Declined,
        Self::RetryNow,
        Self::RetryLater,
        Self::ReverseThenRetry,
        Self::SignOnAgain,
        Self::CallIssuer,
        Self::PickUpCard,
        Self::FixTerminal,
        Self::OperatorError,
    ];

    /// The JSON spelling (`"ReverseThenRetry"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "Approved",
            Self::Declined => "Declined",
            Self::RetryNow => "RetryNow",
            Self::RetryLater => "RetryLater",
            Self::ReverseThenRetry => "ReverseThenRetry",
            Self::SignOnAgain => "SignOnAgain",
            Self::CallIssuer => "CallIssuer",
            Self::PickUpCard => "PickUpCard",
            Self::FixTerminal => "FixTerminal",
            Self::OperatorError => "OperatorError",
        }
    }
}

/// Where the problem lies: what a support desk asks first ("is it the network or the card?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Nothing is wrong (approvals).
    None,
    /// The line between terminal and host, or between the switch and the issuer.
    Network,
    /// The host, switch or issuer is under maintenance, in day cut-over or failing.
    HostMaintenance,
    /// The cardholder's available balance.
    AccountBalance,
    /// The account or card is frozen, restricted, lost, stolen or under fraud suspicion.
    AccountRestricted,
    /// An amount or count limit.
    AmountLimit,
    /// The card itself: expired, unknown, unreadable, not activated.
    Card,
    /// The PIN: wrong, or too many tries.
    Pin,
    /// The card or payment code does not support this transaction.
    PaymentMethod,
    /// Terminal hardware: printer, card reader, PIN pad.
    TerminalHardware,
    /// Terminal software, parameters, registration or keys.
    TerminalSoftware,
    /// Something the operator did or must do.
    Operator,
    /// The issuer declined without a reason a terminal can act on.
    Issuer,
    /// A code whose meaning is not defined (reserved ranges, unknown codes).
    Unknown,
}

impl Cause {
    /// The JSON spelling (`"account_balance"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Network => "network",
            Self::HostMaintenance => "host_maintenance",
            Self::AccountBalance => "account_balance",
            Self::AccountRestricted => "account_restricted",
            Self::AmountLimit => "amount_limit",
            Self::Card => "card",
            Self::Pin => "pin",
            Self::PaymentMethod => "payment_method",
            Self::TerminalHardware => "terminal_hardware",
            Self::TerminalSoftware => "terminal_software",
            Self::Operator => "operator",
            Self::Issuer => "issuer",
            Self::Unknown => "unknown",
        }
    }
}

/// Which table a code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// ISO 8583:1987 field 39.
    Iso,
    /// China UnionPay POS response codes.
    Unionpay,
    /// Terminal-local failures (not from the host).
    Terminal,
    /// An acquirer profile loaded at run time.
    Acquirer,
}

impl Source {
    /// The JSON spelling (`"unionpay"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Iso => "iso",
            Self::Unionpay => "unionpay",
            Self::Terminal => "terminal",
            Self::Acquirer => "acquirer",
        }
    }
}

/// Display language. Only the two the tables carry; anything else is an error rather than a
/// silent fallback, so a misconfigured terminal is noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Simplified Chinese (`zh`, `zh-CN`, `zh-Hans`).
    #[default]
    Zh,
    /// English (`en`, `en-US`, ...).
    En,
}

impl Lang {
    /// Parse a language tag: `zh`, `zh-CN`, `zh_CN`, `zh-Hans`, `en`, `en-US`, ... (case-insensitive).
    pub fn parse(tag: &str) -> Result<Self, ResponseError> {
        let t = tag.trim().to_ascii_lowercase();
        let primary = t.split(['-', '_']).next().unwrap_or("");
        match primary {
            "zh" => Ok(Self::Zh),
            "en" => Ok(Self::En),
            _ => Err(ResponseError::UnknownLanguage { lang: tag.to_owned() }),
        }
    }

    /// `zh` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Simplified Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// One remedy in the catalogue: something the merchant can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remedy {
    /// Stable id (`check_network_retry`), what entries refer to.
    pub id: String,
    /// What to do, in both languages.
    pub text: Text,
}

/// What the transaction engine must do next. Small on purpose: every binding mirrors it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    /// Approved: log the approval, clear the pending reversal record, print the receipt.
    Complete,
    /// Final: the host answered (or the card refused offline), so nothing is pending: clear the
    /// pending reversal record and show the texts. A new attempt is a new transaction.
    Decline,
    /// Nothing reached the host (or the host asked for it again): clear the pending reversal
    /// record and resend now (advices resend as repeats, 0221).
    RetryNow,
    /// The host answered "not now": clear the pending reversal record, do not resend
    /// automatically; the operator retries after a while.
    RetryLater,
    /// The outcome is unknown or unusable: keep the pending reversal record and send the 0400
    /// (with [`Diagnosis::reversal_reason`] in field 39) before any other financial request.
    /// For a reversal that failed, it means "send the reversal again" (with backoff, up to the
    /// retry limit); the recorded reason stays.
    Reverse,
    /// The host acknowledged the reversal (00, 12 or 25 by default): clear the pending reversal.
    ReversalDone,
    /// The host says the request is a duplicate (94): never resend it; look up the original's
    /// result (transaction record or inquiry) instead.
    Query,
    /// Sign on (签到) again, then start over.
    SignOn,
    /// A local problem the operator must fix (paper, card handling, key loading). Nothing was
    /// sent because of it and nothing is pending: resume (reprint, re-read the card) once fixed.
    Attend,
}

impl NextAction {
    /// The JSON spelling (`"reversal_done"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Decline => "decline",
            Self::RetryNow => "retry_now",
            Self::RetryLater => "retry_later",
            Self::Reverse => "reverse",
            Self::ReversalDone => "reversal_done",
            Self::Query => "query",
            Self::SignOn => "sign_on",
            Self::Attend => "attend",
        }
    }
}

/// What kind of request the failure or response belongs to: the same code means different
/// things after a sale and after a reversal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// A reversible financial request: sale, void, pre-authorisation, completion and their voids.
    Financial,
    /// A financial advice that is not reversed but resent as a repeat: refund (0220), offline.
    Advice,
    /// A reversal (0400).
    Reversal,
    /// Balance or transaction inquiry.
    Inquiry,
    /// Sign-on (0800).
    SignOn,
    /// Settlement (0500) and batch upload (0320).
    Settlement,
    /// Other network management: sign-off, echo test, status and script advices.
    Management,
}

impl Request {
    /// Every request kind.
    pub const ALL: [Self; 7] = [
        Self::Financial,
        Self::Advice,
        Self::Reversal,
        Self::Inquiry,
        Self::SignOn,
        Self::Settlement,
        Self::Management,
    ];

    /// The JSON spelling (`"sign_on"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Financial => "financial",
            Self::Advice => "advice",
            Self::Reversal => "reversal",
            Self::Inquiry => "inquiry",
            Self::SignOn => "sign_on",
            Self::Settlement => "settlement",
            Self::Management => "management",
        }
    }

    /// Parse the JSON spelling.
    pub fn parse(s: &str) -> Result<Self, ResponseError> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| ResponseError::BadKey {
            what: "request",
            input: s.to_owned(),
            segment: 0,
            expected: "financial, advice, reversal, inquiry, sign_on, settlement or management",
        })
    }

    /// Whether an unknown outcome of this request must be reversed (UnionPay §1: sale, void,
    /// pre-authorisation and completion are; inquiries, advices and management are not).
    pub fn reversible(self) -> bool {
        matches!(self, Self::Financial)
    }
}

/// What happened, as the engine hands it to [`Registry::diagnose`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The request the failure or response belongs to.
    pub request: Request,
    /// The host's answer or the local failure.
    pub event: Event,
}

impl Context {
    /// A host response code (field 39) to `request`.
    pub fn host(request: Request, code: &str) -> Self {
        Self { request, event: Event::HostResponse { code: code.to_owned() } }
    }

    /// A local failure or host response from its portable key (see [`Event::parse`]):
    /// `comm.receive_timeout.after_send`, `printer.out_of_paper`, `code:94`, ... This is the form
    /// the shared vectors and the JS/Kotlin surfaces use. A bare field 39 code (two letters or
    /// digits: `51`, `A0`) is taken as the host's answer, as people type it.
    pub fn from_key(request: Request, key: &str) -> Result<Self, ResponseError> {
        let bare = key.len() == 2 && key.bytes().all(|b| b.is_ascii_alphanumeric());
        let event = if bare { Event::HostResponse { code: key.to_owned() } } else { Event::parse(key)? };
        Ok(Self { request, event })
    }
}

/// One registry entry: what a code means and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The code: two characters for host codes, `103`, `9997-03`, `T103`, ... for terminal codes.
    pub code: String,
    /// Which table it comes from.
    pub source: Source,
    /// What the engine acts on.
    pub outcome: Outcome,
    /// Where the problem lies.
    pub cause: Cause,
    /// Short text for the operator (says why).
    pub operator: Text,
    /// Short text for the cardholder (never says why for sensitive declines).
    pub customer: Text,
    /// Remedy ids, most useful first.
    pub remedies: Vec<String>,
    /// A decline whose reason must not be shown to the cardholder (pick-up, fraud, lost, stolen,
    /// restricted): the customer text is the generic one.
    #[serde(default)]
    pub sensitive: bool,
    /// An action that overrides the one derived from the outcome (94 → `query`).
    pub action: Option<NextAction>,
    /// Field 39 of the reversal to send, for `ReverseThenRetry` entries (98 timeout, A0 MAC, 06 other).
    pub reversal_reason: Option<String>,
}

/// A code explained in one language: what `poscore explain` prints and what the bindings show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The code as looked up (upper-case).
    pub code: String,
    /// `iso`, `unionpay`, `terminal` or `acquirer`.
    pub source: Source,
    /// Outcome class.
    pub outcome: Outcome,
    /// Cause category.
    pub cause: Cause,
    /// Text for the operator.
    pub operator_text: String,
    /// Text for the cardholder.
    pub customer_text: String,
    /// Remedy texts, in order.
    pub remedies: Vec<String>,
    /// True when the code is not in the registry and the default entry was used.
    pub unknown: bool,
}

/// The answer of [`Registry::diagnose`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The entry that applies (the default entry, with the code filled in, when unknown).
    pub entry: Entry,
    /// True when a host code is not in the registry.
    pub unknown: bool,
    /// What the engine must do next.
    pub action: NextAction,
    /// With [`NextAction::Reverse`] for a new reversal: field 39 of the 0400 (`98`, `A0`, `06`).
    /// `None` when resending an existing reversal, whose recorded reason stays.
    pub reversal_reason: Option<String>,
    /// The profile that decided (`unionpay`, or an acquirer profile's name).
    pub profile: String,
}

impl Diagnosis {
    /// The diagnosis in one language, for display.
    pub fn explain(&self, registry: &Registry, lang: Lang) -> Explanation {
        registry.localize(&self.entry, self.unknown, lang)
    }

    /// What a terminal shows and does, in one language: the explanation plus the next action.
    /// This is the shape every binding returns (JS object, Kotlin data class).
    pub fn report(&self, registry: &Registry, lang: Lang) -> DiagnosisReport {
        DiagnosisReport {
            explanation: self.explain(registry, lang),
            action: self.action,
            reversal_reason: self.reversal_reason.clone(),
            profile: self.profile.clone(),
        }
    }
}

/// A [`Diagnosis`] in one language: the explanation (code, outcome, cause, texts, remedies)
/// flattened together with what the engine does next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosisReport {
    /// Code, source, outcome, cause, operator and customer text, remedies, unknown flag.
    #[serde(flatten)]
    pub explanation: Explanation,
    /// What the engine must do next.
    pub action: NextAction,
    /// Field 39 of a new reversal (`98`, `A0`, `06`), when `action` is `reverse`.
    pub reversal_reason: Option<String>,
    /// The profile that decided.
    pub profile: String,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for NextAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bare_two_character_code_is_the_host_answer() {
        let ctx = Context::from_key(Request::Financial, "51").unwrap();
        assert_eq!(ctx.event, Event::HostResponse { code: "51".into() });
        assert_eq!(Context::from_key(Request::Financial, "A0").unwrap().event.key(), "code:A0");
        assert!(Context::from_key(Request::Financial, "5").is_err());
        assert!(Context::from_key(Request::Financial, "comm").is_err());
        assert!(Context::from_key(Request::Financial, "5 1").is_err());
    }

    use super::*;

    #[test]
    fn bundled_profiles_load() {
        for name in BUNDLED_PROFILES {
            let r = Registry::bundled(name).unwrap();
            assert_eq!(r.name(), name);
        }
        assert_eq!(Registry::unionpay().chain(), ["terminal", "iso", "unionpay"]);
    }

    #[test]
    fn unknown_code_is_declined_and_flagged() {
        let (e, unknown) = Registry::unionpay().resolve("zz");
        assert!(unknown);
        assert_eq!(e.code, "ZZ");
        assert_eq!(e.outcome, Outcome::Declined);
        assert!(e.operator.en.contains("ZZ"));
    }

    #[test]
    fn lang_tags() {
        assert_eq!(Lang::parse("zh-CN").unwrap(), Lang::Zh);
        assert_eq!(Lang::parse("EN_us").unwrap(), Lang::En);
        assert_eq!(Lang::parse("fr").unwrap_err().code(), "response.unknown_language");
    }
}
