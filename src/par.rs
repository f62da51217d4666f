//! Work spread over the machine's cores, results in input order: scenarios are independent
//! from loading to rendering, so a folder of them is checked and rendered in parallel and the
//! output is the same as one after another.
//!
//! The threads are one pool for the whole run, started by [`warm`] before anything else: a
//! thread started only when work comes may wait milliseconds for a core, which on a small
//! run costs more than the thread saves.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Starts the pool's threads now, so that they run by the time the first scenario is read.
pub fn warm() {
    pool();
}

/// The run's helper threads, one per core but the caller's (which works too); none on one
/// core, or when they cannot be started (the caller then does all the work).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let helpers = cores.checked_sub(1).filter(|&n| n > 0)?;
        rayon::ThreadPoolBuilder::new()
            .num_threads(helpers)
            .build()
            .ok()
    })
    .as_ref()
}

/// `f` applied to every item, on up to one thread per core; the results are in item order.
/// Each thread takes the next item not yet taken, so one large item does not hold up a share
/// of small ones. A panic in `f` is resumed on the caller's thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let Some(pool) = pool().filter(|_| items.len() > 1) else {
        return items.iter().map(f).collect();
    };
    let threads = (pool.current_num_threads() + 1).min(items.len());
    let next = AtomicUsize::new(0);
    let all = Mutex::new(Vec::with_capacity(items.len()));
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            done.push((i, f(item)));
        }
        all.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(done);
    };
    // The caller works in place, beside the helpers.
    pool.in_place_scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|_| work());
        }
        work();
    });
    let mut all = all.into_inner().unwrap_or_else(PoisonError::into_inner);
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_items() {
        for n in [0, 1, 2, 3, 7, 64, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let seen = super::map(&items, |i| i * 3);
            assert_eq!(
                seen,
                items.iter().map(|i| i * 3).collect::<Vec<_>>(),
                "{n} items"
            );
        }
    }

    #[test]
    fn a_panic_reaches_the_caller() {
        let items: Vec<usize> = (0..16).collect();
        let caught = std::panic::catch_unwind(|| {
            super::map(&items, |&i| {
                assert!(i != 13, "thirteen");
                i
            })
        });
        assert!(caught.is_err());
    }
}
