#!/usr/bin/env bash
# Beyond one process (issue 19): the `metrics` feature, JSON files read back
# (`serde`), task attribution (`tokio`), and the `instrack` command (`instrack-cli/`, a workspace member
# that the other scripts, run at the root, do not build).
source "$(dirname "$0")/lib.sh"

# The library's default build must compile none of the new dependencies:
# `metrics` and `tokio` are optional, and the command's (clap, ureq, crossterm) belong to
# a workspace member that is not a default member. `-e normal` leaves out the
# dev-dependencies (the Prometheus exporter the tests use).
step "cargo tree: the library's default dependencies gain nothing"
tree=$(cargo tree -e normal --prefix none)
for dep in metrics metrics-exporter-prometheus metrics-util tokio clap ureq crossterm ratatui; do
  if grep -qE "^$dep v" <<<"$tree"; then
    printf '%s\n' "$tree"
    fail "the library's default build depends on $dep"
  fi
done
echo "none of metrics, tokio, clap, ureq, crossterm in: $(tr '\n' ' ' <<<"$tree" | cut -c1-200)…"

step "metrics: a Prometheus recorder renders the published gauges (tracking on, then compiled out)"
cargo test --features metrics --test published_metrics
cargo test --features metrics --lib metrics_out
# With `metrics` each sample publishes suspects: it must still judge at most once.
cargo test --features metrics --lib watch::sampler
# Compiled out, nothing is published: the same test checks that.
cargo test --release --features metrics --test published_metrics

# The example serves /metrics on loopback; three scrapes, then it exits.
step "metrics: examples/prometheus serves /metrics"
cargo build -q --example prometheus --features metrics
log=$(mktemp)
target/debug/examples/prometheus 127.0.0.1:0 3 >"$log" &
example=$!
for _ in $(seq 50); do grep -q serving "$log" && break; sleep 0.1; done
addr=$(sed -n 's#serving http://\(.*\)/metrics#\1#p' "$log")
[ -n "$addr" ] || { cat "$log"; kill "$example" 2>/dev/null || true; fail "examples/prometheus did not say where it serves"; }
sleep 1 # a few samples
# A plain GET through bash's /dev/tcp: no HTTP client to install.
scrape() {
  exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}"
  printf 'GET /metrics HTTP/1.1\r\nHost: %s\r\n\r\n' "$addr" >&3
  cat <&3
  exec 3<&-
}
metrics_text=""
for _ in 1 2 3; do metrics_text=$(scrape); done
wait "$example"
rm -f "$log"
grep -qE '^instrack_live_instances\{type="prometheus::Session"\} [0-9]+' <<<"$metrics_text" ||
  { printf '%s\n' "$metrics_text"; fail "/metrics has no live count of prometheus::Session"; }
assert_contains "$metrics_text" 'instrack_live_instances{type="other"} 0' "/metrics has no empty other row"

# The README's alert rule and Grafana queries, run by Prometheus's own
# engine: promtool's unit tests feed it four instances' series and check
# when the alert fires, for which type, and what each query returns. The
# rule is taken from the README as written; the test file holds the queries,
# which must be the README's.
step "metrics: the README's alert rule and queries under promtool's unit tests"
need promtool prometheus
rules_dir=$(mktemp -d)
cp .ci/prometheus/rules_test.yml "$rules_dir/"
awk '/^```yaml$/{f=1;next} /^```$/{if(f){exit}} f' README.md >"$rules_dir/rules.yml"
grep -q InstrackTypeKeepsGrowing "$rules_dir/rules.yml" || fail "no alert rule in the README's yaml block"
queries=$(sed -n "s/^      - expr: '\(.*\)'$/\1/p" .ci/prometheus/rules_test.yml)
[ "$(wc -l <<<"$queries")" = 2 ] || fail "expected the README's two queries in rules_test.yml: $queries"
while IFS= read -r query; do
  grep -qF "$query" README.md || fail "the README lacks the query: $query"
done <<<"$queries"
promtool check rules "$rules_dir/rules.yml"
promtool test rules "$rules_dir/rules_test.yml"

# A multi-thread runtime's tasks make, move and drop instances while threads
# query; each mode: debug (tracking on), compiled out, release + tracking;
# with serde and html, the JSON and the page show the task too.
step "tokio: task attribution on a multi-thread runtime, in each mode"
cargo test --features tokio,serde,html --test tasks
cargo test --release --features tokio --test tasks
cargo test --release --features tokio,tracking,serde,html --test tasks
cargo test --release --features tokio,tracking --test memory_per_instance
# The registry's thread tests (exiting threads, thread-local destruction)
# with the feature on: each registration asks tokio, whose first answer on a
# thread sets up tokio's own thread-local.
cargo test --release --features tokio,tracking --test it threads
cargo test --features tokio --doc Instance::task

# The README's sample output is this example's: the same line shapes.
step "tokio: examples/tasks names the task of each leaked session"
tasks_out=$(cargo run -q --example tasks --features tokio)
printf '%s\n' "$tasks_out"
grep -qE '^    #[0-9]+ +examples/tasks.rs:[0-9]+  thread worker  task [0-9]+  age .*  Session \{ user: 5 \}$' <<<"$tasks_out" ||
  fail "no report line with its task"
grep -qE '\(thread worker; 5 tasks: [0-9]+ [0-9]+ [0-9]+ …\)$' <<<"$tasks_out" || fail "no by-site line with its tasks"

step "serde: files read back (debug, then compiled out)"
cargo test --features serde,html --test it json
cargo test --features serde --lib json_read
cargo test --release --features serde --test it json

# The command is linted and tested here: `cargo clippy` and `cargo test` at
# the root build the default member (the library) alone.
step "instrack-cli: clippy and tests (files it did not write, a live endpoint)"
cargo clippy -p instrack-cli --all-targets -- -D warnings
cargo test -p instrack-cli
