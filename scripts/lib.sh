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
wasm_route() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
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
