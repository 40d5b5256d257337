//! `response` module for Kotlin (wrapped by `org.poscore.Response`).

use std::sync::Arc;

use poscore::response::{self, Context, Lang, Registry, Request};

use crate::PoscoreError;

mirror_enum! {
    /// What the terminal does with the transaction.
    Outcome from response::Outcome {
        Approved, Declined, RetryNow, RetryLater, ReverseThenRetry, SignOnAgain, CallIssuer, PickUpCard,
        FixTerminal, OperatorError
    } else Declined
}

mirror_enum! {
    /// Why it happened.
    Cause from response::Cause {
        None, Network, HostMaintenance, AccountBalance, AccountRestricted, AmountLimit, Card, Pin, PaymentMethod,
        TerminalHardware, TerminalSoftware, Operator, Issuer, Unknown
    } else Unknown
}

mirror_enum! {
    /// Whose code it is.
    ResponseSource from response::Source { Iso, Unionpay, Terminal, Acquirer } else Acquirer
}

mirror_enum! {
    /// What the engine must do next.
    NextAction from response::NextAction {
        Complete, Decline, RetryNow, RetryLater, Reverse, ReversalDone, Query, SignOn, Attend
    } else Attend
}

/// A code explained in one language.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Explanation {
    pub code: String,
    pub source: ResponseSource,
    pub outcome: Outcome,
    pub cause: Cause,
    pub operator_text: String,
    pub customer_text: String,
    pub remedies: Vec<String>,
    pub unknown: bool,
}

impl From<response::Explanation> for Explanation {
    fn from(e: response::Explanation) -> Self {
        Self {
            code: e.code,
            source: e.source.into(),
            outcome: e.outcome.into(),
            cause: e.cause.into(),
            operator_text: e.operator_text,
            customer_text: e.customer_text,
            remedies: e.remedies,
            unknown: e.unknown,
        }
    }
}

/// A diagnosis in one language and the next action.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DiagnosisReport {
    pub explanation: Explanation,
    pub action: NextAction,
    pub reversal_reason: Option<String>,
    pub profile: String,
}

/// A response-code registry: a bundled profile (`iso`, `unionpay`) or an acquirer's JSON profile.
#[derive(Debug, uniffi::Object)]
pub struct ResponseRegistry(Registry);

#[uniffi::export]
impl ResponseRegistry {
    /// A bundled profile by name.
    #[uniffi::constructor]
    pub fn bundled(name: String) -> Result<Arc<Self>, PoscoreError> {
        Ok(Arc::new(Self(Registry::bundled(&name)?)))
    }

    /// An acquirer profile (JSON naming its base profile) applied over the bundled tables.
    #[uniffi::constructor]
    pub fn from_profile_json(json: String) -> Result<Arc<Self>, PoscoreError> {
        Ok(Arc::new(Self(Registry::from_profile_json(&json)?)))
    }

    /// The profile's name.
    pub fn name(&self) -> String {
        self.0.name().to_owned()
    }

    /// What a host or terminal code means, in `lang` (`zh`, `zh-CN`, `en`).
    pub fn explain(&self, code: String, lang: String) -> Result<Explanation, PoscoreError> {
        Ok(self.0.explain(&code, Lang::parse(&lang)?).into())
    }

    /// What happened and what to do: `request` is `financial`, `reversal`, `sign_on`, ...;
    /// `event` is a host code (`51`, `code:51`) or a local failure key (`comm.receive_timeout.after_send`).
    pub fn diagnose(&self, request: String, event: String, lang: String) -> Result<DiagnosisReport, PoscoreError> {
        let ctx = Context::from_key(Request::parse(&request)?, &event)?;
        let r = self.0.diagnose(&ctx).report(&self.0, Lang::parse(&lang)?);
        Ok(DiagnosisReport {
            explanation: r.explanation.into(),
            action: r.action.into(),
            reversal_reason: r.reversal_reason,
            profile: r.profile,
        })
    }
}

/// Normalise a language tag (`zh-CN` → `zh`).
#[uniffi::export]
pub fn response_parse_lang(tag: String) -> Result<String, PoscoreError> {
    Ok(Lang::parse(&tag)?.as_str().to_owned())
}

/// Check an event key and return it in canonical form.
#[uniffi::export]
pub fn response_parse_event(key: String) -> Result<String, PoscoreError> {
    Ok(response::Event::parse(&key)?.key())
}
