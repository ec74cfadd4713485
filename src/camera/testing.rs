//! Test support: a scriptable fault-injecting source. Not part of the product API.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use image::{Rgb, RgbImage};

use super::{CameraError, Frame, FrameSource, SourceKind};

/// One scripted behaviour of a [`FaultySource`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Deliver this many frames at the configured rate.
    Frames(u32),
    /// The next read fails with a driver error.
    ReadError,
    /// Deliver nothing (reads time out) for this long.
    Stall(Duration),
    /// The device disappears: the next read fails, then this many `open` calls fail.
    Unplug {
        /// Failed reopen attempts before the device is back.
        failed_opens: u32,
    },
}

/// Counters shared with the test.
#[derive(Debug, Default)]
pub struct FaultyCounters {
    /// Successful opens.
    pub opens: AtomicU32,
    /// Failed opens.
    pub failed_opens: AtomicU32,
    /// Frames delivered.
    pub frames: AtomicU64,
}

/// A source that follows a script of faults and then delivers frames forever.
pub struct FaultySource {
    script: VecDeque<Fault>,
    width: u32,
    height: u32,
    period: Duration,
    pending_failed_opens: u32,
    stall_until: Option<Instant>,
    next_due: Instant,
    open: bool,
    seq: u64,
    counters: Arc<FaultyCounters>,
}

impl FaultySource {
    /// A `width`×`height` live source at `fps` following `script`.
    pub fn new(width: u32, height: u32, fps: u32, script: Vec<Fault>) -> Self {
        Self {
            script: script.into(),
            width,
            height,
            period: Duration::from_secs_f64(1.0 / f64::from(fps.max(1))),
            pending_failed_opens: 0,
            stall_until: None,
            next_due: Instant::now(),
            open: false,
            seq: 0,
            counters: Arc::default(),
        }
    }

    /// Counters readable while the source runs elsewhere.
    pub fn counters(&self) -> Arc<FaultyCounters> {
        Arc::clone(&self.counters)
    }

    fn frame(&mut self) -> Frame {
        let v = (self.seq % 200) as u8 + 30;
        let f = Frame::new(
            self.seq,
            RgbImage::from_pixel(self.width, self.height, Rgb([v, 100, 200])),
        );
        self.seq += 1;
        self.counters.frames.fetch_add(1, Ordering::Relaxed);
        f
    }

    fn paced_frame(&mut self, timeout: Duration) -> Option<Frame> {
        let now = Instant::now();
        if self.next_due > now + timeout {
            std::thread::sleep(timeout);
            return None;
        }
        std::thread::sleep(self.next_due.saturating_duration_since(now));
        self.next_due = (self.next_due + self.period).max(Instant::now());
        Some(self.frame())
    }
}

impl FrameSource for FaultySource {
    fn describe(&self) -> String {
        format!("faulty test source {}×{}", self.width, self.height)
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Live
    }

    fn open(&mut self) -> Result<(), CameraError> {
        if self.pending_failed_opens > 0 {
            self.pending_failed_opens -= 1;
            self.counters.failed_opens.fetch_add(1, Ordering::Relaxed);
            return Err(CameraError::Backend {
                context: "opening the camera",
                message: "No such device (injected)".into(),
            });
        }
        self.counters.opens.fetch_add(1, Ordering::Relaxed);
        self.open = true;
        self.next_due = Instant::now();
        Ok(())
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Option<Frame>, CameraError> {
        if !self.open {
            return Err(CameraError::Closed);
        }
        if let Some(until) = self.stall_until {
            let now = Instant::now();
            if now < until {
                std::thread::sleep(timeout.min(until - now));
                return Ok(None);
            }
            self.stall_until = None;
        }
        match self.script.front().cloned() {
            None => Ok(self.paced_frame(timeout)),
            Some(Fault::Frames(n)) => {
                let f = self.paced_frame(timeout);
                if f.is_some() {
                    self.script.pop_front();
                    if n > 1 {
                        self.script.push_front(Fault::Frames(n - 1));
                    }
                }
                Ok(f)
            }
            Some(Fault::ReadError) => {
                self.script.pop_front();
                Err(CameraError::Backend {
                    context: "reading a frame",
                    message: "VIDIOC_DQBUF: I/O error (injected)".into(),
                })
            }
            Some(Fault::Stall(d)) => {
                self.script.pop_front();
                self.stall_until = Some(Instant::now() + d);
                Ok(None)
            }
            Some(Fault::Unplug { failed_opens }) => {
                self.script.pop_front();
                self.pending_failed_opens = failed_opens;
                Err(CameraError::Disconnected(
                    "device unplugged (injected)".into(),
                ))
            }
        }
    }

    fn close(&mut self) {
        self.open = false;
    }
}
