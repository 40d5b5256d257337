# Shared by the scripts in this directory: paths, logging and the wasm toolchain route.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The wasm32 toolchain: route A is rustup's wasm32 target; route B (when rustup's server cannot
# be reached) is Debian's rustc-web with -Zbuild-std, as in ../shared/toolchain.md.
# Both need clang-22 to compile ring's C code for wasm32.
# POSCORE_WASM_ROUTE=A|B forces a route (to check route B on a machine that has both).
wasm_route() {
  if [ -n "${POSCORE_WASM_ROUTE:-}" ]; then
    echo "$POSCORE_WASM_ROUTE"
  elif rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo A
  elif [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ]; then
    echo B
  else
    echo none
  fi
}

# The exact wasm-bindgen version locked in Cargo.lock (the CLI must equal it).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# The wasm-pack version scripts/setup installs (`cargo install wasm-pack`: the npm wrapper
# downloads a binary at install time, which fails offline).
WASM_PACK_VERSION=0.15.1

# wasm_pack build|test [FLAGS...] CRATE_DIR [CARGO_ARGS...]: wasm-pack on this machine's wasm32
# route, offline. It finds npm binaryen's wasm-opt first on PATH (Debian's older binaryen breaks
# wasm-bindgen output) and the wasm-bindgen CLI (and test runner) setup installed at the version in
# Cargo.lock; `--mode no-install` makes a missing tool an error instead of a download. Route B
# runs Debian's cargo with std built from source: `-Zbuild-std` goes after the crate directory
# (wasm-pack passes what follows it to cargo), and `build` needs `--mode force` (its target check
# looks for a prebuilt std in the sysroot; `test` in no-install mode does no such check).
wasm_pack() {
  local cmd="$1"; shift
  local mode=no-install
  # Not --quiet for `test`: wasm-pack would pass it to cargo test, which hands it to
  # wasm-bindgen-test-runner, which refuses it.
  local quiet=(--quiet)
  [ "$cmd" = test ] && quiet=(--log-level warn)
  local env=(PATH="$ROOT/web/node_modules/.bin:$PATH"
    CC_wasm32_unknown_unknown=clang-22 AR_wasm32_unknown_unknown=llvm-ar-22)
  local tail=()
  case "$(wasm_route)" in
    A) ;;
    B) [ "$cmd" = build ] && mode=force
       env=(PATH="$ROOT/web/node_modules/.bin:/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc
         CC_wasm32_unknown_unknown=clang-22 AR_wasm32_unknown_unknown=llvm-ar-22)
       tail=(-Zbuild-std=std,panic_abort) ;;
    *) die "no wasm32 toolchain: run scripts/setup" ;;
  esac
  env "${env[@]}" wasm-pack "${quiet[@]}" "$cmd" --mode "$mode" "$@" "${tail[@]}"
}
