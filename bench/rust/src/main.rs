//! iso8583_rs pack (assemble) + unpack (parse) of the 0200 chip sale and 0210 approval of
//! core/benches/iso8583.rs, with the YAML spec given on the command line (iso8583_rs reads its
//! spec from the SPEC_FILE environment variable, once, into a global).
//! A third of the budget warms up, then the median of 10 timed batches.
//! Usage: iso8583-rs-bench SECONDS SPEC.yaml
//! Prints "bench<TAB>implementation<TAB>message<TAB>bytes<TAB>us<TAB>hex" per message.
use std::hint::black_box;
use std::time::{Duration, Instant};

use iso8583_rs::iso8583::iso_spec::{new_msg, spec, IsoMsg};

const ICC: &str = "9F2608A1B2C3D4E5F607189F2701809F101307010103A0A802010A010000000000B0C1D2E39F3704DEADBEEF9F360200FF950500000000009A032611239C01009F02060000000010005F2A02015682027C009F1A0201569F03060000000000009F3303E0E1C8";

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1.5);
    let spec_file = args.next().expect("usage: iso8583-rs-bench SECONDS SPEC.yaml");
    std::env::set_var("SPEC_FILE", spec_file);
    let sale: Vec<(u32, &str)> = vec![
        (2, "6212345678901232"),
        (3, "000000"),
        (4, "000000001000"),
        (11, "000321"),
        (14, "3012"),
        (22, "051"),
        (23, "001"),
        (25, "00"),
        (26, "12"),
        (35, "6212345678901232=3012201123456789"),
        (41, "10000001"),
        (42, "898310048990001"),
        (49, "156"),
        (52, "1122334455667788"),
        (53, "2600000000000000"),
        (55, ICC),
        (60, "22000001000500"),
        (64, "a1b2c3d4e5f60718"),
    ];
    let approval: Vec<(u32, &str)> = vec![
        (2, "6212345678901232"),
        (3, "000000"),
        (4, "000000001000"),
        (11, "000321"),
        (12, "153045"),
        (13, "1123"),
        (14, "3012"),
        (15, "1124"),
        (25, "00"),
        (32, "48020000"),
        (37, "153045123456"),
        (38, "654321"),
        (39, "00"),
        (41, "10000001"),
        (42, "898310048990001"),
        (44, "0303000003030000000000"),
        (49, "156"),
        (55, "910A1122334455667788990072"),
        (60, "22000001"),
        (64, "0102030405060708"),
    ];
    let s = spec("iso87ascii-like");
    for (name, mti, fields) in [("0200 sale", "0200", &sale), ("0210 approval", "0210", &approval)] {
        let seg = s.get_message_from_header(mti).expect("message segment");
        let mut m: IsoMsg = new_msg(s, seg);
        m.set("message_type", mti).unwrap();
        for (pos, v) in fields {
            m.set_on(*pos, v).unwrap();
        }
        let packed = m.assemble().unwrap();
        let back = s.parse(&mut packed.clone()).unwrap();
        assert_eq!(back.bmp_child_value(2).unwrap(), "6212345678901232");
        assert_eq!(back.bmp_child_value(55).unwrap(), fields.iter().find(|f| f.0 == 55).unwrap().1);
        let once = || {
            let mut b = black_box(&m).assemble().unwrap();
            black_box(s.parse(&mut b).unwrap());
        };
        let warm_end = Instant::now() + Duration::from_secs_f64(seconds / 3.0);
        let mut n = 0u64;
        while Instant::now() < warm_end {
            once();
            n += 1;
        }
        let batch = (n * 2 / 3 / 10).max(1000);
        let mut us = Vec::with_capacity(10);
        for _ in 0..10 {
            let t0 = Instant::now();
            for _ in 0..batch {
                once();
            }
            us.push(t0.elapsed().as_secs_f64() * 1e6 / batch as f64);
        }
        us.sort_by(f64::total_cmp);
        let median = (us[4] + us[5]) / 2.0;
        let hex: String = packed.iter().map(|b| format!("{b:02X}")).collect();
        println!("bench\tiso8583_rs 0.1.10 (Rust)\t{name}\t{}\t{median:.3}\t{hex}", packed.len());
    }
}
