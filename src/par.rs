//! Work spread over the machine's cores, results in input order: scenarios are independent
//! from loading to rendering, so a folder of them is checked and rendered in parallel and the
//! output is the same as one after another.
//!
//! The threads are one pool for the whole run, started by [`warm`] before anything else: a
//! thread started only when work comes may wait milliseconds for a core, which on a small
//! run costs more than the thread saves.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Starts the pool's threads now, so that they run by the time the first scenario is read.
pub fn warm() {
    rayon::spawn(|| {});
}

/// `f` applied to every item, on up to one thread per core; the results are in item order.
/// Each thread takes the next item not yet taken, so one large item does not hold up a share
/// of small ones. A panic in `f` is resumed on the caller's thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = rayon::current_num_threads().min(items.len());
    if threads < 2 {
        return items.iter().map(f).collect();
    }
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
    rayon::scope(|scope| {
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
