//! Exponential backoff with jitter for retrying deliveries.

use std::time::Duration;

use rand::Rng;

/// Retry delays: `initial · 2^(n−1)`, capped at `max`, each drawn uniformly from its upper half ("equal
/// jitter") so that several stations that lost the network together do not retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the first retry.
    pub initial: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Backoff {
    /// From `[upload] retry_initial_ms` / `retry_max_ms`.
    pub fn from_ms(initial_ms: u64, max_ms: u64) -> Backoff {
        Backoff {
            initial: Duration::from_millis(initial_ms),
            max: Duration::from_millis(max_ms.max(initial_ms)),
        }
    }

    /// The un-jittered delay after `failures` consecutive failures (1 = first failure).
    pub fn ceiling(&self, failures: u32) -> Duration {
        let shift = failures.saturating_sub(1).min(30);
        self.initial.saturating_mul(1u32 << shift).min(self.max)
    }

    /// A jittered delay in `[ceiling/2, ceiling]`.
    pub fn delay(&self, failures: u32) -> Duration {
        let ceiling = self.ceiling(failures);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_millis() as u64;
        half + Duration::from_millis(rand::thread_rng().gen_range(0..=spread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_caps_and_jitters_within_bounds() {
        let b = Backoff::from_ms(1000, 8000);
        assert_eq!(b.ceiling(1), Duration::from_millis(1000));
        assert_eq!(b.ceiling(3), Duration::from_millis(4000));
        assert_eq!(b.ceiling(40), Duration::from_millis(8000));
        let draws: Vec<Duration> = (0..200).map(|_| b.delay(2)).collect();
        assert!(
            draws
                .iter()
                .all(|d| *d >= Duration::from_millis(1000) && *d <= Duration::from_millis(2000))
        );
        assert!(draws.iter().any(|d| *d != draws[0]), "no jitter");
    }
}
