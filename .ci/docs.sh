#!/usr/bin/env bash
# Rustdoc with warnings as errors (broken intra-doc links, bad HTML), in each
# mode and as docs.rs builds it.
source "$(dirname "$0")/lib.sh"

step "docs: debug and release"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --release

# [package.metadata.docs.rs] all-features = true: the docs users read.
step "docs: every feature (stable)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --all-features

# docs.rs builds on nightly with `--cfg docsrs`, which turns on `doc(cfg)`
# (src/lib.rs). Its own target dir: nightly artifacts would evict stable's.
step "docs: as docs.rs builds them (nightly, --cfg docsrs)"
need_nightly
RUSTDOCFLAGS="--cfg docsrs -D warnings" cargo +nightly doc --all-features --no-deps --target-dir target/docsrs
# The page of a feature-gated item says which feature it needs.
page=$(cat target/docsrs/doc/instrack/fn.serve.html)
assert_contains "$page" "crate feature <code>http</code>" "docs.rs would not say that serve needs the http feature"

# ARCHITECTURE.md is the map of src/: a file it does not name is a room
# nobody was told about (a row may name siblings by their short name).
step "docs: ARCHITECTURE.md names every file under src/"
map=$(cat ARCHITECTURE.md)
for file in $(git ls-files 'src/*.rs'); do
  case "$map" in *"\`$file\`"* | *"\`${file##*/}\`"*) ;; *) fail "ARCHITECTURE.md does not name $file" ;; esac
done
