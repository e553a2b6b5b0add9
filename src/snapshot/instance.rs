//! One live tracked [`Instance`]: what was recorded when it was made, and its
//! `Debug` text, formatted from the live value on first request.
//!
//! The one call up the layers: [`Instance::debug`] asks the registry
//! (`imp::debug_text_of`) to format the value it points to, so that a
//! snapshot formats only what is printed and keeps no value alive.

use crate::site::Site;
use crate::text::{Age, Escaped};
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// One live tracked instance: what was recorded when it was made.
///
/// # Examples
/// ```
/// struct Upload { _t: instrack::Tracked<Self> }
///
/// let upload = Upload { _t: instrack::track!() }; let made_at = line!();
/// let snap = instrack::snapshot().narrow("Upload");
/// if let Some(i) = snap.instances().next() {
///     assert_eq!(Some(i.id()), upload._t.id());
///     assert_eq!((i.file(), i.line()), (file!(), made_at));
///     assert!(i.type_name().ends_with("::Upload"));
///     println!("{i}"); // #12  src/main.rs:4  thread main  age 35µs
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Instance {
    pub(crate) id: u64,
    /// Its type's dense index in the registry, as `TypeCounts::index`.
    pub(crate) type_index: u32,
    pub(crate) type_name: &'static str,
    pub(crate) site: &'static Site,
    pub(crate) thread: Arc<str>,
    pub(crate) age: Duration,
    /// Where the value is registered, to format it when asked: never a
    /// strong reference, so a snapshot keeps no value alive.
    pub(crate) value: Option<crate::imp::ValueRef>,
    /// Its `Debug` text, formatted on first request.
    pub(crate) debug: OnceLock<Option<Box<str>>>,
    pub(crate) clone_of: Option<u64>,
    /// Captured when it was made, if backtraces were on (not yet resolved).
    pub(crate) backtrace: Option<Arc<std::backtrace::Backtrace>>,
    /// The tokio task that made it (feature `tokio`).
    pub(crate) task: Option<crate::TaskId>,
}

impl Instance {
    /// The instance's id: unique in the process, never reused.
    pub fn id(&self) -> u64 {
        self.id
    }
    /// The type's name, as [`std::any::type_name`] spells it.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
    /// The module that made the instance; empty for instances made through
    /// [`Tracked::default`](crate::Tracked::default), which knows only file and line.
    pub fn module_path(&self) -> &'static str {
        self.site.module_path
    }
    /// The source file that made the instance.
    pub fn file(&self) -> &'static str {
        self.site.file
    }
    /// The line in [`file`](Self::file) that made the instance.
    pub fn line(&self) -> u32 {
        self.site.line
    }
    /// For an instance made by cloning a tracked value, the id of the
    /// original; its [`file`](Self::file) and [`line`](Self::line) are the
    /// original's creation site. `None` for other instances.
    ///
    /// # Examples
    /// ```
    /// #[derive(Clone)]
    /// struct Doc { _t: instrack::Tracked<Self> }
    ///
    /// let original = Doc { _t: instrack::track!() };
    /// let copy = original.clone();
    /// let snap = instrack::snapshot().narrow("Doc");
    /// if let Some(i) = snap.instances().find(|i| Some(i.id()) == copy._t.id()) {
    ///     assert_eq!(i.clone_of(), original._t.id());
    /// }
    /// ```
    pub fn clone_of(&self) -> Option<u64> {
        self.clone_of
    }
    /// The backtrace captured when the instance was made, if its thread
    /// captured backtraces then (see [`capture_backtraces`](crate::capture_backtraces)).
    /// Its symbols are resolved when it is first formatted.
    ///
    /// # Examples
    /// ```
    /// struct Blob { _t: instrack::Tracked<Self> }
    ///
    /// let plain = Blob { _t: instrack::track!() };
    /// let snap = instrack::snapshot().narrow("Blob");
    /// assert!(snap.instances().all(|i| i.backtrace().is_none())); // off by default
    /// # drop(plain);
    /// ```
    pub fn backtrace(&self) -> Option<&std::backtrace::Backtrace> {
        self.backtrace.as_deref()
    }
    /// The first frames of [`backtrace`](Self::backtrace) outside std and
    /// instrack, as reports print them; resolves its symbols.
    ///
    /// # Examples
    /// ```
    /// struct Blob { _t: instrack::Tracked<Self> }
    ///
    /// instrack::capture_backtraces(true);
    /// let blob = Blob { _t: instrack::track!() };
    /// instrack::capture_backtraces(false);
    /// for i in instrack::snapshot().narrow("Blob").instances() {
    ///     println!("{}", i.short_backtrace().unwrap());
    /// }
    /// # drop(blob);
    /// ```
    pub fn short_backtrace(&self) -> Option<crate::ShortBacktrace> {
        self.backtrace.as_deref().map(crate::backtraces::short)
    }
    /// The thread that made the instance: its name, else `#5` for the
    /// unnamed thread whose `ThreadId` is 5 (reports read `thread #5`).
    pub fn thread(&self) -> &str {
        &self.thread
    }
    /// The tokio task that made the instance (feature `tokio`), as
    /// `tokio::task::try_id()` gave it then; `None` outside a task (and
    /// always without the feature, but for snapshots read back from a file
    /// that recorded tasks). Reports print it as `task 17` beside the thread.
    ///
    /// # Examples
    /// ```
    /// # #[cfg(feature = "tokio")] {
    /// struct Job { _t: instrack::Tracked<Self> }
    ///
    /// let runtime = tokio::runtime::Builder::new_multi_thread().build().unwrap();
    /// let (job, made_in) = runtime.block_on(async {
    ///     tokio::spawn(async { (Job { _t: instrack::track!() }, tokio::task::id()) }).await.unwrap()
    /// });
    /// let snap = instrack::snapshot().narrow("Job");
    /// if instrack::ENABLED {
    ///     let instance = snap.instances().next().unwrap();
    ///     assert_eq!(instance.task(), Some(made_in.into()));
    ///     assert_eq!(instance.task().unwrap().to_string(), made_in.to_string());
    /// }
    /// # drop(job);
    /// # }
    /// ```
    pub fn task(&self) -> Option<crate::TaskId> {
        self.task
    }
    /// How old the instance was when the snapshot was taken.
    pub fn age(&self) -> Duration {
        self.age
    }
    /// The instance's `Debug` text, for instances tracked through `Arc` or
    /// `Rc` (`track!(&value)`) whose type implements `Debug`: on one line
    /// (control characters escaped), at most 200 characters, a closing `…`
    /// included when cut (a longer text shows the value's top level, what is
    /// nested elided as `…`). A `Debug` that panicked gives
    /// `<Debug panicked: message>`, within the same 200 characters.
    ///
    /// Formatted on the first call, from the live value: snapshots and
    /// reports run `Debug` only for the values they print or a program asks
    /// for, and a snapshot keeps no value alive. `None` for `Tracked` fields,
    /// for a value dropped since the snapshot was taken, and for an `Rc` asked
    /// about on another thread than the one that tracked it.
    ///
    /// # Panics
    /// Only if the value's `Drop` panics, when this call held its last
    /// strong reference (its last other owner let go meanwhile); a panic of
    /// `Debug` is caught and shown as above.
    ///
    /// # Locking behaviour
    /// Runs the value's `Debug` (and, if this call ends up holding its last
    /// strong reference, its `Drop`) with no lock held: none of instrack's,
    /// and not this instance's cell either, so a `Debug` may wait for other
    /// threads.
    ///
    /// # Examples
    /// ```
    /// use std::sync::{Arc, OnceLock};
    ///
    /// #[derive(Debug)]
    /// struct Config { name: &'static str }
    ///
    /// let config = Arc::new(Config { name: "prod" });
    /// instrack::track!(&config);
    /// let snap = instrack::snapshot().narrow("Config");
    /// if let Some(instance) = snap.instances().next() {
    ///     assert_eq!(instance.debug(), Some(r#"Config { name: "prod" }"#));
    /// }
    /// drop(config);
    /// ```
    pub fn debug(&self) -> Option<&str> {
        if self.debug.get().is_none() {
            // Formatted with nothing held, not even this cell (as
            // `get_or_init` would hold it): a `Debug` that asks for the same
            // text, or waits for a thread that does, cannot deadlock. Two
            // threads asking at once may both format it; the first text is kept.
            let text = self.value.as_ref().and_then(crate::imp::debug_text_of).map(String::into_boxed_str);
            let _ = self.debug.set(text);
        }
        self.debug.get().and_then(Option::as_deref)
    }
}

/// Instances read back from JSON (`json_read/`).
#[cfg(feature = "serde")]
impl Instance {
    /// An instance as a file records it: no live value to format (set
    /// `debug` to the text the file kept), no clone mark, no backtrace, no
    /// task (set those the file kept).
    pub(crate) fn read_back(
        id: u64,
        type_index: u32,
        type_name: &'static str,
        site: &'static Site,
        thread: Arc<str>,
        age: Duration,
    ) -> Instance {
        Instance {
            id,
            type_index,
            type_name,
            site,
            thread,
            age,
            value: None,
            debug: OnceLock::new(),
            clone_of: None,
            backtrace: None,
            task: None,
        }
    }
}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{}  {}:{}  thread {}{}  age {}",
            self.id,
            Escaped(self.site.file),
            self.site.line,
            Escaped(&self.thread),
            InTask(self.task),
            Age(self.age)
        )?;
        match self.clone_of {
            Some(original) => write!(f, "  clone of #{original}"),
            None => Ok(()),
        }
    }
}

/// `  task 17` after an instance's thread, or nothing when it was made
/// outside a task: the reports' and `Instance`'s `Display`.
pub(crate) struct InTask(pub(crate) Option<crate::TaskId>);

impl fmt::Display for InTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(task) => write!(f, "  task {task}"),
            None => Ok(()),
        }
    }
}
