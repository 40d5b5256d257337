//! Receiving: unpacking a frame, pairing it with what is in flight (MTI, STAN, terminal id,
//! amount), verifying its MAC, and handing a usable answer to the flow it belongs to.

use crate::iso8583::{Frame, MessageRef, Mti};
use crate::mac::Padding;
use crate::response::{self, ResponseProblem};

use super::kinds::facts;
use super::types::{Event, TxnKind};
use super::{Flight, Terminal};

/// Length of field 64 in UnionPay POS messages: the full 8-byte MAC, never a truncation the
/// sender chose.
const MAC_LEN: usize = 8;

/// UnionPay response code 10: partially approved (部分承兑). The answer's field 4 is the approved
/// amount and field 54 may carry the balance (field notes, `shared/UNIONPAY.md`).
pub(super) const PARTIAL_APPROVAL: &str = "10";

/// The approved amount of a partial approval of `flight` (asked `asked`, answered `answered`,
/// both field 4 text): only sales and pre-authorisations may be partly approved, and only for
/// less than was asked and more than nothing.
pub(super) fn partial_amount(flight: Flight, asked: &str, answered: &str) -> Option<u64> {
    let partial_kind = matches!(flight, Flight::Request(TxnKind::Sale | TxnKind::PreAuth));
    let (asked, answered): (u64, u64) = (asked.parse().ok()?, answered.parse().ok()?);
    (partial_kind && answered > 0 && answered < asked).then_some(answered)
}

fn response_mti(sent: Mti) -> [u8; 3] {
    let s = sent.as_str().as_bytes();
    [s[0], s[1], s[2] | 1]
}

impl Terminal {
    pub(super) fn on_frame(&mut self, frame: &Frame, now: u64) {
        let parsed = MessageRef::unpack(&self.spec, &frame.message);
        if parsed.is_ok() {
            // The host answered: it is reachable again.
            self.host_unreachable = None;
            self.on_reply_header(&frame.header);
        }
        let msg = match parsed {
            Ok(ref r) => r.to_message(),
            Err(e) => {
                self.events.push_back(Event::Garbage { reason: format!("{}: {e}", e.code()) });
                if self.inflight.is_some() {
                    self.fail_inflight(response::Event::Response { problem: ResponseProblem::Malformed }, now);
                }
                return;
            }
        };
        let code = msg.get_str(39).map(str::to_owned);
        let stan = msg.get_str(11).unwrap_or_default().to_owned();
        let late = |t: &mut Self| {
            t.events.push_back(Event::LateResponse {
                mti: msg.mti().to_string(),
                stan: stan.clone(),
                code: code.clone(),
            });
        };
        let Some(inf) = &self.inflight else {
            late(self);
            return;
        };
        let mti_ok = msg.mti().as_str().as_bytes()[..3] == response_mti(inf.mti);
        if stan != inf.stan {
            // A response to something sent earlier (timed out, duplicated) is late, not a mismatch.
            if self.sent_stans.contains(&stan) || self.records.keys().any(|k| k.ends_with(&format!("/{stan}"))) {
                late(self);
                return;
            }
            self.fail_inflight(response::Event::Response { problem: ResponseProblem::Mismatch }, now);
            return;
        }
        if !mti_ok {
            // Same STAN, other message type: the late answer to the original while its reversal
            // (which reuses the STAN) is in flight, or a stray. Logged; the awaited answer may
            // still come, and if it does not, the timeout decides.
            late(self);
            return;
        }
        // An approval by the registry (00, 10, the "approved with a defect" A-codes...) must carry
        // a valid MAC and the amount asked (or less, for a partial approval).
        let approved = code.as_deref().is_some_and(|c| {
            let event = response::Event::HostResponse { code: c.to_owned() };
            self.diagnose(response::Request::Financial, event).entry.outcome == response::Outcome::Approved
        });
        let tid_ok = msg.get_str(41) == Some(self.cfg.terminal_id.as_str());
        let amount_ok = match (&inf.amount, msg.get_str(4)) {
            (Some(a), Some(b)) if a == b => true,
            // Code 10, partial approval: the answer's field 4 is the approved amount, smaller
            // than asked and not zero; only for a kind that may be partly approved.
            (Some(a), Some(b)) => {
                code.as_deref() == Some(PARTIAL_APPROVAL) && partial_amount(inf.flight, a, b).is_some()
            }
            (Some(_), None) => !approved,
            _ => true,
        };
        if !tid_ok || !amount_ok || code.is_none() {
            self.fail_inflight(response::Event::Response { problem: ResponseProblem::Mismatch }, now);
            return;
        }
        // MAC: verified whenever present; required on approvals of MACed requests.
        let maced = match inf.flight {
            Flight::Reversal | Flight::Repeat => true,
            Flight::Request(k) => facts(k).mac,
            Flight::Settlement | Flight::Upload | Flight::UploadEnd => false,
        };
        if maced {
            let ok = match (msg.get_bytes(64), &self.keys, &parsed) {
                (Some(mac), Some(keys), Ok(r)) => r.mac_block(&self.spec).ok().is_some_and(|mab| {
                    crate::mac::verify(&keys.mak, self.mac_alg, mab, Padding::Method1, mac, MAC_LEN).is_ok()
                }),
                (None, _, _) => !approved,
                _ => false,
            };
            if !ok {
                self.fail_inflight(response::Event::Response { problem: ResponseProblem::MacFailed }, now);
                return;
            }
        }
        let Some(inf) = self.inflight.take() else { return };
        let Some(code) = code else { return };
        self.conclude(&inf, code.clone(), now);
        match inf.flight {
            Flight::Request(kind) => self.on_response(inf, kind, &msg, &code, now),
            Flight::Reversal | Flight::Repeat => self.on_pending_response(&inf, &msg, &code, now),
            Flight::Settlement | Flight::Upload | Flight::UploadEnd => {
                self.on_settlement_response(&inf, &msg, &code, now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_less_than_asked_and_more_than_nothing_of_a_sale_or_pre_auth_is_partial() {
        let sale = Flight::Request(TxnKind::Sale);
        assert_eq!(partial_amount(sale, "000000001000", "000000000600"), Some(600));
        assert_eq!(partial_amount(Flight::Request(TxnKind::PreAuth), "000000001000", "000000000999"), Some(999));
        assert_eq!(partial_amount(sale, "000000001000", "000000001000"), None, "not less");
        assert_eq!(partial_amount(sale, "000000001000", "000000001001"), None, "more than asked");
        assert_eq!(partial_amount(sale, "000000001000", "000000000000"), None, "nothing");
        assert_eq!(partial_amount(sale, "000000001000", "00000000O600"), None, "not a number");
        assert_eq!(partial_amount(Flight::Request(TxnKind::Void), "000000001000", "000000000600"), None);
        assert_eq!(partial_amount(Flight::Reversal, "000000001000", "000000000600"), None);
    }
}
