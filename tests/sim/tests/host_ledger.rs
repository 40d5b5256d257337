//! The simulator's ledger rules that the crash tests' batch invariants rest on, checked with
//! requests crafted by hand (no engine involved): a repeated settlement of a settled batch is
//! answered balanced once more without settling twice; a different settlement of a settled batch
//! is a double settlement; a booking or batch upload naming a settled batch is refused with 77
//! and recorded; reversals and balance inquiries are not bookings. And the ledger's JSON form
//! (what `poscore-sim dump` prints) round-trips.

use poscore::iso8583::{Frame, FrameConfig, Message, Mti, Spec, Tpdu};
use poscore::mac::{MacAlgorithm, Padding};
use poscore_sim::{Acquirer, FaultRates, Ledger};

const TID: &str = "12345678";
const PAN: &str = poscore_sim::cards::CHIP_PAN;

struct Host {
    acq: Acquirer,
    spec: &'static Spec,
    stan: u32,
}

impl Host {
    fn new() -> Self {
        Self { acq: Acquirer::new(11), spec: Spec::bundled("cup-pos").unwrap(), stan: 0 }
    }

    /// A request with the next STAN, terminal identity and 60 = type + batch + NMI.
    fn request(&mut self, mti: &str, type_code: &str, batch: &str) -> Message {
        self.stan += 1;
        let mut m = Message::new(Mti::new(mti).unwrap());
        m.set_str(11, &format!("{:06}", self.stan)).unwrap();
        m.set_str(41, TID).unwrap();
        m.set_str(42, "898310048160001").unwrap();
        m.set_str(60, &format!("{type_code}{batch}000")).unwrap();
        m
    }

    /// Frames `m` (MAC'd under the MAK the host issued when `mac`), hands it to the host, and
    /// returns the answer.
    fn send(&mut self, mut m: Message, mac: bool) -> Message {
        if mac {
            let mak = &self.acq.working_keys(TID).expect("signed on").mak;
            let mab = m.mac_block(self.spec).unwrap();
            let tag = poscore::mac::generate(mak, MacAlgorithm::CupEcb, &mab, Padding::Method1).unwrap();
            m.set_bytes(64, tag).unwrap();
        }
        let cfg = FrameConfig::cup();
        let frame = Frame {
            tpdu: Some(Tpdu { id: 0x60, destination: 3, source: 0 }),
            header: vec![0x60, 0x31, 0x00, 0x31, 0x10, 0x01],
            message: m.pack(self.spec).unwrap(),
        };
        let answers = self.acq.handle(&cfg.encode(&frame).unwrap());
        assert_eq!(answers.len(), 1, "one answer");
        Message::unpack(self.spec, &cfg.decode(&answers[0]).unwrap().message).unwrap()
    }

    fn sign_on(&mut self) {
        let m = self.request("0800", "00", "000001");
        assert_eq!(self.send(m, false).get_str(39), Some("00"));
    }

    fn sale(&mut self, batch: &str, amount: u64) -> (Message, String) {
        let mut m = self.request("0200", "22", batch);
        m.set_str(2, PAN).unwrap();
        m.set_str(3, "000000").unwrap();
        m.set_str(4, &format!("{amount:012}")).unwrap();
        m.set_str(22, "052").unwrap();
        m.set_str(25, "00").unwrap();
        let stan = m.get_str(11).unwrap().to_owned();
        (self.send(m, true), stan)
    }

    /// A 0500 of `batch` with `debit` in one sale; the answer's result digit.
    fn settle(&mut self, batch: &str, debit: u64, same_stan: Option<&str>) -> (String, char) {
        let mut m = self.request("0500", "00", batch);
        if let Some(s) = same_stan {
            m.set_str(11, s).unwrap();
        }
        let totals = format!("{debit:012}{:03}{:012}{:03}", u32::from(debit > 0), 0, 0);
        m.set_str(48, &format!("{totals}0{}0", "0".repeat(30))).unwrap();
        let r = self.send(m, false);
        let code = r.get_str(39).unwrap_or_default().to_owned();
        let digit = r.get_str(48).and_then(|f| f.chars().nth(30)).unwrap_or('?');
        (code, digit)
    }
}

#[test]
fn a_repeated_settlement_is_idempotent_and_a_different_one_is_a_double_settlement() {
    let mut h = Host::new();
    h.sign_on();
    let (r, _) = h.sale("000001", 1_000);
    assert_eq!(r.get_str(39), Some("00"));
    let (code, digit) = h.settle("000001", 1_000, None);
    assert_eq!((code.as_str(), digit), ("00", '1'), "balanced");
    let first_stan = format!("{:06}", h.stan);
    assert_eq!(h.acq.ledger.settled, vec![(TID.to_owned(), "000001".to_owned())]);

    // The same settlement again (lost 0510): balanced again, settled once.
    assert_eq!(h.settle("000001", 1_000, None), ("00".to_owned(), '1'));
    // The very same message again (same STAN): a repeat, not a STAN reuse.
    assert_eq!(h.settle("000001", 1_000, Some(&first_stan)), ("00".to_owned(), '1'));
    assert_eq!(h.acq.ledger.settled.len(), 1);
    assert_eq!(h.acq.ledger.settlement_repeats, 2);
    assert!(h.acq.ledger.stan_reuse.is_empty(), "{:?}", h.acq.ledger.stan_reuse);
    assert!(h.acq.ledger.double_settlements.is_empty());

    // Settling the closed batch with other totals: a second settlement of it, refused.
    let (code, _) = h.settle("000001", 2_500, None);
    assert_eq!(code, "77");
    assert_eq!(h.acq.ledger.settled.len(), 1);
    assert_eq!(h.acq.ledger.double_settlements.len(), 1);
    assert_eq!(h.acq.ledger.double_settlements[0].batch, "000001");
    assert_eq!(h.acq.ledger.double_settlements[0].mti, "0500");

    // The host's batch moved on once: a sign-on learns 000002.
    let m = h.request("0800", "00", "000001");
    let r = h.send(m, false);
    assert_eq!(r.subfield(h.spec, 60, 2), Some("000002"));
}

#[test]
fn bookings_and_uploads_into_a_settled_batch_are_refused_with_77_and_recorded() {
    let mut h = Host::new();
    h.sign_on();
    let (_, sale_stan) = h.sale("000001", 1_000);
    assert_eq!(h.settle("000001", 1_000, None), ("00".to_owned(), '1'));
    let bookings = h.acq.ledger.bookings.len();

    // A sale still naming the closed batch: 77, nothing booked, recorded.
    let (r, _) = h.sale("000001", 700);
    assert_eq!(r.get_str(39), Some("77"));
    assert_eq!(h.acq.ledger.bookings.len(), bookings);
    assert_eq!(h.acq.ledger.booked_into_closed_batch.len(), 1);

    // A refund advice (0220) into it: the same.
    let mut m = h.request("0220", "25", "000001");
    m.set_str(2, PAN).unwrap();
    m.set_str(3, "200000").unwrap();
    m.set_str(4, "000000000100").unwrap();
    m.set_str(25, "00").unwrap();
    m.set_str(37, "000000000001").unwrap();
    assert_eq!(h.send(m, true).get_str(39), Some("77"));

    // A batch upload record (0320, 60.3 = 201: the unbalanced path, which comes before the
    // host settles) of it: refused and recorded too.
    let mut m = h.request("0320", "00", "000001");
    m.set_str(60, "00000001201").unwrap();
    m.set_str(48, &format!("0100000123{PAN:0>20}000000001000")).unwrap();
    assert_eq!(h.send(m, false).get_str(39), Some("77"));
    // A chip upload after a balanced settlement (203) and the end of the upload (207) name the
    // settled batch by design: answered 00, no violation.
    for code in ["203", "207"] {
        let mut m = h.request("0320", "00", "000001");
        m.set_str(60, &format!("00000001{code}")).unwrap();
        m.set_str(48, "0000").unwrap();
        assert_eq!(h.send(m, false).get_str(39), Some("00"), "{code}");
    }
    let v = &h.acq.ledger.booked_into_closed_batch;
    assert_eq!(v.iter().map(|v| v.mti.as_str()).collect::<Vec<_>>(), ["0200", "0220", "0320"]);
    assert!(v.iter().all(|v| v.tid == TID && v.batch == "000001"));

    // A balance inquiry books nothing: answered as always.
    let mut m = h.request("0200", "01", "000001");
    m.set_str(2, PAN).unwrap();
    m.set_str(3, "310000").unwrap();
    m.set_str(22, "052").unwrap();
    m.set_str(25, "00").unwrap();
    assert_eq!(h.send(m, true).get_str(39), Some("00"));
    assert_eq!(h.acq.ledger.booked_into_closed_batch.len(), 3);

    // Reversing a booking of the settled batch is fine (as today).
    let mut m = Message::new(Mti::new("0400").unwrap());
    m.set_str(2, PAN).unwrap();
    m.set_str(3, "000000").unwrap();
    m.set_str(4, "000000001000").unwrap();
    m.set_str(11, &sale_stan).unwrap();
    m.set_str(22, "052").unwrap();
    m.set_str(25, "00").unwrap();
    m.set_str(39, "98").unwrap();
    m.set_str(41, TID).unwrap();
    m.set_str(42, "898310048160001").unwrap();
    m.set_str(60, "22000001000").unwrap();
    assert_eq!(h.send(m, true).get_str(39), Some("00"));
    assert_eq!(h.acq.ledger.reversals_applied, 1);
    assert_eq!(h.acq.ledger.booked_into_closed_batch.len(), 3);

    // The open batch books as usual.
    let (r, _) = h.sale("000002", 700);
    assert_eq!(r.get_str(39), Some("00"));
    assert_eq!(h.acq.ledger.net_for_terminal(TID), 700);
    assert_eq!(h.acq.ledger.net_by_batch(TID).get("000002"), Some(&700));
    assert!(h.acq.ledger.stan_reuse.is_empty());
}

#[test]
fn the_ledger_round_trips_through_json() {
    let mut h = Host::new();
    h.sign_on();
    h.sale("000001", 1_000);
    h.settle("000001", 1_000, None);
    h.sale("000001", 5);
    let json = serde_json::to_string(&h.acq.ledger).expect("the ledger serializes");
    assert!(json.contains(&format!("\"{TID}/000001/000002\"")), "bookings keyed tid/batch/stan: {json}");
    let back: Ledger = serde_json::from_str(&json).unwrap();
    assert_eq!(back, h.acq.ledger);
    let file = std::env::temp_dir().join(format!("poscore-ledger-{}.json", std::process::id()));
    poscore_sim::write_json_atomically(&file, &h.acq.ledger).unwrap();
    let read: Ledger = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let _ = std::fs::remove_file(&file);
    assert_eq!(read, h.acq.ledger);
}

#[test]
fn fault_rates_parse_from_the_command_line_spelling() {
    let r = FaultRates::parse("drop_response=0.05, late=0.03,refuse=1").unwrap();
    assert_eq!(r, FaultRates { drop_response: 0.05, late: 0.03, refuse: 1.0, ..FaultRates::default() });
    assert_eq!(FaultRates::parse("").unwrap(), FaultRates::default());
    assert!(FaultRates::parse("dropresponse=0.1").unwrap_err().contains("unknown rate"));
    assert!(FaultRates::parse("late=2").is_err());
    assert!(FaultRates::parse("late").is_err());
}
