//! How many instances of a type there are: [`Counts`] of one type,
//! [`TypeCounts`] as a snapshot holds them, and [`counts()`].

use crate::imp;

/// How many instances of one type exist, have existed, and existed at most at once.
///
/// # Examples
/// ```
/// #[derive(Debug)]
/// struct Job { _t: instrack::Tracked<Self> }
///
/// let jobs: Vec<Job> = (0..3).map(|_| Job { _t: instrack::track!() }).collect();
/// drop(jobs);
/// let n = instrack::counts::<Job>();
/// if instrack::ENABLED {
///     assert_eq!((n.live, n.total, n.peak), (0, 3, 3));
/// } else {
///     assert_eq!(n, instrack::Counts::default());
/// }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Counts {
    /// Instances alive now.
    pub live: usize,
    /// Instances ever created.
    pub total: u64,
    /// The largest `live` the tracker has observed (see the crate docs, "Counting").
    pub peak: usize,
}

/// The counts of one tracked type, as a [`Snapshot`](crate::Snapshot) holds them.
///
/// # Examples
/// ```
/// struct Frame { _t: instrack::Tracked<Self> }
///
/// let frames: Vec<Frame> = (0..4).map(|_| Frame { _t: instrack::track!() }).collect();
/// drop(frames);
/// for t in instrack::snapshot().narrow("Frame").types() {
///     assert!(t.name().ends_with("::Frame"));
///     assert_eq!((t.counts().live, t.counts().total), (0, 4));
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TypeCounts {
    /// The type's dense index in the registry: the same in every snapshot.
    pub(crate) index: u32,
    pub(crate) name: &'static str,
    pub(crate) counts: Counts,
    /// The size of one value: `size_of::<T>()` recorded by `track!()` for a
    /// `Tracked<T>` field, `size_of_val` for a shared value.
    pub(crate) value_size: Option<usize>,
}

impl TypeCounts {
    /// The type's name, as [`std::any::type_name`] spells it.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// The type's counts when the snapshot was taken.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// An estimate of the bytes the type's live values hold: the size of
    /// one value × `live`. Only the value itself, not what it points to.
    ///
    /// The size is `size_of::<T>()` for a type with a `Tracked<T>` field
    /// (recorded once per call site by [`track!()`](crate::track) or
    /// `Tracked::default()`), and `size_of_val` of the first value
    /// registered with `track!(&value)`. `None` when no size was recorded: a
    /// type whose tokens are all made by `Tracked::new()`, or an unsized `T`
    /// (`Tracked<dyn Any>`), and when tracking is compiled out.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    ///
    /// #[derive(Debug)]
    /// struct Buffer([u8; 1024]);
    ///
    /// let buffers: Vec<Arc<Buffer>> = (0..3).map(|_| Arc::new(Buffer([0; 1024]))).collect();
    /// for b in &buffers {
    ///     instrack::track!(b);
    /// }
    /// for t in instrack::snapshot().narrow("Buffer").types() {
    ///     assert_eq!(t.estimated_bytes(), Some(3 * 1024));
    /// }
    ///
    /// // A type tracked by a field: its own size, field included.
    /// struct Page { _body: [u8; 4096], _t: instrack::Tracked<Self> }
    ///
    /// let pages: Vec<Page> = (0..2).map(|_| Page { _body: [0; 4096], _t: instrack::track!() }).collect();
    /// for t in instrack::snapshot().narrow("Page").types() {
    ///     assert_eq!(t.estimated_bytes(), Some(2 * std::mem::size_of::<Page>() as u64));
    /// }
    /// # drop(pages);
    /// ```
    pub fn estimated_bytes(&self) -> Option<u64> {
        self.value_size.map(|size| size as u64 * self.counts.live as u64)
    }
}

/// The counts of type `T`: live, ever created, and the peak of live.
///
/// A type never constructed has zero counts (and asking does not register it).
/// Zero when tracking is compiled out.
///
/// # Locking behaviour
/// Takes a read lock on one shard of the type map; never blocks construction
/// or drop.
///
/// # Examples
/// ```
/// struct Never { _t: instrack::Tracked<Self> }
/// assert_eq!(instrack::counts::<Never>(), instrack::Counts::default());
/// ```
pub fn counts<T: ?Sized + 'static>() -> Counts {
    imp::counts(std::any::TypeId::of::<T>())
}
