//! [`Sampler`]: a background thread that records a [`Timeline`].
//!
//! The thread owns nothing but a receiver; it stops when the `Sampler` drops
//! its sender (a disconnected channel wakes `recv_timeout` at once), so a
//! drop never waits out an interval. The timeline's mutex is the sampler's
//! own: construction and drop of tracked values never take it, and the
//! counters are read before it is taken.

use super::{history, readings, Timeline};
use crate::lock::lock;
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
/// them with their rate and peak, even once their values are gone.
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
    let (mut judged, mut judge_every) = (Duration::ZERO, history::JUDGE_EVERY);
    loop {
        let counts = crate::imp::all_counts();
        let read = readings(&counts);
        let at = start.elapsed();
        let mut recorded = lock(timeline);
        recorded.record_readings(at, read);
        #[cfg(feature = "metrics")]
        let suspects = recorded.suspects(); // published below, without the lock
        drop(recorded);
        #[cfg(feature = "metrics")]
        crate::metrics_out::publish(&counts, &suspects);
        // What was a suspect is remembered for the exit report, even once
        // its values are gone (see `history.rs`). Judging 100 full series
        // takes ~5M instructions: never more than 1 % of the time.
        if at.saturating_sub(judged) >= judge_every {
            let began = Instant::now();
            history::judge(timeline);
            judge_every = history::JUDGE_EVERY.max(began.elapsed() * 100);
            judged = at;
        }
        // The next tick on the grid `start + n × interval` that is still ahead.
        let elapsed = start.elapsed();
        let due = (elapsed.as_nanos() / interval.as_nanos()) as u32 + 1;
        tick = tick.saturating_add(1).max(due);
        let next = interval.saturating_mul(tick).saturating_sub(elapsed);
        match stopped.recv_timeout(next) {
            Err(RecvTimeoutError::Timeout) => continue,
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return history::judge(timeline),
        }
    }
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
