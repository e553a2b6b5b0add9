//! Feature `serde`: timelines and points read back from JSON
//! (`json_read/`), built from the fields [`Timeline`] keeps private.

use super::{Point, Series, Timeline, LEVELS};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

impl Timeline {
    /// A timeline of the given series, each `(name, first_live, points)`.
    /// Every point counts as level 0: samples recorded later merge the
    /// oldest points first, as they would have.
    pub(crate) fn restore(
        series: Vec<(Arc<str>, usize, Vec<Point>)>,
        first: Option<Duration>,
        last: Duration,
        samples: u64,
        started: Option<SystemTime>,
    ) -> Timeline {
        let mut timeline = Timeline { first, last, samples, started, ..Timeline::default() };
        for (name, first_live, points) in series {
            let mut levels = [0; LEVELS];
            levels[0] = u32::try_from(points.len()).unwrap_or(u32::MAX);
            timeline.index.insert(name.clone(), timeline.series.len());
            timeline.series.push(Series { name, points, levels, last_sample: 0, first_live });
        }
        timeline
    }
}

impl Point {
    /// A point as read back from JSON.
    pub(crate) fn restore(at: u64, live: usize, min: usize, max: usize, total: u64) -> Point {
        Point { at, live, min, max, total }
    }
}
