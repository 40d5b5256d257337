//! `test-pki --out DIR`: writes the test PKI (see `pki/mod.rs`) for the TLS tests of the other
//! surfaces (Node, the browser, Kotlin), which cannot mint certificates themselves.

mod pki;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = match args.as_slice() {
        [flag, dir] if flag == "--out" => std::path::PathBuf::from(dir),
        _ => {
            eprintln!("usage: test-pki --out DIR");
            std::process::exit(2);
        }
    };
    if let Err(e) = pki::write(&dir) {
        eprintln!("test-pki: {e}");
        std::process::exit(1);
    }
    println!("{}", dir.display());
}
