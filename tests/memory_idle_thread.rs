//! A thread that registers tracked `Arc`s and then stays idle while they die
//! never pushes again, so it never prunes its own list: a query must (issue
//! 9). Measured with a counting global allocator, alone in this binary.

use std::sync::{mpsc, Arc};
use std::thread;

mod common;

#[test]
fn a_query_frees_what_an_idle_threads_dead_arcs_kept() {
    #[derive(Debug)]
    struct Big(#[allow(dead_code)] [u64; 512]); // 4 KiB
    const N: usize = 1_000;
    let (values_tx, values) = mpsc::channel::<Vec<Arc<Big>>>();
    let (done, wait) = mpsc::channel::<()>();
    // Registers N values, hands them over, then idles until told to stop.
    let idle = thread::spawn(move || {
        let made: Vec<Arc<Big>> = (0..N)
            .map(|_| {
                let b = Arc::new(Big([0; 512]));
                instrack::track!(&b);
                b
            })
            .collect();
        values_tx.send(made).unwrap();
        wait.recv().unwrap();
    });
    let made = values.recv().unwrap();
    let before = common::live_bytes();
    drop(made); // the values die; their allocations stay while a `Weak` holds them
    let held = common::live_bytes();
    let n = instrack::counts::<Big>();
    let after = common::live_bytes();
    done.send(()).unwrap();
    idle.join().unwrap();
    println!("before {before}, after the drops {held}, after one query {after}");
    if instrack::ENABLED {
        assert_eq!((n.live, n.total), (0, N as u64));
        assert!(held > before - (N * 1024) as isize, "the dead values' allocations were kept until the query");
        assert!(after < before - (N * 3 * 1024) as isize, "the query freed them: {before} -> {after}");
    }
}
