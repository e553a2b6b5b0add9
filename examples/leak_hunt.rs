//! Hunting a leak with a snapshot diff, the way a browser's heap-snapshot
//! "Comparison" view or objgraph's `show_growth` is used.
//!
//!     cargo run --example leak_hunt
//!
//! A GUI opens and closes a dialog ten times. Each dialog subscribes a
//! listener to the app's event bus; closing the dialog forgets to unsubscribe,
//! so the bus keeps every listener (an `Arc`) alive. The steady state should
//! be "no growth": the diff says what grew and from which line.

use instrack::{track, Tracked};
use std::sync::{Arc, Mutex};

#[derive(Debug)]
struct Listener {
    dialog: String,
}

#[derive(Default)]
struct EventBus {
    listeners: Mutex<Vec<Arc<Listener>>>,
}

#[derive(Debug)]
struct Dialog {
    title: String,
    listener: Arc<Listener>,
    _tracked: Tracked<Self>,
}

impl Dialog {
    fn open(bus: &EventBus, title: &str) -> Dialog {
        let listener = Arc::new(Listener { dialog: title.to_owned() });
        track!(&listener); // shared: held by weak reference, never kept alive
        bus.listeners.lock().unwrap().push(Arc::clone(&listener));
        Dialog { title: title.to_owned(), listener, _tracked: track!() }
    }

    fn close(self, _bus: &EventBus) {
        // Bug: should remove `self.listener` from the bus.
        println!("closed {:?} (listener for {:?})", self.title, self.listener.dialog);
    }
}

fn main() {
    let bus = EventBus::default();
    // Warm up once, so caches that fill on first use do not count as growth.
    Dialog::open(&bus, "warm-up").close(&bus);

    let before = instrack::snapshot();
    for i in 0..10 {
        Dialog::open(&bus, &format!("settings #{i}")).close(&bus);
    }
    let after = instrack::snapshot();

    println!();
    println!("{}", after.diff(&before));
    if instrack::ENABLED {
        let diff = after.diff(&before);
        let grew: Vec<_> = diff.types().filter(|t| t.net > 0).collect();
        println!(
            "verdict: {} type(s) grew over 10 open/close cycles: {}",
            grew.len(),
            grew.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
        );
        println!("the live listeners, with their Debug text:");
        println!("{}", after.narrow("Listener"));
    }
}
