//! Profiles and the resolved registry: loading, layering, checking, lookup and [`Registry::diagnose`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{
    Cause, Context, Diagnosis, Entry, Event, Explanation, Lang, NextAction, Outcome, Remedy, Request, ResponseError,
    Source, Text,
};

/// A profile as written in JSON: bundled tables and acquirer profiles share this format.
/// Entries are patches: a code already in the base may give only the fields it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Profile name (`unionpay`, `acme-bank`).
    pub name: String,
    /// The profile it extends (`terminal`, `iso`, `unionpay`); only `terminal` has none.
    #[serde(default)]
    pub base: Option<String>,
    /// Source given to this profile's new entries (default `acquirer`).
    #[serde(default)]
    pub source: Option<Source>,
    /// What the profile is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Remedies added to, or replacing texts in, the catalogue.
    #[serde(default)]
    pub remedies: Vec<Remedy>,
    /// Host codes that end a reversal (default `00`, `12`, `25`).
    #[serde(default)]
    pub reversal_done_codes: Option<Vec<String>>,
    /// The entry used for unknown codes; `{code}` in its texts is replaced by the code.
    #[serde(default)]
    pub default: Option<EntryPatch>,
    /// Local failure key → terminal code (`comm.receive_timeout.after_send` → `T103`).
    #[serde(default)]
    pub local: BTreeMap<String, String>,
    /// Entries added or overridden.
    #[serde(default)]
    pub entries: Vec<EntryPatch>,
}

/// An entry in a profile: every field but the code may be left out when overriding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryPatch {
    /// The code.
    pub code: String,
    /// Table of origin (defaults to the profile's `source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Outcome class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Cause category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// Operator text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Text>,
    /// Customer text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Text>,
    /// Remedy ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedies: Option<Vec<String>>,
    /// Sensitive decline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<bool>,
    /// Action override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<NextAction>,
    /// Reversal reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reversal_reason: Option<String>,
}

impl Profile {
    /// Parse a profile from JSON. Shape errors say where; content is checked when the profile
    /// is applied to a base.
    pub fn from_json(json: &str) -> Result<Self, ResponseError> {
        serde_json::from_str(json).map_err(|e| {
            let profile = serde_json::from_str::<serde_json::Value>(json)
                .ok()
                .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                .unwrap_or_else(|| "<input>".to_owned());
            ResponseError::Json { profile, line: e.line(), column: e.column(), message: e.to_string() }
        })
    }
}

/// The bundled tables, compiled in. The same files are the format for acquirer profiles.
pub mod data {
    /// Terminal-local codes, the remedy catalogue and the local-failure map.
    pub const TERMINAL: &str = include_str!("../../data/response/terminal.json");
    /// ISO 8583:1987 field 39, codes 00–99.
    pub const ISO: &str = include_str!("../../data/response/iso.json");
    /// China UnionPay POS response codes over ISO.
    pub const UNIONPAY: &str = include_str!("../../data/response/unionpay.json");
}

/// Names of the bundled profiles, root first.
pub const BUNDLED_PROFILES: [&str; 3] = ["terminal", "iso", "unionpay"];

const BUNDLED_EXPECTED: &str = "terminal, iso, unionpay (or a JSON profile)";

fn bundled_json(name: &str) -> Option<&'static str> {
    match name {
        "terminal" => Some(data::TERMINAL),
        "iso" => Some(data::ISO),
        "unionpay" => Some(data::UNIONPAY),
        _ => None,
    }
}

/// A resolved profile: every code with its meaning, the remedy catalogue and the local-failure
/// map. Build one at start-up and keep it; lookups do not allocate beyond the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    name: String,
    chain: Vec<String>,
    entries: BTreeMap<String, Entry>,
    remedies: Vec<Remedy>,
    local: BTreeMap<String, String>,
    reversal_done: Vec<String>,
    default: Entry,
    host_source: Source,
}

impl Default for Registry {
    /// The UnionPay profile: what a terminal in China talks to.
    fn default() -> Self {
        Self::unionpay()
    }
}

/// Normalise a code for lookup: trimmed, upper-case.
fn normalize(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

fn valid_code(code: &str) -> bool {
    (1..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

impl Registry {
    /// The bundled ISO 8583:1987 profile (with the terminal codes).
    pub fn iso() -> Self {
        Self::bundled("iso").expect("bundled iso profile is valid (checked by tests)")
    }

    /// The bundled UnionPay profile (ISO overridden and extended by UnionPay meanings).
    pub fn unionpay() -> Self {
        Self::bundled("unionpay").expect("bundled unionpay profile is valid (checked by tests)")
    }

    /// A bundled profile by name: `terminal`, `iso` or `unionpay`.
    pub fn bundled(name: &str) -> Result<Self, ResponseError> {
        let json = bundled_json(name)
            .ok_or_else(|| ResponseError::UnknownProfile { name: name.to_owned(), expected: BUNDLED_EXPECTED })?;
        let profile = Profile::from_json(json)?;
        match profile.base.clone() {
            None => {
                let mut reg = Self::empty();
                reg.apply(profile)?;
                Ok(reg)
            }
            Some(base) => {
                let mut reg = Self::bundled(&base)?;
                reg.apply(profile)?;
                Ok(reg)
            }
        }
    }

    /// An acquirer profile from JSON, applied over the bundled profile it names as `base`.
    pub fn from_profile_json(json: &str) -> Result<Self, ResponseError> {
        let profile = Profile::from_json(json)?;
        let base = profile.base.clone().ok_or_else(|| ResponseError::MissingBase { profile: profile.name.clone() })?;
        let mut reg = Self::bundled(&base)?;
        reg.apply(profile)?;
        Ok(reg)
    }

    fn empty() -> Self {
        let blank = Text { zh: String::new(), en: String::new() };
        Self {
            name: String::new(),
            chain: Vec::new(),
            entries: BTreeMap::new(),
            remedies: Vec::new(),
            local: BTreeMap::new(),
            reversal_done: vec!["00".into(), "12".into(), "25".into()],
            host_source: Source::Iso,
            default: Entry {
                code: String::new(),
                source: Source::Terminal,
                outcome: Outcome::Declined,
                cause: Cause::Unknown,
                operator: blank.clone(),
                customer: blank,
                remedies: Vec::new(),
                sensitive: false,
                action: None,
                reversal_reason: None,
            },
        }
    }

    /// Layer `profile` over this registry (acquirer over acquirer is allowed). Checks everything
    /// the profile touches; on error the registry is unchanged.
    pub fn apply(&mut self, profile: Profile) -> Result<(), ResponseError> {
        let mut next = self.clone();
        next.apply_unchecked(profile)?;
        *self = next;
        Ok(())
    }

    fn apply_unchecked(&mut self, profile: Profile) -> Result<(), ResponseError> {
        let pname = profile.name.clone();
        let source = profile.source.unwrap_or(Source::Acquirer);
        for r in profile.remedies {
            for (lang, t) in [("zh", &r.text.zh), ("en", &r.text.en)] {
                if t.trim().is_empty() {
                    return Err(ResponseError::EmptyText { profile: pname, code: r.id, field: "remedy", lang });
                }
            }
            match self.remedies.iter_mut().find(|x| x.id == r.id) {
                Some(x) => *x = r,
                None => self.remedies.push(r),
            }
        }
        if let Some(codes) = profile.reversal_done_codes {
            let mut done = Vec::with_capacity(codes.len());
            for c in codes {
                let n = normalize(&c);
                if !valid_code(&n) {
                    return Err(ResponseError::BadCode { profile: pname, code: c });
                }
                done.push(n);
            }
            self.reversal_done = done;
        }
        if let Some(d) = profile.default {
            let mut entry = self.default.clone();
            merge(&mut entry, d);
            self.check_entry(&pname, &entry)?;
            self.default = entry;
        }
        let mut seen = BTreeSet::new();
        for patch in profile.entries {
            let code = normalize(&patch.code);
            if !valid_code(&code) {
                return Err(ResponseError::BadCode { profile: pname, code: patch.code });
            }
            if !seen.insert(code.clone()) {
                return Err(ResponseError::DuplicateCode { profile: pname, code });
            }
            let entry = if let Some(existing) = self.entries.get(&code) {
                let mut e = existing.clone();
                // An override re-attributes the code to this profile unless it says otherwise.
                e.source = patch.source.unwrap_or(source);
                merge(&mut e, patch);
                e
            } else {
                new_entry(&pname, &code, source, patch)?
            };
            self.check_entry(&pname, &entry)?;
            self.entries.insert(code, entry);
        }
        for (key, code) in profile.local {
            // A typo in a key would silently never match: every key must name a local event
            // (comm and card keys may leave out the phase to cover all phases).
            let parsed = Event::parse(&key).or_else(|_| Event::parse(&format!("{key}.before_send")));
            match parsed {
                Ok(Event::HostResponse { .. }) | Err(_) => {
                    return Err(ResponseError::BadKey {
                        what: "local failure key",
                        input: key,
                        segment: 0,
                        expected: "a local event key such as comm.receive_timeout.after_send",
                    })
                }
                Ok(_) => {}
            }
            self.local.insert(key, normalize(&code));
        }
        for (key, code) in &self.local {
            if !self.entries.contains_key(code) {
                return Err(ResponseError::UnknownLocalTarget { profile: pname, key: key.clone(), code: code.clone() });
            }
        }
        // The catalogue only grows and local targets are checked above, so entries this
        // profile did not touch stay valid.
        if source != Source::Terminal {
            self.host_source = source;
        }
        self.chain.push(pname.clone());
        self.name = pname;
        Ok(())
    }

    fn check_entry(&self, profile: &str, e: &Entry) -> Result<(), ResponseError> {
        for (field, text) in [("operator", &e.operator), ("customer", &e.customer)] {
            for (lang, t) in [("zh", &text.zh), ("en", &text.en)] {
                if t.trim().is_empty() {
                    return Err(ResponseError::EmptyText {
                        profile: profile.to_owned(),
                        code: e.code.clone(),
                        field,
                        lang,
                    });
                }
            }
        }
        for r in &e.remedies {
            if !self.remedies.iter().any(|x| &x.id == r) {
                return Err(ResponseError::UnknownRemedy {
                    profile: profile.to_owned(),
                    code: e.code.clone(),
                    remedy: r.clone(),
                });
            }
        }
        if let Some(reason) = &e.reversal_reason {
            if reason.len() != 2 || !reason.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
                return Err(ResponseError::BadReversalReason {
                    profile: profile.to_owned(),
                    code: e.code.clone(),
                    reason: reason.clone(),
                });
            }
        }
        Ok(())
    }

    /// The profile's name (`unionpay`, or the acquirer profile's).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The profiles layered into this registry, root first (`["terminal", "iso", "unionpay"]`).
    pub fn chain(&self) -> &[String] {
        &self.chain
    }

    /// Every entry, ordered by code.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The remedy catalogue, in catalogue order.
    pub fn remedies(&self) -> &[Remedy] {
        &self.remedies
    }

    /// The local-failure map: key → terminal code.
    pub fn local_map(&self) -> &BTreeMap<String, String> {
        &self.local
    }

    /// Host codes that end a reversal.
    pub fn reversal_done_codes(&self) -> &[String] {
        &self.reversal_done
    }

    /// The entry for `code` (trimmed, case-insensitive), if the registry has one.
    pub fn get(&self, code: &str) -> Option<&Entry> {
        self.entries.get(&normalize(code))
    }

    /// The entry for `code`, or the default entry (outcome `Declined`, cause `unknown`) with
    /// the code filled in; the flag says which. Never fails: a terminal must always be able to
    /// say something about a code it has not seen.
    pub fn resolve(&self, code: &str) -> (Entry, bool) {
        let code = normalize(code);
        if let Some(e) = self.entries.get(&code) {
            return (e.clone(), false);
        }
        let mut e = self.default.clone();
        let shown = if code.is_empty() { "(empty)".to_owned() } else { code.clone() };
        e.operator.zh = e.operator.zh.replace("{code}", &shown);
        e.operator.en = e.operator.en.replace("{code}", &shown);
        e.customer.zh = e.customer.zh.replace("{code}", &shown);
        e.customer.en = e.customer.en.replace("{code}", &shown);
        // Two characters is field 39's size: an unknown code of that shape came from the host.
        if code.len() <= 2 {
            e.source = self.host_source;
        }
        e.code = code;
        (e, true)
    }

    /// A code explained in `lang`: what `poscore explain CODE` prints.
    pub fn explain(&self, code: &str, lang: Lang) -> Explanation {
        let (entry, unknown) = self.resolve(code);
        self.localize(&entry, unknown, lang)
    }

    /// The text of remedy `id` in `lang` (the id itself when the catalogue lacks it, which a
    /// checked registry never does).
    pub fn remedy_text(&self, id: &str, lang: Lang) -> String {
        self.remedies.iter().find(|r| r.id == id).map_or_else(|| id.to_owned(), |r| r.text.get(lang).to_owned())
    }

    pub(super) fn localize(&self, e: &Entry, unknown: bool, lang: Lang) -> Explanation {
        Explanation {
            code: e.code.clone(),
            source: e.source,
            outcome: e.outcome,
            cause: e.cause,
            operator_text: e.operator.get(lang).to_owned(),
            customer_text: e.customer.get(lang).to_owned(),
            remedies: e.remedies.iter().map(|r| self.remedy_text(r, lang)).collect(),
            unknown,
        }
    }

    /// The terminal code a local failure maps to: the key with its phase, then without it,
    /// then the general failure `103`.
    pub fn local_code(&self, key: &str) -> &str {
        if let Some(c) = self.local.get(key) {
            return c;
        }
        if let Some((head, _)) = key.rsplit_once('.') {
            if let Some(c) = self.local.get(head) {
                return c;
            }
        }
        self.local.get("general").map_or("103", String::as_str)
    }

    /// Decide what happened and what the engine must do next. The single place that decides.
    ///
    /// Rules, in order:
    /// 1. For a **reversal**, a host code in [`Registry::reversal_done_codes`] (00, 12, 25) ends
    ///    it ([`NextAction::ReversalDone`]); `SignOnAgain` outcomes sign on first; anything else
    ///    (timeouts, 96, unknown codes) means send the reversal again ([`NextAction::Reverse`],
    ///    the recorded reason stays).
    /// 2. An entry's own `action` (94 → [`NextAction::Query`]) wins.
    /// 3. Otherwise the outcome class decides: `Approved` → complete; `Declined`, `CallIssuer`,
    ///    `PickUpCard` → decline; `FixTerminal`, `OperatorError` → decline when the host said
    ///    so, attend when the problem is local; `RetryNow`/`RetryLater`/`SignOnAgain` → the same;
    ///    `ReverseThenRetry` → reverse with the entry's reason for a reversible request, resend
    ///    for the others (an inquiry or advice has nothing to reverse).
    pub fn diagnose(&self, ctx: &Context) -> Diagnosis {
        let (entry, unknown, from_host) = match &ctx.event {
            Event::HostResponse { code } => {
                let (e, unknown) = self.resolve(code);
                (e, unknown, true)
            }
            other => {
                let key = other.key();
                let (e, _) = self.resolve(self.local_code(&key));
                (e, false, false)
            }
        };
        let (action, reversal_reason) = self.decide(ctx.request, &entry, from_host);
        Diagnosis { entry, unknown, action, reversal_reason, profile: self.name.clone() }
    }

    fn decide(&self, request: Request, e: &Entry, from_host: bool) -> (NextAction, Option<String>) {
        use NextAction as A;
        if request == Request::Reversal {
            if from_host && self.reversal_done.contains(&e.code) {
                return (A::ReversalDone, None);
            }
            if e.outcome == Outcome::SignOnAgain {
                return (A::SignOn, None);
            }
            return (A::Reverse, None);
        }
        let action = e.action.unwrap_or(match e.outcome {
            Outcome::Approved => A::Complete,
            Outcome::Declined | Outcome::CallIssuer | Outcome::PickUpCard => A::Decline,
            Outcome::FixTerminal | Outcome::OperatorError => {
                if from_host {
                    A::Decline
                } else {
                    A::Attend
                }
            }
            Outcome::RetryNow => A::RetryNow,
            Outcome::RetryLater => A::RetryLater,
            Outcome::SignOnAgain => A::SignOn,
            Outcome::ReverseThenRetry => A::Reverse,
        });
        if action == A::Reverse {
            if request.reversible() {
                return (A::Reverse, Some(e.reversal_reason.clone().unwrap_or_else(|| "06".to_owned())));
            }
            return (A::RetryNow, None);
        }
        (action, None)
    }
}

/// Decide with a registry: the free-function form of [`Registry::diagnose`].
pub fn diagnose(registry: &Registry, ctx: &Context) -> Diagnosis {
    registry.diagnose(ctx)
}

fn merge(e: &mut Entry, p: EntryPatch) {
    if let Some(v) = p.outcome {
        e.outcome = v;
    }
    if let Some(v) = p.cause {
        e.cause = v;
    }
    if let Some(v) = p.operator {
        e.operator = v;
    }
    if let Some(v) = p.customer {
        e.customer = v;
    }
    if let Some(v) = p.remedies {
        e.remedies = v;
    }
    if let Some(v) = p.sensitive {
        e.sensitive = v;
    }
    if let Some(v) = p.action {
        e.action = Some(v);
    }
    if let Some(v) = p.reversal_reason {
        e.reversal_reason = Some(v);
    }
}

fn new_entry(profile: &str, code: &str, source: Source, p: EntryPatch) -> Result<Entry, ResponseError> {
    let missing = |field| ResponseError::IncompleteEntry { profile: profile.to_owned(), code: code.to_owned(), field };
    Ok(Entry {
        code: code.to_owned(),
        source: p.source.unwrap_or(source),
        outcome: p.outcome.ok_or_else(|| missing("outcome"))?,
        cause: p.cause.ok_or_else(|| missing("cause"))?,
        operator: p.operator.ok_or_else(|| missing("operator"))?,
        customer: p.customer.ok_or_else(|| missing("customer"))?,
        remedies: p.remedies.ok_or_else(|| missing("remedies"))?,
        sensitive: p.sensitive.unwrap_or(false),
        action: p.action,
        reversal_reason: p.reversal_reason,
    })
}
