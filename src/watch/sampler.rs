//! [`Sampler`]: a background thread that records a [`Timeline`].
//!
//! The thread owns nothing but a receiver; it stops when the `Sampler` drops
//! its sender (a disconnected channel wakes `recv_timeout` at once), so a
//! drop never waits out an interval. The timeline's mutex is the sampler's
//! own: construction and drop of tracked values never take it, and the
//! counters are read before it is taken.

use super::{history, readings, Suspect, Timeline};
use crate::lock::lock;
use crate::TypeCounts;
use std::fmt;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// The shortest interval a sampler takes; shorter ones are raised to it.
pub(crate) const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// A background thread that samples the counts of every tracked type every
/// interval into a bounded [`Timeline`]. Dropping it stops and joins the thread.
///
/// Each sample reads what [`counts`](crate::counts) reads, for every type.
/// For `Tracked` fields that is the per-thread counters only: no instance is
/// visited, no `Debug` runs, and no lock that construction or drop takes is
/// held; with 100 types and 1M live instances a sample takes about 11 µs
/// (`benches/watch.rs`). Values tracked with `track!(&value)` die without
/// telling the tracker, so for those a sample reads the strong count of each
/// entry of the type's weak lists (no upgrade, no `Debug`) under each list's
/// spinlock, which `track!(&arc)` on the list's thread also takes. The
/// timeline stays bounded (see [`Timeline`]). The first sample is
/// taken at once, then one every `interval`; a sample that is late (the
/// machine was busy) is skipped rather than bunched. When tracking is
/// compiled out, `start` starts no thread and the timeline stays empty.
///
/// The sampler also judges its timeline every 100 ms (or every sample, if
/// the interval is longer; less often if judging would take more than 1 %
/// of the time) and when it stops, and remembers for the whole
/// run every type that was a [`Suspect`](crate::Suspect): the exit report
/// ([`report_at_exit`](crate::report_at_exit)) and the signal report name
/// them with their rate and peak, even once their values are gone. With
/// feature `metrics`, each sample publishes the suspects of that last
/// judgement: a sample judges at most once, as judging costs several times
/// the rest of a sample.
///
/// # Locking behaviour
/// [`timeline`](Self::timeline) holds the sampler's own lock while it copies
/// the timeline; the sampler thread holds it while it records a sample.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// struct Request { _t: instrack::Tracked<Self> }
///
/// let sampler = instrack::Sampler::start(Duration::from_millis(10));
/// let _pending: Vec<Request> = (0..5).map(|_| Request { _t: instrack::track!() }).collect();
/// std::thread::sleep(Duration::from_millis(50));
/// let timeline = sampler.timeline();
/// println!("{timeline}");
/// for suspect in timeline.suspects() {
///     println!("{suspect}");
/// }
/// drop(sampler); // stops and joins the thread
/// ```
pub struct Sampler {
    interval: Duration,
    timeline: Arc<Mutex<Timeline>>,
    /// Dropping it tells the thread to stop.
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sampler {
    /// Starts sampling every `interval` (at least 1 ms) on a thread named
    /// `instrack-sampler`. Starts no thread when tracking is compiled out, or
    /// if the system refuses a new thread; the timeline then stays empty.
    pub fn start(interval: Duration) -> Sampler {
        let interval = interval.max(MIN_INTERVAL);
        let timeline = Arc::new(Mutex::new(Timeline::default()));
        let mut sampler = Sampler { interval, timeline, stop: None, thread: None };
        if !crate::ENABLED {
            return sampler;
        }
        let (stop, stopped) = mpsc::channel();
        let shared = Arc::clone(&sampler.timeline);
        let spawned =
            std::thread::Builder::new().name("instrack-sampler".into()).spawn(move || run(&shared, interval, &stopped));
        if let Ok(thread) = spawned {
            sampler.stop = Some(stop);
            sampler.thread = Some(thread);
            history::sampler_started(&sampler.timeline);
        }
        sampler
    }

    /// A copy of the timeline so far: its series, suspects and growth.
    ///
    /// # Examples
    /// ```
    /// let sampler = instrack::Sampler::start(std::time::Duration::from_secs(1));
    /// let timeline = sampler.timeline(); // the first sample may not be in yet
    /// assert!(timeline.samples() <= 1);
    /// if !instrack::ENABLED {
    ///     assert!(!sampler.is_running() && timeline.series().is_empty());
    /// }
    /// ```
    pub fn timeline(&self) -> Timeline {
        lock(&self.timeline).clone()
    }

    /// The interval between samples.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Whether a sampling thread is running: `false` when tracking is
    /// compiled out.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

fn run(timeline: &Mutex<Timeline>, interval: Duration, stopped: &mpsc::Receiver<()>) {
    let start = Instant::now();
    lock(timeline).set_started(SystemTime::now());
    let mut tick: u32 = 0;
    let mut last = Judgement::default();
    loop {
        let counts = crate::imp::all_counts();
        take_sample(timeline, start.elapsed(), &counts, &mut last);
        // The next tick on the grid `start + n × interval` that is still ahead.
        let elapsed = start.elapsed();
        let due = (elapsed.as_nanos() / interval.as_nanos()) as u32 + 1;
        tick = tick.saturating_add(1).max(due);
        let next = interval.saturating_mul(tick).saturating_sub(elapsed);
        match stopped.recv_timeout(next) {
            Err(RecvTimeoutError::Timeout) => continue,
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                history::judge(timeline);
                return;
            }
        }
    }
}

/// When the sampler last judged its timeline, and what it found.
struct Judgement {
    /// When it judged, as time since the sampler started.
    at: Duration,
    /// How long until it judges again: [`history::JUDGE_EVERY`], or longer
    /// when judging took more than 1 % of that.
    every: Duration,
    /// The suspects it found, which every sample publishes (feature
    /// `metrics`) until the next judgement.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    suspects: Vec<Suspect>,
}

impl Default for Judgement {
    fn default() -> Judgement {
        Judgement { at: Duration::ZERO, every: history::JUDGE_EVERY, suspects: Vec::new() }
    }
}

/// One sample of `counts`, read `at` (time since the sampler started):
/// recorded, judged when due, and published (feature `metrics`) with the
/// last judgement's suspects. Judging 100 day-long series takes ~3.5M
/// instructions, eight times the rest of a sample (0.43M with the top 20
/// published): a sample judges at most once, every
/// [`history::JUDGE_EVERY`], and never more than 1 % of the time.
fn take_sample(timeline: &Mutex<Timeline>, at: Duration, counts: &[TypeCounts], last: &mut Judgement) {
    let read = readings(counts);
    lock(timeline).record_readings(at, read);
    if at.saturating_sub(last.at) >= last.every {
        let began = Instant::now();
        // What was a suspect is remembered for the exit report, even once
        // its values are gone (see `history.rs`).
        last.suspects = history::judge(timeline);
        last.every = history::JUDGE_EVERY.max(began.elapsed() * 100);
        last.at = at;
    }
    #[cfg(feature = "metrics")]
    crate::metrics_out::publish(counts, &last.suspects);
}

impl fmt::Debug for Sampler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sampler")
            .field("interval", &self.interval)
            .field("running", &self.is_running())
            .field("samples", &lock(&self.timeline).samples())
            .finish()
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // A panic in the sampler thread has nothing to tell the owner.
            let _ = thread.join();
        }
    }
}

// Not under `--cfg loom`: these read the registry outside a loom model
// (they test the sampler, not a protocol of the registry).
#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A sample judges its timeline at most once, and only when a
    /// judgement is due (every `JUDGE_EVERY` of the sampler's clock at
    /// most): publishing (feature `metrics`) reuses the last judgement.
    #[test]
    fn a_sample_judges_at_most_once_and_only_when_due() {
        let judgements = || super::super::suspects::JUDGEMENTS.with(std::cell::Cell::get);
        let timeline = Mutex::new(Timeline::default());
        let counts = crate::imp::all_counts();
        let mut last = Judgement::default();
        let mut judged_at = Vec::new();
        for ms in 0..=1000u64 {
            let before = judgements();
            take_sample(&timeline, Duration::from_millis(ms), &counts, &mut last);
            match judgements() - before {
                0 => {}
                1 => judged_at.push(ms),
                n => panic!("the sample at {ms} ms judged the timeline {n} times"),
            }
        }
        assert_eq!(lock(&timeline).samples(), 1001);
        // Every 100 ms of the sampler's clock, or less often when a judgement
        // takes over 1 ms of real time (a loaded machine, a sanitizer).
        assert_eq!(judged_at.first(), Some(&100), "{judged_at:?}");
        assert!(judged_at.windows(2).all(|w| w[1] - w[0] >= 100), "{judged_at:?}");
    }

    /// The cost of one sample of 100 types with feature `metrics`, each
    /// series a day long (a day of samples a second apart, 430 points each): a sample
    /// that reads, records and publishes, and one that also judges. Run with
    /// `cargo test --release --features metrics,tracking --lib sample_cost -- --ignored --nocapture`;
    /// for instruction counts, under `valgrind --tool=callgrind
    /// --toggle-collect='*plain_samples*' --toggle-collect='*judged_samples*'`
    /// (`callgrind_annotate --inclusive=yes` gives each function's total).
    #[cfg(feature = "metrics")]
    #[test]
    #[ignore = "a cost, not a check"]
    fn sample_cost() {
        use crate::{metrics_out, track, Tracked};
        #[allow(dead_code)] // held to be counted
        struct Kind<const N: usize>(Tracked<Self>);
        macro_rules! kinds {
            ($($n:literal)*) => { vec![$(Box::new(Kind::<$n>(track!())) as Box<dyn std::any::Any>),*] };
        }
        let _held = kinds!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99);
        let counts = crate::imp::all_counts();
        assert!(counts.len() >= 100);
        let timeline = Mutex::new(Timeline::default());
        let mut at = Duration::ZERO;
        for _ in 0..86_400 {
            at += Duration::from_secs(1);
            lock(&timeline).record_readings(at, readings(&counts));
        }
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        for top in [metrics_out::DEFAULT_METRICS_TOP_TYPES, 100] {
            metrics_out::set_metrics_top_types(top);
            metrics::with_local_recorder(&recorder, || {
                let plain = plain_samples(&timeline, &mut at, &counts);
                let judged = judged_samples(&timeline, &mut at, &counts);
                println!(
                    "100 series a day long, top {top}: a sample {plain:?}, a judged sample {judged:?} (minimum of {ROUNDS})"
                );
            });
        }
        metrics_out::set_metrics_top_types(metrics_out::DEFAULT_METRICS_TOP_TYPES);
        let points: usize = lock(&timeline).series().iter().map(|s| s.points().len()).sum();
        assert!(points >= 400 * 100, "{points} points");
    }

    #[cfg(feature = "metrics")]
    const ROUNDS: u32 = 100;

    /// `ROUNDS` samples 10 ms apart, none judged; the fastest.
    #[cfg(feature = "metrics")]
    #[inline(never)]
    fn plain_samples(timeline: &Mutex<Timeline>, at: &mut Duration, counts: &[TypeCounts]) -> Duration {
        samples(timeline, at, counts, false)
    }

    /// `ROUNDS` samples 10 ms apart, each judged; the fastest.
    #[cfg(feature = "metrics")]
    #[inline(never)]
    fn judged_samples(timeline: &Mutex<Timeline>, at: &mut Duration, counts: &[TypeCounts]) -> Duration {
        samples(timeline, at, counts, true)
    }

    #[cfg(feature = "metrics")]
    fn samples(timeline: &Mutex<Timeline>, at: &mut Duration, counts: &[TypeCounts], judged: bool) -> Duration {
        let mut fastest = Duration::MAX;
        for _ in 0..ROUNDS {
            *at += Duration::from_millis(10);
            // Last judged at the start, a day ago (so now), or just now and not again.
            let mut last = Judgement::default();
            if !judged {
                (last.at, last.every) = (*at, Duration::MAX);
            }
            let began = Instant::now();
            take_sample(timeline, *at, counts, &mut last);
            fastest = fastest.min(began.elapsed());
        }
        fastest
    }
}
