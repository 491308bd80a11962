//! Runs tasks (image builds) in parallel along their dependency edges within one
//! job budget.
//!
//! Ninja 1.11 (Debian 12) cannot join a shared jobserver, so the budget is
//! divided: a task starts only when at least one job slot is free, and takes
//! `max(1, free / tasks not yet started)` slots, which it hands to its build as
//! its parallelism and gives back when it ends. The slots in use never exceed
//! the budget. Ready tasks start in declaration order, so runs are repeatable.
//!
//! When a task fails, no new task starts unless `keep_going` is set; then only
//! the tasks that depend on the failed one, directly or not, are skipped.
//! Running tasks are always waited for.

use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A unit of work and the tasks that must succeed before it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Name for reports.
    pub name: String,
    /// Indices of the tasks it depends on (each below this list's length).
    pub deps: Vec<usize>,
}

/// How a task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskResult {
    /// It ran and succeeded.
    Succeeded,
    /// It ran and failed.
    Failed,
    /// It did not run because a task it depends on failed or was skipped.
    Skipped {
        /// The dependency that failed or was skipped.
        because: String,
    },
    /// It did not run because the run stopped at a failure (no `keep_going`).
    NotStarted,
}

/// Something the caller may display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Task `task` started with `jobs` job slots.
    Started {
        /// The task.
        task: usize,
        /// Its share of the budget.
        jobs: usize,
    },
    /// Task `task` ended (ran, or was skipped).
    Finished {
        /// The task.
        task: usize,
        /// How.
        result: TaskResult,
        /// How long it ran (zero when it did not run).
        elapsed: Duration,
    },
    /// Nothing changed for a while (lets a live display refresh its timers).
    Tick,
}

enum State {
    Waiting,
    Running { start: Instant, jobs: usize },
    Done(TaskResult, Duration),
}

/// Runs `tasks` with at most `budget` (at least 1) job slots in use. `work(i,
/// jobs)` runs task `i` with `jobs` slots on a worker thread and returns
/// whether it succeeded. `on_event` is called on the calling thread. Returns
/// each task's result and run time, in task order.
pub fn run<W, E>(
    tasks: &[Task],
    budget: usize,
    keep_going: bool,
    work: W,
    mut on_event: E,
) -> Vec<(TaskResult, Duration)>
where
    W: Fn(usize, usize) -> bool + Sync,
    E: FnMut(Event),
{
    let budget = budget.max(1);
    let mut state: Vec<State> = tasks.iter().map(|_| State::Waiting).collect();
    let mut free = budget;
    let mut stopping = false;
    let (tx, rx) = mpsc::channel::<(usize, bool)>();

    std::thread::scope(|scope| {
        loop {
            // Skip tasks whose dependencies can no longer succeed.
            if keep_going {
                loop {
                    let mut changed = false;
                    for i in 0..tasks.len() {
                        if !matches!(state[i], State::Waiting) {
                            continue;
                        }
                        let blocked = tasks[i].deps.iter().find(|&&d| {
                            matches!(&state[d], State::Done(r, _) if *r != TaskResult::Succeeded)
                        });
                        if let Some(&d) = blocked {
                            let result = TaskResult::Skipped {
                                because: tasks[d].name.clone(),
                            };
                            state[i] = State::Done(result.clone(), Duration::ZERO);
                            on_event(Event::Finished {
                                task: i,
                                result,
                                elapsed: Duration::ZERO,
                            });
                            changed = true;
                        }
                    }
                    if !changed {
                        break;
                    }
                }
            }
            if !stopping {
                let mut unstarted = state.iter().filter(|s| matches!(s, State::Waiting)).count();
                for i in 0..tasks.len() {
                    if free == 0 {
                        break;
                    }
                    let ready = matches!(state[i], State::Waiting)
                        && tasks[i]
                            .deps
                            .iter()
                            .all(|&d| matches!(&state[d], State::Done(TaskResult::Succeeded, _)));
                    if !ready {
                        continue;
                    }
                    let jobs = (free / unstarted.max(1)).clamp(1, free);
                    free -= jobs;
                    unstarted -= 1;
                    state[i] = State::Running {
                        start: Instant::now(),
                        jobs,
                    };
                    on_event(Event::Started { task: i, jobs });
                    let tx = tx.clone();
                    let work = &work;
                    scope.spawn(move || {
                        let ok = work(i, jobs);
                        let _ = tx.send((i, ok));
                    });
                }
            }
            if !state.iter().any(|s| matches!(s, State::Running { .. })) {
                break;
            }
            match rx.recv_timeout(Duration::from_millis(250)) {
                Ok((i, ok)) => {
                    let State::Running { start, jobs } = state[i] else {
                        continue;
                    };
                    free += jobs;
                    let elapsed = start.elapsed();
                    let result = if ok {
                        TaskResult::Succeeded
                    } else {
                        stopping |= !keep_going;
                        TaskResult::Failed
                    };
                    state[i] = State::Done(result.clone(), elapsed);
                    on_event(Event::Finished {
                        task: i,
                        result,
                        elapsed,
                    });
                }
                Err(mpsc::RecvTimeoutError::Timeout) => on_event(Event::Tick),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
    });
    state
        .into_iter()
        .map(|s| match s {
            State::Done(r, d) => (r, d),
            _ => (TaskResult::NotStarted, Duration::ZERO),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    fn tasks(deps: &[&[usize]]) -> Vec<Task> {
        deps.iter()
            .enumerate()
            .map(|(i, d)| Task {
                name: format!("t{i}"),
                deps: d.to_vec(),
            })
            .collect()
    }

    #[test]
    fn dependencies_finish_before_dependents_start() {
        let t = tasks(&[&[1], &[], &[0, 1]]);
        let log = Mutex::new(Vec::new());
        let results = run(
            &t,
            4,
            false,
            |i, _| {
                log.lock().unwrap().push(i);
                true
            },
            |_| {},
        );
        assert!(results.iter().all(|(r, _)| *r == TaskResult::Succeeded));
        assert_eq!(*log.lock().unwrap(), [1, 0, 2]);
    }

    #[test]
    fn failure_stops_new_work_without_keep_going() {
        let t = tasks(&[&[], &[0], &[1]]);
        let results = run(&t, 1, false, |i, _| i != 0, |_| {});
        assert_eq!(results[0].0, TaskResult::Failed);
        assert_eq!(results[1].0, TaskResult::NotStarted);
        assert_eq!(results[2].0, TaskResult::NotStarted);
    }

    #[test]
    fn keep_going_skips_only_dependents() {
        // 0 fails; 1 depends on 0; 2 depends on 1; 3 is independent.
        let t = tasks(&[&[], &[0], &[1], &[]]);
        let results = run(&t, 1, true, |i, _| i != 0, |_| {});
        assert_eq!(results[0].0, TaskResult::Failed);
        assert_eq!(
            results[1].0,
            TaskResult::Skipped {
                because: "t0".into()
            }
        );
        assert_eq!(
            results[2].0,
            TaskResult::Skipped {
                because: "t1".into()
            }
        );
        assert_eq!(results[3].0, TaskResult::Succeeded);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn budget_is_never_exceeded_and_order_is_respected(
            budget in 1usize..5,
            raw in proptest::collection::vec(proptest::collection::vec(0usize..8, 0..3), 1..8),
            failing in proptest::collection::vec(any::<bool>(), 8),
            keep_going in any::<bool>(),
        ) {
            // Dependencies only on earlier tasks: acyclic by construction.
            let t: Vec<Task> = raw.iter().enumerate().map(|(i, d)| Task {
                name: format!("t{i}"),
                deps: d.iter().filter(|&&x| x < i).copied().collect(),
            }).collect();
            let in_use = AtomicUsize::new(0);
            let peak = AtomicUsize::new(0);
            let done = Mutex::new(Vec::new());
            let results = run(&t, budget, keep_going, |i, jobs| {
                let now = in_use.fetch_add(jobs, Ordering::SeqCst) + jobs;
                peak.fetch_max(now, Ordering::SeqCst);
                for &d in &t[i].deps {
                    assert!(done.lock().unwrap().contains(&d), "dependency not done");
                }
                std::thread::sleep(Duration::from_millis(1));
                in_use.fetch_sub(jobs, Ordering::SeqCst);
                done.lock().unwrap().push(i);
                !failing[i]
            }, |_| {});
            prop_assert!(peak.load(Ordering::SeqCst) <= budget);
            for (i, (r, _)) in results.iter().enumerate() {
                match r {
                    TaskResult::Succeeded => prop_assert!(!failing[i]),
                    TaskResult::Failed => prop_assert!(failing[i]),
                    TaskResult::Skipped { .. } => prop_assert!(keep_going),
                    TaskResult::NotStarted => prop_assert!(!keep_going),
                }
            }
            if !results.iter().any(|(r, _)| *r == TaskResult::Failed) {
                prop_assert!(results.iter().all(|(r, _)| *r == TaskResult::Succeeded));
            }
        }
    }
}
