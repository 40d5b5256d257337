//! Network management as UnionPay terminals in the field run it (dsand20142014/openpos
//! `logon.c`, `trans.c`): echo test, parameter download, status upload, CA public key and AID
//! downloads over several messages, and the tasks a reply header asks for.

use poscore::store::{MemoryStore, Store};
use poscore::terminal::{HostTask, Request};
use poscore_sim::cards::{chip, pin};
use poscore_sim::pair::{test_config, Pair, SharedStore};

fn signed_on_over(store: &SharedStore) -> Pair {
    let mut p = Pair::new(Box::new(store.clone()), 11, test_config()).unwrap();
    p.run(Request::SignOn).unwrap();
    assert!(p.terminal.is_signed_on(), "{:?}", p.events);
    p
}

#[test]
fn the_echo_test_needs_no_sign_on() {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 11, test_config()).unwrap();
    p.run(Request::EchoTest).unwrap();
    assert_eq!(p.events_of("echo_answered").len(), 1, "{:#?}", p.events);
    assert_eq!(p.sent, ["0820"]);
    // Downloads do.
    assert!(p.terminal.start(Request::DownloadCaPublicKeys, p.now).is_err());
}

#[test]
fn parameters_and_status() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    p.run(Request::DownloadParameters).unwrap();
    let d = p.events_of("downloaded");
    assert_eq!(d[0]["kind"], "parameter_download");
    assert!(d[0]["count"].as_u64().unwrap() > 5, "{d:?}");
    let params = p.terminal.host_params().cloned().expect("kept");
    assert_eq!(params, p.acquirer.tms.params);
    p.run(Request::UploadStatus).unwrap();
    assert_eq!(p.events_of("downloaded")[1]["kind"], "status_upload");
    // Kept across a restart.
    let durable = SharedStore::new(store.durable());
    p.restart(Box::new(durable), 11, test_config()).unwrap();
    assert_eq!(p.terminal.host_params(), Some(&params));
}

#[test]
fn ca_public_keys_come_in_several_packets_and_are_verified() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    let published = p.acquirer.tms.capks.clone();
    assert!(published.len() >= 3, "the vectors hold several published keys");
    p.acquirer.tms.per_query = 2;
    p.sent.clear();
    p.run(Request::DownloadCaPublicKeys).unwrap();
    // Query until the list is complete (two entries per reply), one download per key, the end.
    let queries = published.len().div_ceil(2);
    let mut want = vec!["0820"; queries];
    want.extend(vec!["0800"; published.len() + 1]);
    assert_eq!(p.sent, want, "{:#?}", p.events);
    assert_eq!(p.terminal.ca_public_keys(), &published[..]);
    assert_eq!(p.events_of("downloaded")[0]["count"], published.len());
    p.run(Request::DownloadAidParams).unwrap();
    assert_eq!(p.terminal.aid_params(), &p.acquirer.tms.aids[..]);
    // In the journal, checked again when loaded.
    let durable = SharedStore::new(store.durable());
    assert!(durable.get("term/tms/capk").unwrap().is_some());
    p.restart(Box::new(durable), 11, test_config()).unwrap();
    assert_eq!(p.terminal.ca_public_keys(), &published[..]);
}

#[test]
fn a_corrupted_key_is_refused_and_the_previous_set_kept() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    p.run(Request::DownloadCaPublicKeys).unwrap();
    let before = p.terminal.ca_public_keys().to_vec();
    let victim = before[1].index;
    p.acquirer.tms.corrupt_capk = Some(victim);
    p.run(Request::DownloadCaPublicKeys).unwrap();
    let failed = p.events_of("failed");
    assert_eq!(failed.len(), 1, "{:#?}", p.events);
    assert_eq!(failed[0]["diagnosis"]["entry"]["code"], "T901");
    assert!(p.events_of("garbage").last().unwrap()["reason"].as_str().unwrap().contains("checksum"));
    assert_eq!(p.terminal.ca_public_keys(), &before[..], "nothing replaced");
    // The sale that follows is not held back.
    p.run(Request::Sale { amount: 100, card: chip(), pin: pin() }).unwrap();
    assert_eq!(p.events_of("approved").len(), 1);
}

#[test]
fn a_crash_in_the_middle_of_a_download_keeps_the_previous_set() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    p.run(Request::DownloadCaPublicKeys).unwrap();
    let before = p.terminal.ca_public_keys().to_vec();
    // Another download: cut the power after the second key's download has left.
    p.acquirer.tms.capks.pop();
    p.terminal.start(Request::DownloadCaPublicKeys, p.now).unwrap();
    while p.acquirer.tms.downloads < before.len() as u32 + 2 {
        assert!(p.step(true), "the download goes on");
    }
    let durable = SharedStore::new(store.durable());
    p.restart(Box::new(durable), 11, test_config()).unwrap();
    assert_eq!(p.terminal.ca_public_keys(), &before[..], "the previous complete set");
    // Downloading again completes the new set.
    p.run(Request::SignOn).unwrap();
    p.run(Request::DownloadCaPublicKeys).unwrap();
    assert_eq!(p.terminal.ca_public_keys(), &p.acquirer.tms.capks[..]);
}

#[test]
fn the_reply_header_schedules_tasks_before_the_next_transaction() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    // The host asks for the CA public keys (4) in the header of its next reply.
    p.acquirer.ask.insert(test_config().terminal_id, 4);
    p.run(Request::EchoTest).unwrap();
    assert_eq!(p.events_of("host_requested")[0]["task"], "download_ca_public_keys");
    assert_eq!(p.terminal.host_tasks(), [HostTask::DownloadCaPublicKeys]);
    p.sent.clear();
    p.run(Request::Sale { amount: 500, card: chip(), pin: pin() }).unwrap();
    assert_eq!(p.sent.first().map(String::as_str), Some("0820"), "the key query goes first: {:?}", p.sent);
    assert_eq!(p.sent.last().map(String::as_str), Some("0200"));
    assert!(!p.terminal.ca_public_keys().is_empty());
    assert!(p.terminal.host_tasks().is_empty());
    assert_eq!(p.events_of("approved").len(), 1);
    // 3: sign on again, before the next sale.
    p.acquirer.ask.insert(test_config().terminal_id, 3);
    p.run(Request::Sale { amount: 600, card: chip(), pin: pin() }).unwrap();
    p.sent.clear();
    p.run(Request::Sale { amount: 700, card: chip(), pin: pin() }).unwrap();
    assert_eq!(p.sent, ["0800", "0200"]);
    assert_eq!(p.terminal_net(), p.host_net());
}

#[test]
fn a_newer_application_version_is_reported_once() {
    let store = SharedStore::new(MemoryStore::new());
    let mut p = signed_on_over(&store);
    p.acquirer.software_version = Some([0x32, 0x00, 0x00, 0x01]);
    p.run(Request::EchoTest).unwrap();
    p.run(Request::EchoTest).unwrap();
    let u = p.events_of("software_update_available");
    assert_eq!(u.len(), 1, "{:#?}", p.events);
    assert_eq!((u[0]["current"].as_str(), u[0]["offered"].as_str()), (Some("31311001"), Some("32000001")));
}

#[test]
fn an_idle_terminal_sends_a_keep_alive_echo_when_configured() {
    let config = poscore::terminal::Config { echo_interval_ms: 60_000, ..test_config() };
    let mut p = Pair::new(Box::new(MemoryStore::new()), 11, config).unwrap();
    p.run(Request::SignOn).unwrap();
    let at = p.terminal.poll_timeout().expect("the keep-alive is scheduled");
    assert!(at > p.now && at <= p.now + 60_000, "{at} vs {}", p.now);
    p.sent.clear();
    p.now = at;
    p.terminal.handle_timeout(p.now);
    // Not `quiesce`: a keep-alive terminal always has a next timer.
    while p.step(false) {}
    assert_eq!(p.sent, ["0820"]);
    assert!(p.terminal.poll_timeout().is_some_and(|next| next >= at + 60_000), "the next one is an interval later");
    assert_eq!(p.events_of("echo_answered").len(), 1);
    // Off by default: nothing on its own.
    let mut q = Pair::new(Box::new(MemoryStore::new()), 11, test_config()).unwrap();
    q.run(Request::SignOn).unwrap();
    assert_eq!(q.terminal.poll_timeout(), None);
}
