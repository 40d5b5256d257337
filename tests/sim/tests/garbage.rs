//! Hostile bytes from the line never panic the engine and are never taken as an approval.

use poscore::store::MemoryStore;
use poscore::terminal::Request;
use poscore_sim::cards::{chip, pin};
use poscore_sim::pair::{test_config, Pair};
use proptest::prelude::*;

fn in_flight_sale() -> (Pair, Vec<u8>) {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 5, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    // Start a sale and take its bytes straight from the engine: the test delivers the answer.
    p.terminal.start(Request::Sale { amount: 1234, card: chip(), pin: pin() }, p.now).unwrap();
    let tx = p.terminal.poll_transmit().unwrap();
    // A well-formed answer from the host that issued the keys (MAC valid); the host books it.
    let answer = p.acquirer.handle(&tx.bytes).into_iter().next().unwrap();
    (p, answer)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (mut p, _) = in_flight_sale();
        p.terminal.handle_received(&bytes, p.now);
        p.drain();
        prop_assert!(p.events_of("approved").is_empty());
    }

    #[test]
    fn mutated_answers_are_approved_only_when_intact(pos in 0usize..400, bit in 0u8..8) {
        let (mut p, answer) = in_flight_sale();
        let mut m = answer.clone();
        let at = pos % m.len();
        m[at] ^= 1 << bit;
        p.terminal.handle_received(&m, p.now);
        p.quiesce();
        // Either the flip hit bytes that do not matter (TPDU/header) and the sale is approved,
        // or it is not approved and its reversal settles the host: the books agree either way.
        prop_assert_eq!(p.host_net(), p.terminal_net());
        prop_assert!(p.terminal.pending().is_empty());
    }
}
