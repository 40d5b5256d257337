//! The per-kind facts of the message set, in one table.
//!
//! A new transaction kind is one row here plus its build code ([`super::build`]) and, where its
//! answer means something special, its outcome code ([`super::outcome`]). Every `match` on
//! [`TxnKind`] in the engine is exhaustive, so the compiler lists each place a new kind touches
//! instead of letting it take a default path silently.
//!
//! Sources for the codes: the UnionPay POS field practice collected in the project's field notes
//! (`shared/UNIONPAY.md`: MTI, processing code 3, condition 25, transaction type 60.1, network
//! management code 60.3) and the open terminal implementations cited there.

use crate::iso8583::Mti;
use crate::receipt::TxnType;
use crate::response;
use crate::tms::Step;

use super::types::TxnKind;

/// What the journal owes the host for a request of this kind once its bytes have left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Obligation {
    /// Nothing: the request moves no money (sign-on, inquiries). An unanswered one is simply
    /// failed.
    None,
    /// A reversal (0400) when the outcome is unknown or unusable: sales, voids, pre-authorisation
    /// and completion.
    Reversal,
    /// A repeat (0221) until the host answers: advices (refund 0220) are never reversed.
    Repeat,
    /// The settlement record (`term/settle`): the 0500 is resent until the host says where the
    /// batch stands, and nothing is booked in the meantime.
    Settlement,
}

/// The facts of one kind.
#[derive(Debug, Clone, Copy)]
pub(super) struct Facts {
    /// Request MTI.
    pub mti: Mti,
    /// Field 3, when the kind carries one.
    pub processing_code: Option<&'static str>,
    /// Field 25, when the kind carries one.
    pub condition: Option<&'static str>,
    /// 60.1, the UnionPay transaction type code.
    pub type_code: &'static str,
    /// 60.3, the network management information code (`None`: the sign-on's key scheme from
    /// the configuration).
    pub nmi: Option<&'static str>,
    /// How the response registry classes the request.
    pub class: response::Request,
    /// What is journaled before the bytes leave.
    pub obligation: Obligation,
    /// May go out while a reversal, advice or settlement is owed (moves no money and changes
    /// no batch: sign-on and balance inquiry).
    pub passes_pending: bool,
    /// Carries field 64 (and its answer's 64 is verified).
    pub mac: bool,
    /// The kind of original a void of this kind cancels.
    pub voids: Option<TxnKind>,
    /// What the receipt calls it.
    pub receipt: Option<TxnType>,
}

/// The table.
#[rustfmt::skip]
pub(super) fn facts(kind: TxnKind) -> Facts {
    use response::Request as Class;
    use Obligation as O;
    let row = |mti, pc, cond, t, nmi, class, obligation, passes_pending, mac, voids, receipt| Facts {
        mti,
        processing_code: pc,
        condition: cond,
        type_code: t,
        nmi,
        class,
        obligation,
        passes_pending,
        mac,
        voids,
        receipt,
    };
    let fin = Mti::FINANCIAL_REQUEST;
    let auth = Mti::AUTHORIZATION_REQUEST;
    let none = None::<&'static str>;
    match kind {
        // MTI, 3, 25, 60.1, 60.3, class, obligation, passes a pending obligation, MAC, voids, receipt
        TxnKind::SignOn => row(Mti::NETWORK_MANAGEMENT_REQUEST, none, none, "00", None, Class::SignOn, O::None, true, false, None, None),
        TxnKind::SignOff => row(Mti::NETWORK_MANAGEMENT_ADVICE, none, none, "00", Some("002"), Class::Management, O::None, false, false, None, None),
        TxnKind::Sale => row(fin, Some("000000"), Some("00"), "22", Some("000"), Class::Financial, O::Reversal, false, true, None, Some(TxnType::Sale)),
        TxnKind::Void => row(fin, Some("200000"), Some("00"), "23", Some("000"), Class::Financial, O::Reversal, false, true, Some(TxnKind::Sale), Some(TxnType::Void)),
        TxnKind::Refund => row(Mti::FINANCIAL_ADVICE, Some("200000"), Some("00"), "25", Some("000"), Class::Advice, O::Repeat, false, true, None, Some(TxnType::Refund)),
        TxnKind::PreAuth => row(auth, Some("030000"), Some("06"), "10", Some("000"), Class::Financial, O::Reversal, false, true, None, Some(TxnType::PreAuth)),
        TxnKind::Completion => row(fin, Some("000000"), Some("06"), "20", Some("000"), Class::Financial, O::Reversal, false, true, None, Some(TxnType::PreAuthCompletion)),
        TxnKind::PreAuthVoid => row(auth, Some("200000"), Some("06"), "11", Some("000"), Class::Financial, O::Reversal, false, true, Some(TxnKind::PreAuth), Some(TxnType::PreAuthVoid)),
        TxnKind::CompletionVoid => row(fin, Some("200000"), Some("06"), "21", Some("000"), Class::Financial, O::Reversal, false, true, Some(TxnKind::Completion), Some(TxnType::PreAuthCompletionVoid)),
        TxnKind::BalanceInquiry => row(fin, Some("310000"), Some("00"), "01", Some("000"), Class::Inquiry, O::None, true, true, None, Some(TxnType::BalanceInquiry)),
        TxnKind::Settle => row(Mti::RECONCILIATION_REQUEST, none, none, "00", Some("201"), Class::Settlement, O::Settlement, false, false, None, None),
        // Network management (openpos `logon.c` `LOGON_Online`; see `crate::tms`): the row is the
        // first message of the conversation.
        TxnKind::EchoTest => row(Mti::NETWORK_MANAGEMENT_ADVICE, none, none, "00", Some("301"), Class::Management, O::None, true, false, None, None),
        TxnKind::ParameterDownload => row(Step::ParamDownload.mti(), none, none, "00", Some(Step::ParamDownload.nmi()), Class::Management, O::None, true, false, None, None),
        TxnKind::StatusUpload => row(Step::StatusUpload.mti(), none, none, "00", Some(Step::StatusUpload.nmi()), Class::Management, O::None, true, false, None, None),
        TxnKind::CapkDownload => row(Step::CapkQuery.mti(), none, none, "00", Some(Step::CapkQuery.nmi()), Class::Management, O::None, true, false, None, None),
        TxnKind::AidDownload => row(Step::AidQuery.mti(), none, none, "00", Some(Step::AidQuery.nmi()), Class::Management, O::None, true, false, None, None),
        // Script result advice: the 0620 is built whole by `chip`, resent as it is.
        // Offline sale (脱机消费): stored, then forwarded as an advice; 60.1 is 30 for a card
        // without a chip cryptogram (see `offline`).
        TxnKind::OfflineSale => row(Mti::FINANCIAL_ADVICE, Some("000000"), Some("00"), super::offline::TYPE_IC_OFFLINE, Some("000"), Class::Advice, O::Repeat, false, true, None, Some(TxnType::Sale)),
        TxnKind::ScriptAdvice => row(Mti::ADMINISTRATIVE_ADVICE, none, none, "00", Some("951"), Class::Advice, O::Repeat, false, true, None, None),
    }
}

/// Whether a request of `kind` needs working keys first. The echo test does not: it is how an
/// installer checks the line before the first sign-on.
pub(super) fn needs_sign_on(kind: TxnKind) -> bool {
    // An offline sale needs the working keys too: its advice carries a MAC.
    !matches!(kind, TxnKind::SignOn | TxnKind::EchoTest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [TxnKind; 18] = [
        TxnKind::SignOn,
        TxnKind::SignOff,
        TxnKind::Sale,
        TxnKind::Void,
        TxnKind::Refund,
        TxnKind::PreAuth,
        TxnKind::Completion,
        TxnKind::PreAuthVoid,
        TxnKind::CompletionVoid,
        TxnKind::BalanceInquiry,
        TxnKind::Settle,
        TxnKind::EchoTest,
        TxnKind::ParameterDownload,
        TxnKind::StatusUpload,
        TxnKind::CapkDownload,
        TxnKind::AidDownload,
        TxnKind::ScriptAdvice,
        TxnKind::OfflineSale,
    ];

    #[test]
    fn journaled_kinds_are_the_financial_ones() {
        for k in ALL {
            let f = facts(k);
            let journaled = matches!(f.obligation, Obligation::Reversal | Obligation::Repeat);
            // The script result advice moves no money but is owed to the host like an advice.
            assert_eq!(journaled, k.is_financial() || k == TxnKind::ScriptAdvice, "{k:?}");
            // Whatever moves money or closes a batch waits for what is owed to the host.
            if f.obligation != Obligation::None {
                assert!(!f.passes_pending, "{k:?}");
            }
            if let Some(v) = f.voids {
                assert_eq!(facts(v).obligation, Obligation::Reversal, "{k:?} voids a reversible kind");
            }
        }
    }
}
