//! Feature `metrics`: a `Sampler` publishes each sample through the
//! `metrics` facade; here into a Prometheus recorder whose rendered text is
//! checked. A binary of its own: it installs the process's global recorder,
//! and no other test may add tracked types to what it counts.

use instrack::{track, Tracked};
use metrics_exporter_prometheus::PrometheusBuilder;
use metrics_util::MetricKindMask;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug)]
#[allow(dead_code)] // sized through `track!(&arc)`
struct Big([u8; 64]);
struct Mid {
    _t: Tracked<Self>,
}
struct Small {
    _t: Tracked<Self>,
}
struct Leak {
    _t: Tracked<Self>,
}

/// The value of the sample line `metric{type="label"}`, if rendered.
fn value(text: &str, metric: &str, label: &str) -> Option<f64> {
    let prefix = format!("{metric}{{type=\"{label}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&prefix)).map(|v| v.parse().unwrap())
}

#[test]
fn a_sampler_publishes_the_top_types_and_other() {
    // A type that leaves the top is no longer updated: the idle timeout
    // drops its series (`Mid` is in the top 2 until `Leak` passes it).
    let handle = PrometheusBuilder::new()
        .idle_timeout(MetricKindMask::ALL, Some(Duration::from_millis(100)))
        .install_recorder()
        .expect("the only recorder of this binary");
    instrack::set_metrics_top_types(2);

    let big: Vec<Arc<Big>> = (0..50).map(|_| Arc::new(Big([0; 64]))).collect();
    for b in &big {
        track!(b);
    }
    let _mid: Vec<Mid> = (0..20).map(|_| Mid { _t: track!() }).collect();
    let _small: Vec<Small> = (0..3).map(|_| Small { _t: track!() }).collect();
    drop((0..4).map(|_| Small { _t: track!() }).collect::<Vec<_>>()); // created, not live

    let sampler = instrack::Sampler::start(Duration::from_millis(5));
    // One more `Leak` every 3 ms: it passes `Big` and is judged a suspect.
    let mut leaked = Vec::new();
    for _ in 0..120 {
        leaked.push(Leak { _t: track!() });
        std::thread::sleep(Duration::from_millis(3));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = handle.render();
        let settled = value(&text, "instrack_live_instances", "published_metrics::Leak") == Some(120.0)
            && value(&text, "instrack_suspect", "published_metrics::Leak") == Some(1.0)
            && value(&text, "instrack_live_instances", "published_metrics::Mid").is_none();
        if !instrack::ENABLED || settled || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    drop(sampler);

    if !instrack::ENABLED {
        assert!(!text.contains("instrack_"), "compiled out, nothing is published:\n{text}");
        return;
    }
    println!("{text}");
    let live = |label| value(&text, "instrack_live_instances", label);
    assert_eq!(live("published_metrics::Leak"), Some(120.0), "{text}");
    assert_eq!(live("published_metrics::Big"), Some(50.0), "{text}");
    // Mid and Small are outside the top 2: summed as `other`, not named.
    assert_eq!(live("other"), Some(23.0), "{text}");
    assert_eq!(live("published_metrics::Mid"), None, "{text}");
    assert_eq!(live("published_metrics::Small"), None, "{text}");
    assert_eq!(value(&text, "instrack_created_total", "other"), Some(27.0), "{text}");
    assert_eq!(value(&text, "instrack_created_total", "published_metrics::Leak"), Some(120.0), "{text}");
    assert_eq!(value(&text, "instrack_estimated_bytes", "published_metrics::Big"), Some(50.0 * 64.0), "{text}");
    // A `Tracked` field's owner is weighed by its static size (`track!()`).
    let leak_bytes = 120.0 * std::mem::size_of::<Leak>() as f64;
    assert_eq!(value(&text, "instrack_estimated_bytes", "published_metrics::Leak"), Some(leak_bytes), "{text}");
    assert_eq!(value(&text, "instrack_suspect", "published_metrics::Leak"), Some(1.0), "{text}");
    assert_eq!(value(&text, "instrack_suspect", "published_metrics::Big"), Some(0.0), "{text}");
    assert_eq!(value(&text, "instrack_suspect", "other"), Some(0.0), "{text}");
    assert!(text.contains("# TYPE instrack_created_total counter"), "{text}");
    assert!(text.contains("# TYPE instrack_live_instances gauge"), "{text}");
    drop(leaked);
}
