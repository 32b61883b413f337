//! Worker threads: take the process at the head of the global queue, apply
//! a pending kill, run one slice, and put the process where the slice's end
//! says — the queue tail, the parked set, or closed.
//!
//! All runnable processes share one FIFO queue (crossbeam's `Injector`)
//! and every preempted process goes to its tail, so with R runnable
//! processes and N workers a process waits about ⌈R/N⌉ slices at most.
//! An idle worker parks (crossbeam `Parker`) until a spawn or wake unparks
//! it; in deterministic mode it first moves the virtual clock to the next
//! timer.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_deque::Steal;
use crossbeam_utils::sync::Parker;

use super::{EXITED, PARKED, RUNNABLE, RUNNING, SUSPENDED, Shared, Slot, lock};
use crate::exit::ExitReason;
use crate::process::SliceEnd;

/// Starts `shared.config.workers` workers.
pub(crate) fn start_workers(shared: &Arc<Shared>) -> Vec<JoinHandle<()>> {
    (0..shared.config.workers.max(1))
        .filter_map(|i| {
            let parker = Parker::new();
            lock(&shared.unparkers).push(parker.unparker().clone());
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("wisp-worker-{i}"))
                .spawn(move || work(&shared, &parker, i))
                .ok()
        })
        .collect()
}

fn work(shared: &Arc<Shared>, parker: &Parker, index: usize) {
    loop {
        if shared.stopping.load(Ordering::SeqCst)
            && shared.counters.live.load(Ordering::SeqCst) == 0
        {
            return;
        }
        if shared.paused.load(Ordering::SeqCst) && !shared.stopping.load(Ordering::SeqCst) {
            parker.park_timeout(Duration::from_millis(50));
            continue;
        }
        match shared.injector.steal() {
            Steal::Success(slot) => {
                let began = std::time::Instant::now();
                run(shared, &slot);
                if let Some(busy) = shared.counters.busy_ns.get(index) {
                    let ns = u64::try_from(began.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    busy.fetch_add(ns, Ordering::Relaxed);
                }
            }
            Steal::Retry => {}
            Steal::Empty => {
                if !shared.timers.advance() {
                    parker.park_timeout(Duration::from_millis(50));
                }
            }
        }
    }
}

/// Runs one slice of `slot`.
fn run(shared: &Arc<Shared>, slot: &Arc<Slot>) {
    if slot
        .state
        .compare_exchange(RUNNABLE, RUNNING, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return;
    }
    let mut process = lock(&slot.process);
    if process.is_none() {
        slot.state.store(EXITED, Ordering::SeqCst);
        return;
    }
    if let Some(reason) = lock(&slot.kill).take() {
        shared.close(slot, &mut process, reason, None);
        return;
    }
    let Some(p) = process.as_mut() else {
        return;
    };
    let before = p.fuel_used;
    let end = catch_unwind(AssertUnwindSafe(|| p.run_slice(shared.config.slice_fuel)))
        .unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a host function panicked".into());
            SliceEnd::Exit(
                ExitReason::HostError {
                    message: format!("a host function panicked: {message}"),
                },
                None,
            )
        });
    slot.fuel_used.store(p.fuel_used, Ordering::SeqCst);
    slot.slices.store(p.slices, Ordering::SeqCst);
    shared
        .counters
        .fuel
        .fetch_add(p.fuel_used.saturating_sub(before), Ordering::Relaxed);
    shared.counters.slices.fetch_add(1, Ordering::Relaxed);
    // An output limit in `Fail` mode ends the process whatever the slice
    // did after it; a kill ends it unless it already ended by itself.
    let end = match (slot.log.limit_hit(), end) {
        (Some(stream), _) => SliceEnd::Exit(
            ExitReason::OutputLimit {
                stream,
                limit: slot.log.limit(),
            },
            None,
        ),
        (None, end @ SliceEnd::Exit(..)) => end,
        (None, end) => match lock(&slot.kill).take() {
            Some(reason) => SliceEnd::Exit(reason, None),
            None => end,
        },
    };
    match end {
        // `suspend` asked while it ran: it stops here, its call kept (a
        // waiting call is retried on resume).
        SliceEnd::Preempted | SliceEnd::Park(_) if slot.suspend.load(Ordering::SeqCst) => {
            slot.state.store(SUSPENDED, Ordering::SeqCst);
            drop(process);
            if lock(&slot.kill).is_some() {
                shared.kill(slot, crate::sched::killed("killed while suspended"));
            }
        }
        SliceEnd::Preempted => {
            slot.state.store(RUNNABLE, Ordering::SeqCst);
            drop(process);
            shared.enqueue(slot.clone());
        }
        SliceEnd::Park(park) => {
            let token = slot.park_token.fetch_add(1, Ordering::SeqCst) + 1;
            slot.state.store(PARKED, Ordering::SeqCst);
            shared.park(slot, token, &park);
            drop(process);
            // A kill that arrived while the slice ran found it running.
            if lock(&slot.kill).is_some() {
                shared.wake(slot, token);
            }
        }
        SliceEnd::Exit(reason, result) => shared.close(slot, &mut process, reason, result),
    }
}
