//! Values derived from a dataset's tables that more than one rule needs
//! (e.g. each village's wage-payment lag, used by DEA001 and GHO001):
//! computed once, by the first rule that asks, and shared by the others.
//!
//! A rule asking while another computes the value waits for it, unless it
//! runs as a rayon task (the tuner): a rayon worker waiting inside polars
//! runs other tasks meanwhile, so the task computing the value may be under
//! it on its own stack, and waiting would never end. Such a rule computes
//! the value itself (the same value; only the work is repeated).
//!
//! A value may ask for another while it is made (the wage lag asks for the
//! ledger's lines to hires), but never in a cycle: two plain rule threads
//! each making one value of a cycle would wait for each other for ever.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};

type Value = Arc<dyn Any + Send + Sync>;

enum Slot {
    Busy,
    Ready(Value),
}

#[derive(Default)]
pub struct Derived {
    slots: Mutex<HashMap<TypeId, Slot>>,
    ready: Condvar,
}

impl Derived {
    /// The value of type `T`, made by `make` the first time it is asked for.
    /// One value per type: wrap it in a type of its own.
    pub fn get<T: Any + Send + Sync>(&self, make: impl FnOnce() -> T) -> Arc<T> {
        let key = TypeId::of::<T>();
        let cast = |v: &Value| {
            v.clone()
                .downcast::<T>()
                .unwrap_or_else(|_| unreachable!("one slot per type"))
        };
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match slots.get(&key) {
                Some(Slot::Ready(v)) => return cast(v),
                Some(Slot::Busy) if rayon::current_thread_index().is_some() => {
                    drop(slots);
                    return Arc::new(make());
                }
                Some(Slot::Busy) => {
                    slots = self.ready.wait(slots).unwrap_or_else(|e| e.into_inner());
                }
                None => break,
            }
        }
        slots.insert(key, Slot::Busy);
        drop(slots);
        // Should `make` panic, the slot is freed so that waiters do not hang.
        struct Free<'a>(&'a Derived, TypeId, bool);
        impl Drop for Free<'_> {
            fn drop(&mut self) {
                if !self.2 {
                    let mut slots = self.0.slots.lock().unwrap_or_else(|e| e.into_inner());
                    slots.remove(&self.1);
                    self.0.ready.notify_all();
                }
            }
        }
        let mut guard = Free(self, key, false);
        let value: Value = Arc::new(make());
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.insert(key, Slot::Ready(value.clone()));
        guard.2 = true;
        self.ready.notify_all();
        cast(&value)
    }

    /// Forget the values made so far (those being made stay), so that the
    /// next rule to ask pays for them again: `bench` runs each rule alone
    /// this way, so that a rule's own time includes what it shares.
    pub fn clear(&self) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.retain(|_, s| matches!(s, Slot::Busy));
    }
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_value_is_made_once_and_shared_across_threads() {
        let d = Derived::default();
        let made = AtomicUsize::new(0);
        #[derive(Debug, PartialEq)]
        struct Lag(i32);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let v = d.get(|| {
                        made.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        Lag(7)
                    });
                    assert_eq!(*v, Lag(7));
                });
            }
        });
        assert_eq!(made.load(Ordering::SeqCst), 1);
        // Another type has a slot of its own.
        assert_eq!(*d.get(|| 5u8), 5);
        assert_eq!(*d.get(|| 9u8), 5);
        // Cleared, a value is made again.
        d.clear();
        assert_eq!(*d.get(|| 9u8), 9);
    }

    #[test]
    fn inside_rayon_a_busy_value_is_computed_again_not_waited_for() {
        let d = Derived::default();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        // The one worker starts making the value and, inside `make`, runs
        // another task asking for it (as a rayon worker waiting in polars
        // does): that task must not wait for itself.
        let v = pool.install(|| {
            d.get(|| {
                let inner = d.get(|| 2u32);
                *inner + 1
            })
        });
        assert_eq!(*v, 3);
        assert_eq!(*d.get(|| 0u32), 3);
    }
}
