#!/usr/bin/env bash
# Model-check the registry's protocols with loom: every interleaving of each
# model's threads, up to a bound.
source "$(dirname "$0")/lib.sh"

# `--cfg loom` swaps the atomics of src/imp/on/sync.rs for loom's; the models
# sit beside each protocol as lib tests (a new model is picked up here with
# no change), and run as plain unit tests in the other modes. Release: loom
# runs each model many times over. LOOM_MAX_PREEMPTIONS=2 bounds the search
# (the cost grows exponentially with it), as src/imp/on/sync.rs documents.
# Its own target dir: the cfg rebuilds every crate. The models: the slot's
# seqlock, the spinlock, counter cells (an instance dropped on another
# thread), the push-only list of cells, the weak list (count, push, prune
# against a query under the lock), the ledger of temporaries (a leak check
# against a query's temporary, and against a release whose drop unwinds), the
# names of exited threads (a sweep against a query reading a dead thread's
# stamp).
step "loom: model-check the registry's protocols (slot, spinlock, counters, cells, weak list, ledger, thread names)"
RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release --lib --target-dir target/loom
