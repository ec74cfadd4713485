//! Auto-capture: shoot by itself once every live check has stayed green for a while and a code is bound.

use std::time::{Duration, Instant};

/// Tracks how long the live checks have been green.
#[derive(Debug, Clone)]
pub struct AutoCapture {
    hold: Duration,
    green_since: Option<Instant>,
}

impl AutoCapture {
    /// Fires after `hold` of uninterrupted green.
    pub fn new(hold: Duration) -> AutoCapture {
        AutoCapture {
            hold,
            green_since: None,
        }
    }

    /// The hold time.
    pub fn hold(&self) -> Duration {
        self.hold
    }

    /// Feeds one live result. `ready` is true when a shot may be taken now (a student with a bound code, no
    /// shot pending); `green` when every live check passes. True means: shoot now (once; the timer restarts).
    pub fn update(&mut self, now: Instant, ready: bool, green: bool) -> bool {
        if !(ready && green) {
            self.green_since = None;
            return false;
        }
        let since = *self.green_since.get_or_insert(now);
        if now.saturating_duration_since(since) >= self.hold {
            self.green_since = None;
            return true;
        }
        false
    }

    /// Share of the hold already green (0–1), for a progress ring.
    pub fn progress(&self, now: Instant) -> f32 {
        match self.green_since {
            Some(s) if !self.hold.is_zero() => {
                (now.saturating_duration_since(s).as_secs_f32() / self.hold.as_secs_f32()).min(1.0)
            }
            Some(_) => 1.0,
            None => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_once_after_an_unbroken_hold() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut a = AutoCapture::new(Duration::from_millis(600));
        assert!(!a.update(ms(0), true, true));
        assert!(!a.update(ms(400), true, true));
        // A red frame restarts the hold.
        assert!(!a.update(ms(450), true, false));
        assert!(!a.update(ms(500), true, true));
        assert!(!a.update(ms(1000), true, true));
        assert!(a.update(ms(1100), true, true));
        // Not twice in a row.
        assert!(!a.update(ms(1150), true, true));
        // Without a bound code nothing fires.
        let mut b = AutoCapture::new(Duration::from_millis(600));
        assert!(!b.update(ms(0), false, true));
        assert!(!b.update(ms(5000), false, true));
        assert_eq!(b.progress(ms(5000)), 0.0);
    }
}
