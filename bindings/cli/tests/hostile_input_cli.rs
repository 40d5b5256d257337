//! Hostile input at the command line: endless or huge files and stdin, absurd numbers. Each one
//! is a clear error on stderr with exit status 1, promptly: never a hang, a panic (exit 101) or
//! an out-of-memory abort.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `poscore args` with `stdin` bytes (or /dev/zero when `endless_stdin`), failing the test
/// if it has not finished within 30 s.
fn run(args: &[&str], stdin: Stdin) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_poscore"));
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    match &stdin {
        Stdin::Null => cmd.stdin(Stdio::null()),
        Stdin::Bytes(_) => cmd.stdin(Stdio::piped()),
        Stdin::DevZero => cmd.stdin(std::fs::File::open("/dev/zero").expect("/dev/zero")),
    };
    let mut child = cmd.spawn().expect("run poscore");
    if let Stdin::Bytes(b) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // The child may stop reading at its cap and exit: a broken pipe here is expected.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&b);
        });
    }
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("poscore {args:?} did not finish within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

enum Stdin {
    Null,
    Bytes(Vec<u8>),
    DevZero,
}

/// Exit 1 (not 101, a panic, nor a signal) and `error[code]` on stderr mentioning `detail`.
fn assert_error(out: &std::process::Output, code: &str, detail: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(err.starts_with(&format!("error[{code}]")), "{err}");
    assert!(err.contains(detail), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

const TOO_LARGE: &str = "larger than 1 MiB (1048576 bytes)";

#[cfg(unix)]
#[test]
fn dev_zero_files_are_refused_at_the_cap() {
    let out = run(&["receipt", "--from-json", "/dev/zero"], Stdin::Null);
    assert_error(&out, "receipt.bad_json", TOO_LARGE);
    let out = run(&["iso8583", "decode", "--spec", "/dev/zero", "0200"], Stdin::Null);
    assert_error(&out, "iso8583.bad_spec", TOO_LARGE);
    // A profile is read as a file when its name ends in .json.
    let dir = std::env::temp_dir().join(format!("poscore-cli-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("zero.json");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let out = run(&["explain", "00", "--profile", link.to_str().unwrap()], Stdin::Null);
    assert_error(&out, "response.unknown_profile", TOO_LARGE);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn dev_zero_stdin_is_refused_at_the_cap() {
    let out = run(&["iso8583", "encode", "--spec", "cup-pos"], Stdin::DevZero);
    assert_error(&out, "iso8583.bad_json", TOO_LARGE);
    // The line-per-request modes: a line that never ends.
    let out = run(&["iso8583", "batch", "--spec", "cup-pos"], Stdin::DevZero);
    assert_error(&out, "iso8583.bad_json", TOO_LARGE);
    let out = run(&["batch"], Stdin::DevZero);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["usage_error"].as_str().unwrap().contains(TOO_LARGE), "{v}");
}

#[test]
fn oversized_stdin_is_refused_and_a_small_one_still_works() {
    let big = vec![b' '; (1 << 20) + 1];
    let out = run(&["iso8583", "encode", "--spec", "cup-pos"], Stdin::Bytes(big));
    assert_error(&out, "iso8583.bad_json", TOO_LARGE);
    let msg = br#"{"mti": "0800", "fields": {"11": "000001", "41": "12345678", "42": "123456789012345"}}"#.to_vec();
    let out = run(&["iso8583", "encode", "--spec", "cup-pos"], Stdin::Bytes(msg));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn tr31_masked_key_len_beyond_a_key_block_is_an_error() {
    for n in ["18446744073709551615", "100000000000", "4974"] {
        let out = run(
            &[
                "tr31",
                "wrap",
                "--kbpk",
                "0123456789ABCDEFFEDCBA9876543210",
                "--key",
                "0123456789ABCDEFFEDCBA9876543210",
                "--header",
                "B0000P0TE00N0000",
                "--masked-key-len",
                n,
            ],
            Stdin::Null,
        );
        assert_error(&out, "tr31.too_large", &format!("masked key length {n} bytes is too large: at most 4973"));
    }
}

#[test]
fn frame_header_len_beyond_a_frame_is_an_error() {
    for n in ["18446744073709551615", "18446744073709551611", "65536"] {
        let out = run(
            &["iso8583", "frame", "decode", "--header-len", n, "--tpdu", "x", "00106000030000020000000000000000"],
            Stdin::Null,
        );
        assert_error(
            &out,
            "iso8583.bad_frame_config",
            &format!("header_len {n} plus 5 TPDU bytes is more than the 8192"),
        );
    }
}
