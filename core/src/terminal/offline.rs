//! Offline acceptance with store-and-forward (脱机交易): selling while the host cannot be reached,
//! within limits the merchant sets, and forwarding each stored payment to the host exactly once.
//!
//! # What goes on the line
//!
//! A stored payment is forwarded as an advice, as UnionPay terminals in the field send their
//! offline transactions (dsand20142014/openpos, commit 6280780,
//! `lib258/trunk/demoApp/qt/unionpay/emv/appsrc/trans.c`: 60.1 = `36` for an IC card's offline
//! purchase `TRANS_OFFPURCHASE`, field 55 as the card produced it; `30` for an offline
//! settlement `TRANS_OFFPREAUTHFINISH` (离线结算, a magnetic stripe sale with a voice
//! authorisation code in 38), sent as 0220; neither is ever reversed, `Trans_SendICOfflineTrans`
//! marks one sent once the host answered at all, approval or refusal). The sources disagree on
//! one point: openpos sends the IC offline purchase (36) with MTI 0200, the field notes
//! (`shared/UNIONPAY.md`) say 0220 for both. poscore sends 0220 for both: an advice the host
//! must accept and answer idempotently, repeated as 0221, which is what "exactly once" needs.
//!
//! # The rules
//!
//! - **Accepting** ([`super::Request::OfflineSale`]) checks the merchant's [`OfflineLimits`]
//!   before anything is written: enabled, entry mode, amount, stored count and total, the age
//!   of the oldest stored payment, offline PIN. "The host is unreachable" must be true: a
//!   connection failed since the last answer from the host (a request sent and unanswered is a
//!   reversal, never an offline sale). A chip card must have approved offline (TC). A refusal
//!   says which limit with its own diagnosis (T952–T960).
//! - **Stored** before the approval is reported: one journal write of the advice's fields
//!   (status `stored`), the receipt marked 脱机 OFFLINE.
//! - **Forwarded** before the next online transaction and before settlement, in STAN order (only
//!   the oldest owed one is sent), each at most once as 0220: the record becomes `in_flight`
//!   durably before its first bytes leave, so any resend (lost answer, restart) is a 0221 the
//!   host answers idempotently. A connection that cannot be opened sends nothing and costs no
//!   attempt: the advice waits `retry_ms`, and a request waiting behind it fails as "host
//!   unreachable" (which is what lets the app sell offline). The app can force forwarding with
//!   [`super::Terminal::flush_pending`].
//! - **Answered**: approved becomes an approved sale of the batch ([`Event::OfflineForwarded`]);
//!   declined is final and a merchant loss ([`Event::OfflineDeclined`], a staff alert); "not
//!   now" answers are repeated with backoff like any advice.
//! - **Too old**: a stored payment older than `max_age_ms` raises
//!   [`Event::OfflineStoredTooLong`] once, and offline acceptance stops until it is forwarded.

use crate::receipt::EntryMode;
use crate::response::{self, OfflineEvent};
use crate::tlv::{self, Tag};

use super::error::{Result, TerminalError};
use super::journal::{TxnRecord, TxnStatus};
use super::types::{AlertKind, CardInput, Event, OfflineLimits, OfflineReason, Request, TxnKind};
use super::{Flight, InFlight, Terminal};

/// 60.1 of an IC card's offline purchase advice (脱机消费).
pub(super) const TYPE_IC_OFFLINE: &str = "36";
/// 60.1 of an offline settlement advice (离线结算): a card without a chip cryptogram.
pub(super) const TYPE_OFFLINE_SETTLE: &str = "30";

/// How a card was presented, for the entry-mode limit.
fn entry_mode(card: &CardInput) -> EntryMode {
    match card {
        CardInput::Chip { .. } => EntryMode::Chip,
        CardInput::Contactless { .. } => EntryMode::Contactless,
        CardInput::Magstripe { .. } => EntryMode::Swipe,
        CardInput::QrCode { .. } => EntryMode::Qr,
    }
}

/// True when field 55 (hex) carries a TC: cryptogram information data 9F27 with bits 8-7 = 01.
fn carries_tc(icc_hex: &str) -> bool {
    let Ok(bytes) = crate::keys::hex_decode(icc_hex) else { return false };
    let Ok(items) = tlv::decode(&bytes) else { return false };
    tlv::find(&items, Tag(0x9F27))
        .and_then(tlv::Tlv::bytes)
        .is_some_and(|cid| cid.first().is_some_and(|b| b & 0xC0 == 0x40))
}

/// The application cryptogram (9F26) in field 55 (hex), upper-case hex.
fn cryptogram(icc_hex: &str) -> Option<String> {
    let bytes = crate::keys::hex_decode(icc_hex).ok()?;
    let items = tlv::decode(&bytes).ok()?;
    tlv::find(&items, Tag(0x9F26)).and_then(tlv::Tlv::bytes).map(crate::keys::hex_encode)
}

/// What is stored offline now: count, total and the oldest `stored_at`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Stored {
    pub count: u32,
    pub amount: u64,
    pub oldest: Option<u64>,
}

/// The merchant's limits against one more payment: the first one broken, if any. `stored` is
/// what is owed already; `amount`, `entry` and `offline_pin` describe the new one. A pure
/// function so the property tests can drive it directly.
pub(super) fn limit_broken(
    limits: &OfflineLimits,
    stored: Stored,
    amount: u64,
    entry: EntryMode,
    offline_pin: bool,
    now: u64,
) -> Option<OfflineEvent> {
    if !limits.enabled {
        return Some(OfflineEvent::Disabled);
    }
    // A payment code is authorised by the wallet, online only.
    if entry == EntryMode::Qr || !limits.entry_modes.contains(&entry) {
        return Some(OfflineEvent::EntryMode);
    }
    if limits.require_offline_pin && !offline_pin {
        return Some(OfflineEvent::PinRequired);
    }
    if amount > limits.max_amount {
        return Some(OfflineEvent::AmountLimit);
    }
    if stored.oldest.is_some_and(|t| now.saturating_sub(t) > limits.max_age_ms) {
        return Some(OfflineEvent::TooOld);
    }
    if stored.count.saturating_add(1) > limits.max_count {
        return Some(OfflineEvent::CountLimit);
    }
    if stored.amount.saturating_add(amount) > limits.max_total {
        return Some(OfflineEvent::TotalLimit);
    }
    None
}

impl Terminal {
    /// Offline payments still owed to the host (stored, being forwarded, or exhausted), in STAN
    /// order: what the merchant is at risk for.
    pub fn offline_owed(&self) -> Vec<&TxnRecord> {
        self.records.values().filter(|r| r.kind == TxnKind::OfflineSale && r.is_owed()).collect()
    }

    pub(super) fn offline_stored(&self) -> Stored {
        self.offline_owed().iter().fold(Stored::default(), |s, r| Stored {
            count: s.count + 1,
            amount: s.amount.saturating_add(r.amount),
            oldest: match (s.oldest, r.stored_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        })
    }

    /// The journal key of the oldest offline advice still to be delivered: the only one that may
    /// be sent (forwarding is in order). Found once per scheduling pass.
    pub(super) fn offline_next(&self) -> Option<&str> {
        self.records.iter().find(|(_, r)| r.kind == TxnKind::OfflineSale && r.needs_delivery()).map(|(k, _)| k.as_str())
    }

    /// Whether the owed record under `key` may be sent now, `next` being [`Self::offline_next`]:
    /// an offline advice only in its turn, anything else always.
    pub(super) fn offline_turn(&self, key: &str, next: Option<&str>) -> bool {
        self.records.get(key).is_none_or(|r| r.kind != TxnKind::OfflineSale) || next == Some(key)
    }

    /// Accepts request `id`, an [`Request::OfflineSale`], or refuses it (nothing written).
    pub(super) fn accept_offline(&mut self, id: u64, request: &Request, now: u64) -> Result<()> {
        let Request::OfflineSale { amount, card, reason, offline_pin, .. } = request else {
            unreachable!("only offline sales come here")
        };
        if let Some(s) = &self.settlement {
            // The batch is being closed: nothing may be booked into it, not even offline.
            return Err(TerminalError::SettlementUnresolved { batch: s.batch.clone() });
        }
        if self.offline_seen(card, request) {
            // The same offline approval handed in twice (a double tap, an app retrying): a card
            // makes a new cryptogram for every transaction, so the same one is the same payment.
            return Err(TerminalError::Duplicate { kind: TxnKind::OfflineSale.as_str() });
        }
        let refuse = |what| Err(TerminalError::OfflineRefused { what });
        if let Some(what) =
            limit_broken(&self.cfg.offline, self.offline_stored(), *amount, entry_mode(card), *offline_pin, now)
        {
            return refuse(what);
        }
        if *reason == OfflineReason::HostUnreachable && self.host_unreachable.is_none() {
            return refuse(OfflineEvent::HostReachable);
        }
        let chip = matches!(card, CardInput::Chip { .. } | CardInput::Contactless { .. });
        match card {
            CardInput::Chip { icc_data, .. } | CardInput::Contactless { icc_data, .. } if !carries_tc(icc_data) => {
                return refuse(OfflineEvent::CardDeclined);
            }
            // Only a chip card approves by itself; any other card needs the host gone.
            _ if !chip && *reason == OfflineReason::CardApproved => return refuse(OfflineEvent::CardDeclined),
            _ => {}
        }
        let stan = self.next_stan()?;
        let built = self.build(request, &stan)?;
        let key = super::journal::txn_key(&self.state.batch, &stan);
        let inf = InFlight {
            request: Some(id),
            flight: Flight::Request(TxnKind::OfflineSale),
            mti: built.message.mti(),
            stan: stan.clone(),
            amount: None,
            key: Some(key.clone()),
            deadline: now,
            card: built.card.clone(),
            fingerprint: None,
        };
        let mut receipt = self.receipt(TxnKind::OfflineSale, &inf, &built.message, *amount, now);
        receipt.response_text = Some("脱机批准 APPROVED OFFLINE · 待上送 TO BE SENT".into());
        let mut rec = self.journal_record(TxnKind::OfflineSale, &stan, id, &built, now)?;
        rec.status = TxnStatus::Stored;
        rec.stored_at = Some(now);
        rec.receipt = Some(receipt.clone());
        self.write_record(&key, rec)?;
        let at = if self.host_unreachable.is_some() { now + self.cfg.offline.retry_ms } else { now };
        self.due.insert(key, at);
        let stored = self.offline_stored();
        let diagnosis =
            self.diagnose(response::Request::Advice, response::Event::Offline { what: OfflineEvent::Accepted });
        self.events.push_back(Event::StoredOffline {
            request: id,
            stan,
            amount: *amount,
            reason: *reason,
            stored_count: stored.count,
            stored_amount: stored.amount,
            receipt: Box::new(receipt),
            diagnosis: Box::new(diagnosis),
        });
        Ok(())
    }

    /// Whether this offline approval is already in the journal: a chip card's cryptogram (9F26)
    /// on the same card, or a voice authorisation code on the same card.
    fn offline_seen(&self, card: &CardInput, request: &Request) -> bool {
        let Request::OfflineSale { auth_code, .. } = request else { return false };
        let account = card.account();
        let ac = match card {
            CardInput::Chip { icc_data, .. } | CardInput::Contactless { icc_data, .. } => cryptogram(icc_data),
            _ => None,
        };
        self.records.values().filter(|r| r.kind == TxnKind::OfflineSale && r.status != TxnStatus::Declined).any(|r| {
            let f = &r.template.fields;
            if f.get(&2).map(String::as_str) != Some(account) {
                return false;
            }
            match (&ac, auth_code) {
                (Some(ac), _) => f.get(&55).and_then(|icc| cryptogram(icc)).as_ref() == Some(ac),
                (None, Some(code)) => f.get(&38) == Some(code),
                (None, None) => false,
            }
        })
    }

    /// The first send of a stored advice: the record is marked `in_flight` durably before its
    /// bytes exist outside the engine, so that any later send is a repeat (0221).
    pub(super) fn mark_forwarding(&mut self, key: &str) -> Result<()> {
        let mut r = self.records[key].clone();
        if r.status == TxnStatus::Stored {
            r.status = TxnStatus::InFlight;
            self.write_record(key, r)?;
        }
        Ok(())
    }

    /// A forward could not connect: nothing left, so the advice goes back to `stored` (its first
    /// real send stays a 0220), costs no attempt and waits `retry_ms`; a request waiting behind
    /// it fails as "host unreachable".
    pub(super) fn forward_not_connected(&mut self, key: &str, event: response::Event, now: u64, was_stored: bool) {
        self.host_unreachable.get_or_insert(now);
        if was_stored {
            let mut r = self.records[key].clone();
            r.status = TxnStatus::Stored;
            if self.write_record(key, r).is_err() {
                return;
            }
        }
        self.due.insert(key.to_owned(), now + self.cfg.offline.retry_ms);
        let waiting = self.queue.front().is_some_and(|(_, r)| !super::kinds::facts(r.kind()).passes_pending);
        if waiting {
            if let Some((id, r)) = self.queue.pop_front() {
                self.fail_unsent(id, r.kind(), event);
            }
        }
    }

    /// The host answered a forwarded offline payment with `code` (already diagnosed as final:
    /// approved or declined).
    pub(super) fn offline_answered(
        &mut self,
        key: &str,
        msg: &crate::iso8583::Message,
        code: &str,
        diag: response::Diagnosis,
    ) {
        let mut r = self.records[key].clone();
        r.response_code = Some(code.to_owned());
        r.reason = None;
        let (stan, amount) = (r.stan.clone(), r.amount);
        let approved = diag.action == response::NextAction::Complete;
        let alert = (!approved).then(|| (r.stan.clone(), r.batch.clone(), diag.clone()));
        let event = if approved {
            r.status = TxnStatus::Approved;
            r.rrn = msg.get_str(37).map(str::to_owned);
            if let Some(a) = msg.get_str(38).filter(|a| !a.trim().is_empty()) {
                r.auth_code = Some(a.to_owned());
            }
            r.card_org = msg.subfield(&self.spec, 63, 1).map(|o| o.trim().to_owned()).filter(|o| !o.is_empty());
            if let Some(rc) = r.receipt.as_mut() {
                rc.reference_no.clone_from(&r.rrn);
                rc.response_text = Some("脱机批准 APPROVED OFFLINE · 已上送 SENT".into());
            }
            Event::OfflineForwarded { stan, amount, rrn: r.rrn.clone(), code: code.to_owned() }
        } else {
            r.status = TxnStatus::Declined;
            Event::OfflineDeclined { stan, amount, code: code.to_owned(), diagnosis: Box::new(diag) }
        };
        if self.write_record(key, r).is_ok() {
            self.events.push_back(event);
            if let Some((stan, batch, d)) = alert {
                self.alert(AlertKind::OfflineDeclined, Some(stan), Some(batch), Some(amount), d);
            }
        }
    }

    /// When the next stored payment gets too old (not yet reported), for `poll_timeout`.
    pub(super) fn offline_age_deadline(&self) -> Option<u64> {
        let max = self.cfg.offline.max_age_ms;
        self.offline_owed()
            .iter()
            .filter(|r| !self.offline_alerted.contains(&r.stan))
            .filter_map(|r| r.stored_at)
            .map(|t| t.saturating_add(max).saturating_add(1))
            .min()
    }

    /// Reports each stored payment older than the limit, once.
    pub(super) fn check_offline_age(&mut self, now: u64) {
        let max = self.cfg.offline.max_age_ms;
        let old: Vec<(String, u64)> = self
            .offline_owed()
            .iter()
            .filter(|r| !self.offline_alerted.contains(&r.stan))
            .filter_map(|r| r.stored_at.map(|t| (r.stan.clone(), now.saturating_sub(t))))
            .filter(|(_, age)| *age > max)
            .collect();
        for (stan, age_ms) in old {
            let d = self.diagnose(response::Request::Advice, response::Event::Offline { what: OfflineEvent::TooOld });
            self.offline_alerted.insert(stan.clone());
            self.events.push_back(Event::OfflineStoredTooLong {
                stan: stan.clone(),
                age_ms,
                diagnosis: Box::new(d.clone()),
            });
            self.alert(AlertKind::OfflineStoredTooLong, Some(stan), None, None, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tc_is_bits_01_of_9f27() {
        assert!(carries_tc("9F270140"));
        assert!(carries_tc("9F270141"));
        assert!(!carries_tc("9F270180"), "an ARQC");
        assert!(!carries_tc("9F270100"), "an AAC");
        assert!(!carries_tc("9F2601"), "unparseable");
        assert!(!carries_tc(""), "no cryptogram");
    }

    #[test]
    fn defaults_are_off_and_chip_only() {
        let l = OfflineLimits::default();
        let s = Stored::default();
        assert_eq!(limit_broken(&l, s, 100, EntryMode::Chip, false, 0), Some(OfflineEvent::Disabled));
        let l = OfflineLimits { enabled: true, ..l };
        assert_eq!(limit_broken(&l, s, 100, EntryMode::Chip, false, 0), None);
        assert_eq!(limit_broken(&l, s, 100, EntryMode::Swipe, false, 0), Some(OfflineEvent::EntryMode));
        let all = OfflineLimits { entry_modes: vec![EntryMode::Qr], ..l.clone() };
        assert_eq!(limit_broken(&all, s, 100, EntryMode::Qr, false, 0), Some(OfflineEvent::EntryMode));
        assert_eq!(limit_broken(&l, s, l.max_amount + 1, EntryMode::Chip, false, 0), Some(OfflineEvent::AmountLimit));
        let old = Stored { count: 1, amount: 1, oldest: Some(0) };
        assert_eq!(limit_broken(&l, old, 1, EntryMode::Chip, false, l.max_age_ms + 1), Some(OfflineEvent::TooOld));
        assert_eq!(limit_broken(&l, old, 1, EntryMode::Chip, false, l.max_age_ms), None);
    }
}
