//! The live scanner worker: takes camera frames newest-wins, decodes at a bounded rate off
//! the caller's thread, remembers where the last code was, validates and debounces, and
//! reports [`CodeEvent`]s on a channel. Keyboard-wedge scans go through the same
//! validation and debounce.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use image::RgbImage;

use super::decode::{DecodeOptions, Decoder, RoiHint, gray_from_rgb};
use super::payload::{CodeSettings, PayloadPolicy, SettingsError, Text, log_digest, short_form};

/// Where a scan came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanSource {
    Camera,
    Wedge,
}

/// What the scanner reports.
#[derive(Clone, Debug, PartialEq)]
pub enum CodeEvent {
    /// A valid collection code was read.
    Scanned {
        /// The opaque payload (never log it; log `digest_hint`).
        payload: String,
        /// Short keyed digest for logs.
        digest_hint: String,
        source: ScanSource,
        /// When the frame was captured (camera) or the scan completed (wedge).
        at: Instant,
        /// Corners of the code in the frame (camera only), for a visual cue.
        corners: Option<[(f32, f32); 4]>,
    },
    /// A code was read but is not a collection code.
    Rejected {
        /// Short form of what was scanned.
        short: String,
        digest_hint: String,
        reason: Text,
        source: ScanSource,
        at: Instant,
    },
}

/// Scanner configuration.
#[derive(Clone, Debug)]
pub struct ScannerConfig {
    /// Highest camera scan rate.
    pub scan_hz: f32,
    /// A code is reported again only after it has been out of sight this long.
    pub debounce: Duration,
    pub policy: PayloadPolicy,
    pub decode: DecodeOptions,
    /// Key for `digest_hint` (use a per-station secret so digests are stable across runs).
    pub digest_key: Vec<u8>,
}

impl ScannerConfig {
    /// Build from the `[code]` settings; `digest_key` keys the log digests.
    pub fn from_settings(
        settings: &CodeSettings,
        digest_key: Vec<u8>,
    ) -> Result<Self, SettingsError> {
        Ok(ScannerConfig {
            scan_hz: settings.scan_hz,
            debounce: Duration::from_millis(settings.debounce_ms),
            policy: PayloadPolicy::from_settings(settings)?,
            decode: DecodeOptions::default(),
            digest_key,
        })
    }
}

/// Counters for diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScannerStats {
    /// Frames handed to [`Scanner::submit_frame`].
    pub submitted: u64,
    /// Frames actually decoded.
    pub scanned: u64,
    /// Frames replaced by a newer one before the worker got to them.
    pub dropped: u64,
}

/// The scanner thread could not be started.
#[derive(Debug, thiserror::Error)]
#[error("could not start the code scanner thread: {0}")]
pub struct SpawnError(#[from] std::io::Error);

#[derive(Default)]
struct Inbox {
    frame: Option<(Arc<RgbImage>, Instant)>,
    wedge: Vec<(String, Instant)>,
    stop: bool,
}

struct Shared {
    inbox: Mutex<Inbox>,
    wake: Condvar,
    submitted: AtomicU64,
    scanned: AtomicU64,
    dropped: AtomicU64,
    running: AtomicBool,
}

/// Handle to the scanner worker. Dropping it stops the worker.
pub struct Scanner {
    shared: Arc<Shared>,
    handle: Option<JoinHandle<()>>,
}

impl Scanner {
    /// Start the worker; events arrive on the returned receiver.
    pub fn spawn(config: ScannerConfig) -> Result<(Scanner, Receiver<CodeEvent>), SpawnError> {
        let (tx, rx) = channel();
        let shared = Arc::new(Shared {
            inbox: Mutex::new(Inbox::default()),
            wake: Condvar::new(),
            submitted: AtomicU64::new(0),
            scanned: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            running: AtomicBool::new(true),
        });
        let worker_shared = Arc::clone(&shared);
        let handle = std::thread::Builder::new()
            .name("code-scanner".into())
            .spawn(move || Worker::new(config, tx).run(&worker_shared))?;
        Ok((
            Scanner {
                shared,
                handle: Some(handle),
            },
            rx,
        ))
    }

    /// Offer a camera frame captured at `at`. Never blocks on decoding: a frame the worker has
    /// not started yet is replaced (newest wins).
    pub fn submit_frame(&self, frame: Arc<RgbImage>, at: Instant) {
        self.shared.submitted.fetch_add(1, Ordering::Relaxed);
        let mut inbox = self
            .shared
            .inbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if inbox.frame.replace((frame, at)).is_some() {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
        drop(inbox);
        self.shared.wake.notify_one();
    }

    /// Hand over a keyboard-wedge scan (from [`super::wedge::WedgeDetector`]).
    pub fn submit_wedge(&self, text: String, at: Instant) {
        let mut inbox = self
            .shared
            .inbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        inbox.wedge.push((text, at));
        drop(inbox);
        self.shared.wake.notify_one();
    }

    /// Frame counters so far.
    pub fn stats(&self) -> ScannerStats {
        ScannerStats {
            submitted: self.shared.submitted.load(Ordering::Relaxed),
            scanned: self.shared.scanned.load(Ordering::Relaxed),
            dropped: self.shared.dropped.load(Ordering::Relaxed),
        }
    }

    /// Whether the worker is still running.
    pub fn is_running(&self) -> bool {
        self.shared.running.load(Ordering::Relaxed)
    }

    /// Stop the worker and wait for it to finish its current frame.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        {
            let mut inbox = self
                .shared
                .inbox
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            inbox.stop = true;
        }
        self.shared.wake.notify_all();
        if let Some(h) = self.handle.take() {
            // A panicking worker has already stopped; nothing more to do here.
            let _ = h.join();
        }
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Suppresses repeats of the same payload while it stays in sight.
#[derive(Debug, Default)]
pub(crate) struct Debouncer {
    last: Option<(String, Instant)>,
}

impl Debouncer {
    /// True when `payload` seen at `at` should be reported. Every sighting extends the quiet
    /// window, so a code held in front of the camera is reported once.
    pub fn admit(&mut self, payload: &str, at: Instant, window: Duration) -> bool {
        let admit = match &self.last {
            Some((p, t)) if p == payload => at.saturating_duration_since(*t) >= window,
            _ => true,
        };
        if admit || self.last.as_ref().is_some_and(|(p, _)| p == payload) {
            self.last = Some((payload.to_owned(), at));
        }
        admit
    }
}

struct Worker {
    config: ScannerConfig,
    tx: Sender<CodeEvent>,
    decoder: Decoder,
    hint: Option<RoiHint>,
    misses: u32,
    debounce: Debouncer,
}

/// Frames without a code after which the remembered region is dropped.
const HINT_MISSES: u32 = 6;

impl Worker {
    fn new(config: ScannerConfig, tx: Sender<CodeEvent>) -> Self {
        let decoder = Decoder::new(config.decode.clone());
        Worker {
            config,
            tx,
            decoder,
            hint: None,
            misses: 0,
            debounce: Debouncer::default(),
        }
    }

    fn run(mut self, shared: &Shared) {
        let period = Duration::from_secs_f32(1.0 / self.config.scan_hz.clamp(0.5, 60.0));
        let mut next_scan = Instant::now();
        loop {
            let (frame, wedge) = {
                let mut inbox = shared.inbox.lock().unwrap_or_else(PoisonError::into_inner);
                loop {
                    if inbox.stop {
                        shared.running.store(false, Ordering::Relaxed);
                        return;
                    }
                    let now = Instant::now();
                    let frame_due = inbox.frame.is_some() && now >= next_scan;
                    if frame_due || !inbox.wedge.is_empty() {
                        let frame = if frame_due { inbox.frame.take() } else { None };
                        break (frame, std::mem::take(&mut inbox.wedge));
                    }
                    inbox = if inbox.frame.is_some() {
                        shared
                            .wake
                            .wait_timeout(inbox, next_scan - now)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0
                    } else {
                        shared
                            .wake
                            .wait(inbox)
                            .unwrap_or_else(PoisonError::into_inner)
                    };
                }
            };
            for (text, at) in wedge {
                if !self.report(text, at, ScanSource::Wedge, None) {
                    shared.running.store(false, Ordering::Relaxed);
                    return;
                }
            }
            if let Some((frame, at)) = frame {
                next_scan = Instant::now() + period;
                shared.scanned.fetch_add(1, Ordering::Relaxed);
                if !self.scan_frame(&frame, at) {
                    shared.running.store(false, Ordering::Relaxed);
                    return;
                }
            }
        }
    }

    /// Decode one frame; false when the receiver is gone.
    fn scan_frame(&mut self, frame: &RgbImage, at: Instant) -> bool {
        let gray = gray_from_rgb(frame);
        let report = self.decoder.decode(&gray, self.hint);
        match report.codes.first() {
            Some(code) => {
                self.hint = Some(code.roi_hint(gray.width(), gray.height()));
                self.misses = 0;
            }
            // Keep the region through a few misses (a blurred frame), then forget it.
            None => {
                self.misses += 1;
                if self.misses > HINT_MISSES {
                    self.hint = None;
                }
            }
        }
        for code in report.codes {
            if !self.report(code.payload, at, ScanSource::Camera, Some(code.corners)) {
                return false;
            }
        }
        true
    }

    /// Validate, debounce and send; false when the receiver is gone.
    fn report(
        &mut self,
        payload: String,
        at: Instant,
        source: ScanSource,
        corners: Option<[(f32, f32); 4]>,
    ) -> bool {
        // A code held in front of the camera is reported once; every wedge burst is a deliberate scan (a
        // repeat must be refused on screen, not swallowed).
        if source != ScanSource::Wedge && !self.debounce.admit(&payload, at, self.config.debounce) {
            return true;
        }
        let digest_hint = log_digest(&self.config.digest_key, &payload);
        let event = match self.config.policy.validate(&payload) {
            Ok(()) => {
                tracing::info!(code = %digest_hint, ?source, "collection code scanned");
                CodeEvent::Scanned {
                    payload,
                    digest_hint,
                    source,
                    at,
                    corners,
                }
            }
            Err(rejection) => {
                tracing::info!(code = %digest_hint, ?source, %rejection, "scanned code rejected");
                CodeEvent::Rejected {
                    short: short_form(&payload),
                    reason: rejection.reason(&payload),
                    digest_hint,
                    source,
                    at,
                }
            }
        };
        self.tx.send(event).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debouncer_reports_once_while_in_sight() {
        let mut d = Debouncer::default();
        let t = Instant::now();
        let w = Duration::from_millis(1000);
        assert!(d.admit("A", t, w));
        assert!(!d.admit("A", t + Duration::from_millis(500), w));
        assert!(!d.admit("A", t + Duration::from_millis(1400), w));
        assert!(d.admit("A", t + Duration::from_millis(2500), w));
        assert!(d.admit("B", t + Duration::from_millis(2600), w));
        assert!(d.admit("A", t + Duration::from_millis(2700), w));
    }
}
