//! Task attribution (feature `tokio`): an instance made inside a tokio task
//! records the task's id, on a multi-thread runtime whose tasks move between
//! worker threads; one made outside a task records none; reports, by-site
//! groups, the JSON and the page show it. Each test uses types of its own.

use instrack::{track, TaskId, Tracked};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::runtime::{Builder, Runtime};

fn runtime() -> Runtime {
    Builder::new_multi_thread().worker_threads(4).thread_name("task-worker").build().expect("a runtime")
}

/// The task running now, as instrack names it.
fn here() -> Option<TaskId> {
    tokio::task::try_id().map(TaskId::from)
}

#[derive(Debug)]
struct TaskJob {
    _t: Tracked<Self>,
}

#[derive(Debug)]
struct TaskShared(#[allow(dead_code)] u32);

#[derive(Debug)]
struct TaskLocal(#[allow(dead_code)] u32);

#[test]
fn a_task_id_reads_as_tokio_prints_it() {
    let rt = runtime();
    let ids = rt.block_on(async {
        let tasks: Vec<_> = (0..200).map(|_| tokio::spawn(async { tokio::task::id() })).collect();
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap());
        }
        ids
    });
    for id in ids {
        let ours = TaskId::from(id);
        assert_eq!(ours.to_string(), id.to_string());
        assert_eq!(ours.as_u64().to_string(), id.to_string());
    }
}

#[test]
fn instances_made_in_tasks_record_their_task_and_no_other() {
    let rt = runtime();
    let outside = TaskJob { _t: track!() };
    // `block_on`'s own future is not a task.
    let (in_block_on, in_block_on_task) = rt.block_on(async { (TaskJob { _t: track!() }, here()) });
    assert_eq!(in_block_on_task, None, "block_on runs no task");
    let made = rt.block_on(async {
        let tasks: Vec<_> = (0..32)
            .map(|n| {
                tokio::spawn(async move {
                    let job = TaskJob { _t: track!() };
                    tokio::task::yield_now().await; // may resume on another worker
                    let shared = Arc::new(TaskShared(n));
                    track!(&shared);
                    // An `Rc` is made, tracked and checked within one poll.
                    let local = Rc::new(TaskLocal(n));
                    track!(&local);
                    let text = format!("{local:?}");
                    let snap = instrack::snapshot().narrow("TaskLocal");
                    let local_task = snap.instances().find(|i| i.debug() == Some(&*text)).map(|i| i.task());
                    drop(local);
                    (tokio::task::id(), job, shared, local_task)
                })
            })
            .collect();
        let mut made = Vec::new();
        for t in tasks {
            made.push(t.await.unwrap());
        }
        made
    });
    let blocking = rt.block_on(rt.spawn_blocking(|| (TaskJob { _t: track!() }, here()))).unwrap();
    let snap = instrack::snapshot().narrow("TaskJob TaskShared");
    if !instrack::ENABLED {
        assert_eq!(snap.instances().count(), 0);
        return;
    }
    let task_of: HashMap<u64, Option<TaskId>> = snap.instances().map(|i| (i.id(), i.task())).collect();
    assert_eq!(task_of[&outside._t.id().unwrap()], None, "made outside the runtime");
    assert_eq!(task_of[&in_block_on._t.id().unwrap()], None, "made in block_on's future");
    assert!(blocking.1.is_some(), "spawn_blocking runs its closure as a task (the README says so)");
    assert_eq!(task_of[&blocking.0._t.id().unwrap()], blocking.1, "spawn_blocking: what try_id said there");
    let mut tasks = std::collections::HashSet::new();
    for (id, job, arc, local_task) in &made {
        let id = Some(TaskId::from(*id));
        assert!(tasks.insert(id), "each task has its own id");
        assert_eq!(task_of[&job._t.id().unwrap()], id, "the Tracked field");
        assert_eq!(local_task, &Some(id), "the Rc, read in its task");
        let arc_instance = snap
            .instances()
            .filter(|i| i.type_name().ends_with("TaskShared"))
            .find(|i| i.debug() == Some(&format!("{:?}", **arc)))
            .expect("the Arc is listed");
        assert_eq!(arc_instance.task(), id, "the Arc");
    }
    drop((outside, in_block_on, made, blocking));
}

/// Tasks on four workers make and drop instances without pause (reusing
/// each other's slots) while threads query: every instance a snapshot
/// shows carries the task that made it, never a slot's previous task.
#[test]
fn a_snapshot_taken_while_tasks_churn_shows_each_instance_with_its_own_task() {
    #[derive(Debug)]
    struct Churned {
        _t: Tracked<Self>,
    }
    let rt = runtime();
    let made: Arc<Mutex<HashMap<u64, TaskId>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let queries: Vec<_> = (0..2)
        .map(|_| {
            let (made, stop) = (made.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut checked = 0;
                while !stop.load(Ordering::Relaxed) {
                    let snap = instrack::snapshot().narrow("Churned");
                    // Registered before made: read the map after the snapshot.
                    let made = made.lock().unwrap();
                    for i in snap.instances() {
                        let task = i.task().expect("every Churned is made in a task");
                        if let Some(&expected) = made.get(&i.id()) {
                            assert_eq!(task, expected, "instance #{} shows another task", i.id());
                            checked += 1;
                        }
                    }
                }
                checked
            })
        })
        .collect();
    rt.block_on(async {
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let made = made.clone();
                tokio::spawn(async move {
                    let me = TaskId::from(tokio::task::id());
                    for _ in 0..300 {
                        let kept: Vec<Churned> = (0..8).map(|_| Churned { _t: track!() }).collect();
                        made.lock().unwrap().extend(kept.iter().filter_map(|c| c._t.id()).map(|id| (id, me)));
                        tokio::task::yield_now().await;
                        drop(kept);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    stop.store(true, Ordering::Relaxed);
    let checked: usize = queries.into_iter().map(|q| q.join().unwrap()).sum();
    if instrack::ENABLED {
        assert_eq!(made.lock().unwrap().len(), 16 * 300 * 8);
        assert!(checked > 0, "the queries saw no instance: the test checked nothing");
    }
}

#[derive(Debug)]
struct ShownJob {
    _t: Tracked<Self>,
}

#[test]
fn reports_by_site_groups_json_and_the_page_show_the_task() {
    let rt = runtime();
    let (jobs, tasks) = rt.block_on(async {
        let mut jobs = Vec::new();
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let (job, id) =
                tokio::spawn(async { (ShownJob { _t: track!() }, TaskId::from(tokio::task::id())) }).await.unwrap();
            jobs.push(job);
            tasks.push(id);
        }
        (jobs, tasks)
    });
    let snap = instrack::snapshot().narrow("ShownJob");
    if !instrack::ENABLED {
        assert!(snap.by_site().groups().next().is_none());
        return;
    }
    let report = snap.to_string();
    for (job, task) in jobs.iter().zip(&tasks) {
        let line = report.lines().find(|l| l.contains(&format!("#{} ", job._t.id().unwrap()))).expect("listed");
        assert!(line.contains(&format!("thread task-worker  task {task}  age ")), "{line}");
    }
    let instance = snap.instances().next().unwrap();
    assert!(instance.to_string().contains(&format!("  task {}  age ", tasks[0])), "{instance}");
    let by_site = snap.by_site();
    let group = by_site.groups().next().unwrap();
    let mut sorted = tasks.clone();
    sorted.sort();
    assert_eq!(group.tasks(), sorted, "each task once, in order");
    assert_eq!(group.outside_tasks(), 0);
    assert!(
        group
            .to_string()
            .contains(&format!("(thread task-worker; 5 tasks: {} {} {} …)", sorted[0], sorted[1], sorted[2])),
        "{group}"
    );
    #[cfg(feature = "serde")]
    {
        let json = instrack::to_json(&snap);
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        let written: Vec<u64> =
            doc["instances"].as_array().unwrap().iter().map(|i| i["task"].as_u64().unwrap()).collect();
        assert_eq!(written, snap.instances().map(|i| i.task().unwrap().as_u64()).collect::<Vec<_>>());
        let back = instrack::Snapshot::from_json(&json).unwrap();
        assert_eq!(back.to_string(), report, "read back, the report is the same");
        assert_eq!(back.by_site().to_string(), by_site.to_string());
    }
    #[cfg(feature = "html")]
    {
        let page = instrack::html::Page::new(snap.clone()).render();
        assert!(page.contains(&format!("thread task-worker · task {}<", tasks[0])), "the instance row");
        assert!(page.contains("×5 · 5 tasks</summary>"), "the site's summary");
    }
    drop(jobs);
}

#[derive(Clone)]
struct ClonedJob {
    _t: Tracked<Self>,
}

/// A clone is a new instance: it names the task that cloned it, and
/// a clone made outside any task names none.
#[test]
fn a_clone_names_the_task_that_made_the_clone() {
    let rt = runtime();
    let (original, made_in) =
        rt.block_on(async { tokio::spawn(async { (ClonedJob { _t: track!() }, here()) }).await.unwrap() });
    let cloner = original.clone();
    let (copy, cloned_in) =
        rt.block_on(async move { tokio::spawn(async move { (cloner.clone(), here()) }).await.unwrap() });
    let outside = original.clone();
    let snap = instrack::snapshot().narrow("ClonedJob");
    if !instrack::ENABLED {
        return;
    }
    let task_of = |job: &ClonedJob| snap.instances().find(|i| Some(i.id()) == job._t.id()).unwrap().task();
    assert!(made_in.is_some() && cloned_in.is_some() && made_in != cloned_in);
    assert_eq!(task_of(&original), made_in);
    assert_eq!(task_of(&copy), cloned_in);
    assert_eq!(task_of(&outside), None);
    let clone_of = |job: &ClonedJob| snap.instances().find(|i| Some(i.id()) == job._t.id()).unwrap().clone_of();
    assert_eq!(clone_of(&outside), original._t.id(), "still marked as a clone");
    assert!(clone_of(&copy).is_some(), "a clone of a clone, marked too");
}

#[derive(Debug)]
struct MixedJob {
    _t: Tracked<Self>,
}

/// One site (a helper called at startup and by a request's task) whose
/// instances were made both outside any task and inside one: the group must
/// not read as if all of them came from that task.
#[test]
fn a_site_used_in_and_outside_tasks_says_how_many_were_made_outside_any_task() {
    fn make() -> MixedJob {
        MixedJob { _t: track!() }
    }
    let rt = runtime();
    let mut jobs: Vec<MixedJob> = (0..4).map(|_| make()).collect();
    let (job, task) = rt.block_on(async { tokio::spawn(async { (make(), here()) }).await.unwrap() });
    jobs.push(job);
    let snap = instrack::snapshot().narrow("MixedJob");
    if !instrack::ENABLED {
        return;
    }
    let task = task.expect("made in a task");
    let by_site = snap.by_site();
    let group = by_site.groups().next().unwrap();
    assert_eq!((group.count(), group.tasks(), group.outside_tasks()), (5, &[task][..], 4));
    assert!(group.to_string().ends_with(&format!("; task {task}, 4 outside any task)")), "{group}");
    #[cfg(feature = "html")]
    {
        let page = instrack::html::Page::new(snap.clone()).render();
        assert!(page.contains(&format!("×5 · task {task} · 4 outside any task</summary>")), "the site's summary");
    }
    drop(jobs);
}

#[derive(Debug)]
struct PlacedJob {
    _t: Tracked<Self>,
}

/// Made by a thread-local's destructor as a worker thread exits.
static MADE_ON_EXIT: Mutex<Vec<PlacedJob>> = Mutex::new(Vec::new());

/// Beyond a multi-thread runtime's spawned tasks: a current-thread
/// runtime's task, a `LocalSet`'s `spawn_local` task (its own root future is
/// no task), `block_in_place` inside a task, `Handle::block_on` inside a
/// `spawn_blocking` closure (that closure's task), and a thread-local's destructor
/// on a worker thread as its runtime shuts down, where no task runs and
/// tokio's own thread-local may be gone (no task recorded, no abort).
#[test]
fn current_thread_local_set_block_in_place_and_an_exiting_worker() {
    let current = Builder::new_current_thread().build().expect("a runtime");
    let (in_current, current_task) =
        current.block_on(async { tokio::spawn(async { (PlacedJob { _t: track!() }, here()) }).await.unwrap() });
    let local = tokio::task::LocalSet::new();
    let (in_local, local_task) = local.block_on(&current, async {
        tokio::task::spawn_local(async { (PlacedJob { _t: track!() }, here()) }).await.unwrap()
    });
    let local_root = local.block_on(&current, async { PlacedJob { _t: track!() } });
    let rt = runtime();
    let (in_place, place_task) = rt.block_on(async {
        tokio::spawn(async { tokio::task::block_in_place(|| (PlacedJob { _t: track!() }, here())) }).await.unwrap()
    });
    // `Handle::block_on` inside a `spawn_blocking` closure: tokio still
    // reports the enclosing task in the future it runs.
    let handle = rt.handle().clone();
    let (nested, nested_task, blocking_task) = rt.block_on(async move {
        tokio::task::spawn_blocking(move || {
            let (job, inner) = handle.block_on(async { (PlacedJob { _t: track!() }, here()) });
            (job, inner, here())
        })
        .await
        .unwrap()
    });

    struct OnExit;
    impl Drop for OnExit {
        fn drop(&mut self) {
            let job = PlacedJob { _t: track!() };
            MADE_ON_EXIT.lock().unwrap_or_else(|e| e.into_inner()).push(job);
        }
    }
    thread_local! {
        static ON_EXIT: std::cell::RefCell<Option<OnExit>> = const { std::cell::RefCell::new(None) };
    }
    let exiting = Builder::new_multi_thread().worker_threads(2).build().expect("a runtime");
    exiting.block_on(async {
        for _ in 0..8 {
            tokio::spawn(async {
                ON_EXIT.with(|k| {
                    k.borrow_mut().get_or_insert_with(|| OnExit);
                })
            })
            .await
            .unwrap();
        }
    });
    drop(exiting); // joins its workers: their thread-locals are destroyed
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while MADE_ON_EXIT.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }

    let snap = instrack::snapshot().narrow("PlacedJob");
    if !instrack::ENABLED {
        assert_eq!(snap.instances().count(), 0);
        return;
    }
    let task_of = |job: &PlacedJob| snap.instances().find(|i| Some(i.id()) == job._t.id()).expect("listed").task();
    assert!(current_task.is_some() && local_task.is_some() && place_task.is_some());
    assert_eq!(task_of(&in_current), current_task, "a current-thread runtime's task");
    assert_eq!(task_of(&in_local), local_task, "a spawn_local task");
    assert_eq!(task_of(&local_root), None, "a LocalSet's own future");
    assert_eq!(task_of(&in_place), place_task, "block_in_place runs in its task");
    assert!(blocking_task.is_some() && nested_task == blocking_task, "{nested_task:?} in {blocking_task:?}");
    assert_eq!(task_of(&nested), blocking_task, "Handle::block_on inside spawn_blocking");
    let on_exit = MADE_ON_EXIT.lock().unwrap();
    assert!(!on_exit.is_empty(), "no worker ran the thread-local's destructor");
    for job in on_exit.iter() {
        assert_eq!(task_of(job), None, "made as a worker exits, in no task");
    }
    drop((in_current, in_local, local_root, in_place, nested));
}
