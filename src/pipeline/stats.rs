//! Rate and latency meters and the [`PipelineStats`] snapshot.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::camera::SourceState;

/// Counts events over a sliding window to give a current rate.
#[derive(Debug, Default)]
pub(crate) struct RateMeter {
    ticks: VecDeque<Instant>,
}

const WINDOW: Duration = Duration::from_secs(2);

impl RateMeter {
    pub fn tick(&mut self, at: Instant) {
        self.ticks.push_back(at);
        while self.ticks.len() > 1024
            || self
                .ticks
                .front()
                .is_some_and(|t| at.duration_since(*t) > WINDOW)
        {
            self.ticks.pop_front();
        }
    }

    /// Events per second over the window; 0 if nothing happened for a second.
    pub fn rate(&self, now: Instant) -> f32 {
        match (self.ticks.front(), self.ticks.back()) {
            (Some(first), Some(last))
                if self.ticks.len() >= 2 && now.duration_since(*last) < Duration::from_secs(1) =>
            {
                let span = last.duration_since(*first).as_secs_f32();
                if span > 0.0 {
                    (self.ticks.len() - 1) as f32 / span
                } else {
                    0.0
                }
            }
            _ => 0.0,
        }
    }
}

/// Exponential moving average of durations, in milliseconds.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Ema {
    value: Option<f32>,
}

impl Ema {
    pub fn add(&mut self, d: Duration) {
        let ms = d.as_secs_f32() * 1000.0;
        self.value = Some(match self.value {
            Some(v) => v + 0.1 * (ms - v),
            None => ms,
        });
    }

    pub fn ms(&self) -> f32 {
        self.value.unwrap_or(0.0)
    }
}

/// Statistics of one analysis stage.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalyzerStats {
    /// Name given at registration.
    pub name: String,
    /// Results per second.
    pub fps: f32,
    /// Frames analysed.
    pub analyzed: u64,
    /// Frames replaced in the stage's inbox before it got to them (newest-frame-wins).
    pub skipped: u64,
    /// Average time inside `analyze`, ms.
    pub busy_ms: f32,
    /// Average capture-to-result latency, ms.
    pub latency_ms: f32,
    /// Analyses that panicked (the stage keeps running).
    pub panics: u64,
}

/// A snapshot of the pipeline's health.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineStats {
    /// Source connection state.
    pub source_state: SourceState,
    /// Source description.
    pub source: String,
    /// Frames received from the source.
    pub frames_captured: u64,
    /// Measured capture rate.
    pub capture_fps: f32,
    /// Size of the last full-resolution frame.
    pub frame_size: (u32, u32),
    /// Average preview + proxy preparation time (preparation thread), ms.
    pub prep_ms: f32,
    /// Frames replaced before the preparation thread got to them.
    pub prep_dropped: u64,
    /// Average capture-to-consumer latency of previews, ms.
    pub preview_latency_ms: f32,
    /// Previews replaced before the consumer took them.
    pub previews_dropped: u64,
    /// Per analysis stage.
    pub analyzers: Vec<AnalyzerStats>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_meter_measures_and_goes_stale() {
        let t0 = Instant::now();
        let mut m = RateMeter::default();
        for i in 0..31 {
            m.tick(t0 + Duration::from_millis(i * 33));
        }
        let now = t0 + Duration::from_millis(1000);
        assert!((m.rate(now) - 30.3).abs() < 0.5, "{}", m.rate(now));
        assert_eq!(m.rate(now + Duration::from_secs(2)), 0.0);
        // Only the last two seconds count.
        let mut m = RateMeter::default();
        for i in 0..100 {
            m.tick(t0 + Duration::from_millis(i * 100));
        }
        assert!((m.rate(t0 + Duration::from_millis(9_950)) - 10.0).abs() < 0.3);
    }

    #[test]
    fn ema_converges() {
        let mut e = Ema::default();
        assert_eq!(e.ms(), 0.0);
        e.add(Duration::from_millis(10));
        assert!((e.ms() - 10.0).abs() < 1e-3);
        for _ in 0..100 {
            e.add(Duration::from_millis(20));
        }
        assert!((e.ms() - 20.0).abs() < 0.1);
    }
}
