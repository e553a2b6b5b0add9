#!/usr/bin/env bash
# No invalid memory access in the unsafe code: valgrind memcheck over the
# concurrency tests, AddressSanitizer over every test binary.
source "$(dirname "$0")/lib.sh"

# The tests that exercise slots, the seqlock, the spinlock and temporary
# references across threads. tests/it/diff.rs is left out: its churn test
# takes ~110 s under valgrind.
step "valgrind memcheck over the concurrency tests (miri needs nightly's rust-src)"
need valgrind
cargo test -q --release --features tracking \
  --config "target.'cfg(all())'.runner=['valgrind','--tool=memcheck','--error-exitcode=99','-q']" \
  --test it -- --test-threads=2 threads:: shared:: cycles:: leaks:: counting::

# LeakSanitizer would report the tests' deliberate mem::forget: off. The
# backtrace tests are skipped: under ASan the symbolizer names the
# sanitizer's thread entry instead of the test's frames (they run in every
# other script). `--target` keeps the sanitizer flags off build scripts and
# proc macros; the own target dir keeps these artifacts apart.
step "AddressSanitizer over every test binary (nightly)"
need_nightly
RUSTFLAGS=-Zsanitizer=address ASAN_OPTIONS=detect_leaks=0 cargo +nightly test -q \
  --target x86_64-unknown-linux-gnu --target-dir target/asan --release --features tracking --tests \
  -- --skip backtraces::
