# Helpers shared by the .ci/*.sh scripts: sourced, not run. Each script
# sources this first, so it also runs alone: `bash .ci/loom.sh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The log is read as plain text.
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '%s\n' "$@" >&2; exit 1; }

# need COMMAND [APT_PACKAGE]: CI runs on a fresh machine, so install what is
# missing (the package is named after the command unless given).
need() {
  command -v "$1" >/dev/null && return
  apt-get update -qq && apt-get install -y -qq "${2:-$1}" >/dev/null
}
# need_cargo COMMAND CRATE: the same for tools published as crates.
need_cargo() { command -v "$1" >/dev/null || cargo install --locked "$2"; }
# AddressSanitizer and docs.rs's `doc(cfg)` need a nightly toolchain.
need_nightly() {
  rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
}

# assert_contains TEXT NEEDLE WHY / assert_lacks TEXT NEEDLE WHY: match a
# program's output captured beforehand (with pipefail, `… | grep -q` fails
# the pipe when grep quits early); print it when the check fails.
assert_contains() { case "$1" in *"$2"*) ;; *) printf '%s\n' "$1"; fail "$3" ;; esac; }
assert_lacks() { case "$1" in *"$2"*) printf '%s\n' "$1"; fail "$3" ;; esac; }

# assert_runs EXAMPLE [CARGO_ARGS…]: the example exits 0 (its output shown only if not).
assert_runs() {
  local example=$1 out; shift
  out=$(cargo run -q --example "$example" "$@" 2>&1) || { printf '%s\n' "$out"; fail "example $example failed"; }
}

# assert_says_compiled_out EXAMPLE: a plain release build of the example runs
# and says in its report that tracking is compiled out.
assert_says_compiled_out() {
  local out
  out=$(cargo run -q --release --example "$1" 2>&1) || { printf '%s\n' "$out"; fail "release $1 failed"; }
  assert_contains "$out" "compiled out" "release $1 did not say tracking is compiled out"
}

# The registry's code: every symbol of the on-mode implementation is under
# this path, and its map is dashmap's.
REGISTRY_SYMBOLS='instrack::imp'
registry_symbols() { nm -C "$1" | grep -c "$REGISTRY_SYMBOLS" || true; }

# assert_no_registry_symbols BIN: a compiled-out binary links no registry code.
assert_no_registry_symbols() {
  need nm binutils
  local dashmap registry
  dashmap=$(nm -C "$1" | grep -ci dashmap || true)
  registry=$(registry_symbols "$1")
  echo "$1: dashmap symbols: $dashmap, $REGISTRY_SYMBOLS symbols: $registry"
  [ "$dashmap" -eq 0 ] && [ "$registry" -eq 0 ] || fail "$1 links registry code"
}

# assert_registry_symbols BIN: the control for the check above; with tracking
# on it finds the registry, so a zero there means absent, not unseen.
assert_registry_symbols() {
  need nm binutils
  local registry
  registry=$(registry_symbols "$1")
  echo "$1 (tracking on): $REGISTRY_SYMBOLS symbols: $registry"
  [ "$registry" -gt 0 ] || fail "the symbol check cannot see the registry in $1"
}
