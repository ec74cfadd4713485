//! Single-slot, newest-wins mailbox: a writer never waits and never queues; an unread value is
//! replaced by a newer one.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

struct Slot<T> {
    value: Option<T>,
    closed: bool,
}

/// A single-slot mailbox shared between threads (wrap it in an `Arc`).
pub struct Mailbox<T> {
    slot: Mutex<Slot<T>>,
    ready: Condvar,
}

impl<T> Default for Mailbox<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Mailbox<T> {
    /// An empty, open mailbox.
    pub fn new() -> Self {
        Self {
            slot: Mutex::new(Slot {
                value: None,
                closed: false,
            }),
            ready: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        // A panic while holding this lock cannot leave the slot inconsistent (plain moves only).
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `value`, replacing (dropping) any unread one. Returns `true` if a value was
    /// replaced, i.e. a frame was dropped. Never blocks beyond a pointer swap.
    pub fn put(&self, value: T) -> bool {
        let replaced = {
            let mut slot = self.lock();
            slot.value.replace(value).is_some()
        };
        self.ready.notify_all();
        replaced
    }

    /// Takes the unread value, if any, without waiting.
    pub fn take(&self) -> Option<T> {
        self.lock().value.take()
    }

    /// Waits up to `timeout` for a value. Returns `None` on timeout or when closed and empty.
    pub fn wait_take(&self, timeout: Duration) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let mut slot = self.lock();
        loop {
            if let Some(v) = slot.value.take() {
                return Some(v);
            }
            if slot.closed {
                return None;
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            slot = self
                .ready
                .wait_timeout(slot, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Closes the mailbox: waiters wake up; later `put`s are still accepted but nobody waits.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn newest_value_wins_and_replacement_is_reported() {
        let m = Mailbox::new();
        assert!(!m.put(1));
        assert!(m.put(2));
        assert_eq!(m.take(), Some(2));
        assert_eq!(m.take(), None);
    }

    #[test]
    fn wait_take_wakes_on_put_and_on_close() {
        let m = Arc::new(Mailbox::new());
        let m2 = Arc::clone(&m);
        let t = std::thread::spawn(move || m2.wait_take(Duration::from_secs(5)));
        std::thread::sleep(Duration::from_millis(20));
        m.put(7u32);
        assert_eq!(t.join().unwrap(), Some(7));

        let m3 = Arc::clone(&m);
        let t = std::thread::spawn(move || m3.wait_take(Duration::from_secs(5)));
        std::thread::sleep(Duration::from_millis(20));
        m.close();
        assert_eq!(t.join().unwrap(), None);
        assert!(m.is_closed());
    }

    #[test]
    fn wait_take_times_out() {
        let m: Mailbox<u8> = Mailbox::new();
        let t0 = Instant::now();
        assert_eq!(m.wait_take(Duration::from_millis(30)), None);
        assert!(t0.elapsed() >= Duration::from_millis(30));
    }
}
