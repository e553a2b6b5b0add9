//! Exact counts across threads: cross-thread drops, a stress test, and drops
//! that run while a thread's locals are being destroyed.

use instrack::{counts, track, Tracked};
use std::sync::mpsc;
use std::thread;

fn expect(live: usize, total: u64) -> (usize, u64) {
    if instrack::ENABLED {
        (live, total)
    } else {
        (0, 0)
    }
}

fn live_total<T: ?Sized + 'static>() -> (usize, u64) {
    let c = counts::<T>();
    (c.live, c.total)
}

#[test]
fn dropping_on_a_thread_that_never_made_the_type_decrements() {
    struct Parcel {
        _t: Tracked<Self>,
    }
    let parcels: Vec<Parcel> = (0..5).map(|_| Parcel { _t: track!() }).collect();
    thread::spawn(move || drop(parcels)).join().unwrap();
    assert_eq!(live_total::<Parcel>(), expect(0, 5));
    // And the other way round: made on a thread, dropped here.
    let made = thread::spawn(|| Parcel { _t: track!() }).join().unwrap();
    assert_eq!(live_total::<Parcel>(), expect(1, 6));
    drop(made);
    assert_eq!(live_total::<Parcel>(), expect(0, 6));
}

#[test]
fn peak_is_exact_when_threads_take_turns() {
    struct Turn {
        _t: Tracked<Self>,
    }
    // Thread A makes 10 and keeps them; then thread B makes 5: 15 at once.
    let a = thread::spawn(|| (0..10).map(|_| Turn { _t: track!() }).collect::<Vec<_>>()).join().unwrap();
    let b = thread::spawn(|| (0..5).map(|_| Turn { _t: track!() }).collect::<Vec<_>>()).join().unwrap();
    drop(a);
    let c = thread::spawn(|| Turn { _t: track!() }).join().unwrap();
    let n = counts::<Turn>();
    assert_eq!((n.live, n.total, n.peak), if instrack::ENABLED { (6, 16, 15) } else { (0, 0, 0) });
    drop((b, c));
}

/// Four producers make values and send most of them to two consumers, which
/// drop them; some die where they were made, some are kept. Final counts are exact.
#[test]
fn stress_with_cross_thread_drops_ends_with_exact_counts() {
    #[derive(Debug)]
    struct Msg {
        _t: Tracked<Self>,
    }
    const PRODUCERS: usize = 4;
    const PER_PRODUCER: usize = 20_000;
    let (tx, rx) = mpsc::channel::<Msg>();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || {
                let mut dropped = 0usize;
                loop {
                    let msg = rx.lock().unwrap().recv();
                    match msg {
                        Ok(m) => {
                            drop(m);
                            dropped += 1;
                        }
                        Err(_) => return dropped,
                    }
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let tx = tx.clone();
            thread::spawn(move || {
                let mut kept = Vec::new();
                for i in 0..PER_PRODUCER {
                    let m = Msg { _t: track!() };
                    match i % 10 {
                        0 => kept.push(m),
                        1 => drop(m),
                        _ => tx.send(m).unwrap(),
                    }
                }
                kept
            })
        })
        .collect();
    drop(tx);
    let kept: Vec<Msg> = producers.into_iter().flat_map(|p| p.join().unwrap()).collect();
    let dropped_by_consumers: usize = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    let total = PRODUCERS * PER_PRODUCER;
    assert_eq!(kept.len(), total / 10);
    assert_eq!(dropped_by_consumers, total * 8 / 10);
    assert_eq!(live_total::<Msg>(), expect(kept.len(), total as u64));
    let n = counts::<Msg>();
    assert!(n.peak >= n.live && n.peak <= total, "{n:?}");
    drop(kept);
    assert_eq!(live_total::<Msg>(), expect(0, total as u64));
}

/// A value held in a thread-local is dropped while the thread's locals are
/// destroyed, before or after instrack's own. Its `Drop` may even make and
/// forget new tracked values. Nothing aborts and no count is lost.
#[test]
fn drops_during_thread_local_destruction_are_counted() {
    struct Resident {
        _t: Tracked<Self>,
    }
    struct Late {
        _t: Tracked<Self>,
    }
    struct Holder(#[allow(dead_code)] Vec<Resident>);
    impl Drop for Holder {
        fn drop(&mut self) {
            std::mem::forget(Late { _t: track!() });
            drop(Late { _t: track!() });
        }
    }
    thread_local! {
        static HELD: std::cell::RefCell<Option<Holder>> = const { std::cell::RefCell::new(None) };
    }
    // Thread-local destructors run in reverse order of first use. Touching
    // HELD first makes it outlive instrack's locals: its drops then find them
    // gone. Touching instrack first gives the opposite order.
    for held_first in [true, false] {
        thread::spawn(move || {
            if held_first {
                HELD.with(|_| {});
            }
            let residents = vec![Resident { _t: track!() }, Resident { _t: track!() }];
            HELD.with(|h| *h.borrow_mut() = Some(Holder(residents)));
        })
        .join()
        .unwrap();
    }
    assert_eq!(live_total::<Resident>(), expect(0, 4));
    assert_eq!(live_total::<Late>(), expect(2, 4));
    // The forgotten `Late` made after instrack's locals were gone says so.
    let late = instrack::snapshot().narrow("Late");
    let threads: Vec<&str> = late.instances().map(|i| i.thread()).collect();
    if instrack::ENABLED {
        assert_eq!(threads.iter().filter(|t| **t == "(exiting thread)").count(), 1, "{threads:?}");
    }
}

#[test]
fn instances_record_their_thread_by_name_else_by_id() {
    struct Named {
        _t: Tracked<Self>,
    }
    let named =
        thread::Builder::new().name("worker-7".into()).spawn(|| Named { _t: track!() }).unwrap().join().unwrap();
    let (unnamed, id) = thread::spawn(|| (Named { _t: track!() }, thread::current().id())).join().unwrap();
    let snap = instrack::snapshot().narrow("Named");
    let threads: Vec<&str> = snap.instances().map(|i| i.thread()).collect();
    if instrack::ENABLED {
        assert_eq!(threads.len(), 2);
        assert!(threads.contains(&"worker-7"), "{threads:?}");
        // Issue 18: `thread #5` in reports, not `thread ThreadId(5)`.
        let number = format!("{id:?}").trim_start_matches("ThreadId(").trim_end_matches(')').to_owned();
        assert!(threads.contains(&format!("#{number}").as_str()), "{threads:?}");
        let report = snap.to_string();
        assert!(report.contains(&format!("  thread #{number}  age ")), "{report}");
        assert!(!report.contains("ThreadId"), "{report}");
    } else {
        assert!(threads.is_empty());
    }
    drop((named, unnamed));
}

/// An instance made on a thread that has exited still names that thread,
/// however many threads exit after it (their names are swept; issue 16,
/// fault 5), and while snapshots run during the sweeps.
#[test]
fn an_instance_made_on_an_exited_thread_keeps_its_name() {
    struct Orphan {
        _t: Tracked<Self>,
    }
    #[derive(Debug)]
    struct SharedRemnant;
    struct Passing {
        _t: Tracked<Self>,
    }
    let (orphan, remnant) = thread::Builder::new()
        .name("gone-but-named".into())
        .spawn(|| {
            let remnant = std::sync::Arc::new(SharedRemnant);
            track!(&remnant);
            (Orphan { _t: track!() }, remnant)
        })
        .unwrap()
        .join()
        .unwrap();
    // Enough exits for several sweeps; each thread's instance outlives it
    // and is dropped by the next, while this thread takes snapshots.
    let churn = thread::spawn(|| {
        let mut last = None;
        for i in 0..400 {
            let made = thread::Builder::new()
                .name(format!("passing-{i}"))
                .spawn(|| Passing { _t: track!() })
                .unwrap()
                .join()
                .unwrap();
            drop(last.replace(made));
        }
    });
    let mut snapshots = 0;
    while !churn.is_finished() || snapshots == 0 {
        let snap = instrack::snapshot().narrow("Passing");
        for i in snap.instances() {
            assert!(
                i.thread().starts_with("passing-"),
                "an instance of a thread that exited is named {:?}",
                i.thread()
            );
        }
        snapshots += 1;
        // Let the churn run: under valgrind, which runs one thread at a
        // time, a loop of snapshots alone would starve it for minutes.
        thread::sleep(std::time::Duration::from_millis(1));
    }
    churn.join().unwrap();
    let snap = instrack::snapshot();
    let threads: Vec<&str> = snap
        .instances()
        .filter(|i| i.type_name().ends_with("Orphan") || i.type_name().ends_with("SharedRemnant"))
        .map(|i| i.thread())
        .collect();
    if instrack::ENABLED {
        assert_eq!(threads, ["gone-but-named", "gone-but-named"], "after {snapshots} snapshots");
    } else {
        assert!(threads.is_empty());
    }
    drop((orphan, remnant));
}
