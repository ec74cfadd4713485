//! Live pipeline: capture thread → analysis workers → consumer (UI), newest-frame-wins at
//! every hop (single-slot mailboxes: a slow stage drops frames, never queues them).
//!
//! The capture thread only hands each frame on (and serves shots); a preparation thread gives
//! it a preview (fits `preview_max`) and an analysis proxy (fits `analysis_max`), both by
//! integer box downscale; the full-resolution [`Frame`] travels along. Each [`FrameAnalyzer`] runs on its own worker thread. Consumer calls never wait for
//! the camera: they take a lock only for a pointer swap.

pub mod downscale;
pub mod mailbox;
mod stats;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use image::RgbImage;

use crate::camera::{
    CameraError, Frame, FrameSource, SourceKind, SourceState, Supervisor, SupervisorConfig, Text,
};
pub use downscale::{box_downscale, box_factor};
pub use mailbox::Mailbox;
pub use stats::{AnalyzerStats, PipelineStats};
use stats::{Ema, RateMeter};

/// Pipeline sizes and supervisor timing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelineConfig {
    /// The preview fits within this size (the largest integer-factor reduction that fits).
    pub preview_max: (u32, u32),
    /// The analysis proxy fits within this size.
    pub analysis_max: (u32, u32),
    /// Reconnect/stall behaviour.
    pub supervisor: SupervisorConfig,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            preview_max: (1280, 720),
            analysis_max: (640, 360),
            supervisor: SupervisorConfig::default(),
        }
    }
}

/// What the UI shows: a downscaled preview plus the full-resolution frame it came from.
#[derive(Clone, Debug)]
pub struct Preview {
    /// Frame sequence number.
    pub seq: u64,
    /// Capture time of the frame.
    pub captured_at: Instant,
    /// Downscaled image for display.
    pub image: Arc<RgbImage>,
    /// `full = preview × scale`.
    pub scale: u32,
    /// The full-resolution frame.
    pub frame: Frame,
    /// True for hot-folder stills (each one is a shot).
    pub is_still: bool,
}

/// What an analysis stage receives.
#[derive(Clone, Debug)]
pub struct AnalysisInput {
    /// Frame sequence number.
    pub seq: u64,
    /// Capture time of the frame.
    pub captured_at: Instant,
    /// Small proxy for fast analysis (fits `analysis_max`).
    pub proxy: Arc<RgbImage>,
    /// `full = proxy × proxy_scale` (exact integer factor).
    pub proxy_scale: u32,
    /// The full-resolution frame (for final checks and crops).
    pub frame: Frame,
    /// True for hot-folder stills.
    pub is_still: bool,
}

/// An analysis stage (compliance checker, QR scanner, …), run on its own worker thread.
pub trait FrameAnalyzer: Send + 'static {
    /// Result type handed to the consumer.
    type Output: Send + Sync + 'static;
    /// Analyses one frame. Stages that are slower than the camera simply see fewer frames.
    fn analyze(&mut self, input: &AnalysisInput) -> Self::Output;
}

/// One analysis result.
#[derive(Debug)]
pub struct AnalysisResult<T> {
    /// Sequence number of the analysed frame.
    pub seq: u64,
    /// Capture time of the analysed frame.
    pub captured_at: Instant,
    /// When the analysis finished.
    pub finished_at: Instant,
    /// The stage's output.
    pub output: T,
}

impl<T> AnalysisResult<T> {
    /// Capture-to-result latency.
    pub fn latency(&self) -> Duration {
        self.finished_at.duration_since(self.captured_at)
    }
}

/// Consumer side of one analysis stage.
pub struct AnalysisHandle<T> {
    unread: Arc<Mailbox<Arc<AnalysisResult<T>>>>,
    latest: Arc<Mutex<Option<Arc<AnalysisResult<T>>>>>,
}

impl<T> Clone for AnalysisHandle<T> {
    fn clone(&self) -> Self {
        Self {
            unread: Arc::clone(&self.unread),
            latest: Arc::clone(&self.latest),
        }
    }
}

impl<T> AnalysisHandle<T> {
    /// The newest result not taken yet (non-blocking).
    pub fn take(&self) -> Option<Arc<AnalysisResult<T>>> {
        self.unread.take()
    }

    /// Waits up to `timeout` for a new result (for tools and tests; the UI should use `take`).
    pub fn wait(&self, timeout: Duration) -> Option<Arc<AnalysisResult<T>>> {
        self.unread.wait_take(timeout)
    }

    /// The newest result, taken or not.
    pub fn latest(&self) -> Option<Arc<AnalysisResult<T>>> {
        lock(&self.latest).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Makes the preview and the analysis proxy for one frame (what the capture thread does).
pub fn prepare(
    frame: &Frame,
    preview_max: (u32, u32),
    analysis_max: (u32, u32),
    is_still: bool,
) -> (Preview, AnalysisInput) {
    let (w, h) = frame.image.dimensions();
    let kp = box_factor(w, h, preview_max.0, preview_max.1);
    let ka = box_factor(w, h, analysis_max.0, analysis_max.1).max(kp);
    let (preview, proxy) = if kp > 1 && !ka.is_multiple_of(kp) {
        // Two independent reductions of the full frame (e.g. ÷2 preview, ÷3 proxy): run them side by side so
        // the frame reaches analysis sooner.
        std::thread::scope(|s| {
            let proxy = s.spawn(|| box_downscale(&frame.image, ka));
            let preview = box_downscale(&frame.image, kp);
            let proxy = proxy
                .join()
                .unwrap_or_else(|_| box_downscale(&frame.image, ka));
            (Arc::new(preview), Arc::new(proxy))
        })
    } else {
        let preview = if kp == 1 {
            Arc::clone(&frame.image)
        } else {
            Arc::new(box_downscale(&frame.image, kp))
        };
        let proxy = if ka == kp {
            Arc::clone(&preview)
        } else {
            // Box of a box is a box: reuse the (smaller) preview.
            Arc::new(box_downscale(&preview, ka / kp))
        };
        (preview, proxy)
    };
    (
        Preview {
            seq: frame.seq,
            captured_at: frame.captured_at,
            image: preview,
            scale: kp,
            frame: frame.clone(),
            is_still,
        },
        AnalysisInput {
            seq: frame.seq,
            captured_at: frame.captured_at,
            proxy,
            proxy_scale: ka,
            frame: frame.clone(),
            is_still,
        },
    )
}

#[derive(Default)]
struct StageCounters {
    rate: RateMeter,
    analyzed: u64,
    skipped: u64,
    busy: Ema,
    latency: Ema,
    panics: u64,
}

struct Stage {
    name: String,
    inbox: Inbox,
    counters: Arc<Mutex<StageCounters>>,
}

#[derive(Default)]
struct CaptureCounters {
    rate: RateMeter,
    frames: u64,
    frame_size: (u32, u32),
    prep: Ema,
    prep_dropped: u64,
    preview_latency: Ema,
    previews_dropped: u64,
}

type Wakeup = Arc<dyn Fn() + Send + Sync>;
type Inbox = Arc<Mailbox<Arc<AnalysisInput>>>;

/// State shared by the capture thread, the workers and the consumer.
struct Hub {
    preview: Mailbox<Preview>,
    last_frame: Mutex<Option<Frame>>,
    shots: Mutex<Vec<mpsc::Sender<Frame>>>,
    capture: Mutex<CaptureCounters>,
    wakeup: Mutex<Option<Wakeup>>,
}

impl Hub {
    fn wake(&self) {
        let w = lock(&self.wakeup).clone();
        if let Some(w) = w {
            w();
        }
    }
}

/// Collects analysis stages, then starts the pipeline.
pub struct PipelineBuilder {
    source: Box<dyn FrameSource>,
    config: PipelineConfig,
    hub: Arc<Hub>,
    stages: Vec<Stage>,
    workers: Vec<Box<dyn FnOnce() + Send>>,
}

impl PipelineBuilder {
    /// A pipeline over `source`.
    pub fn new(source: Box<dyn FrameSource>, config: PipelineConfig) -> Self {
        Self {
            source,
            config,
            hub: Arc::new(Hub {
                preview: Mailbox::new(),
                last_frame: Mutex::new(None),
                shots: Mutex::new(Vec::new()),
                capture: Mutex::new(CaptureCounters::default()),
                wakeup: Mutex::new(None),
            }),
            stages: Vec::new(),
            workers: Vec::new(),
        }
    }

    /// Called (from pipeline threads) whenever a new preview or analysis result is ready,
    /// e.g. `move || ctx.request_repaint()`.
    pub fn on_update(self, f: impl Fn() + Send + Sync + 'static) -> Self {
        *lock(&self.hub.wakeup) = Some(Arc::new(f));
        self
    }

    /// Adds an analysis stage on its own worker thread; returns its result handle.
    pub fn add_analyzer<A: FrameAnalyzer>(
        &mut self,
        name: &str,
        mut analyzer: A,
    ) -> AnalysisHandle<A::Output> {
        let inbox: Inbox = Arc::new(Mailbox::new());
        let counters = Arc::new(Mutex::new(StageCounters::default()));
        let handle = AnalysisHandle {
            unread: Arc::new(Mailbox::new()),
            latest: Arc::new(Mutex::new(None)),
        };
        self.stages.push(Stage {
            name: name.to_string(),
            inbox: Arc::clone(&inbox),
            counters: Arc::clone(&counters),
        });
        let out = handle.clone();
        let hub = Arc::clone(&self.hub);
        let name = name.to_string();
        self.workers.push(Box::new(move || {
            loop {
                let Some(input) = inbox.wait_take(Duration::from_millis(100)) else {
                    if inbox.is_closed() {
                        break;
                    }
                    continue;
                };
                let started = Instant::now();
                match catch_unwind(AssertUnwindSafe(|| analyzer.analyze(&input))) {
                    Ok(output) => {
                        let finished_at = Instant::now();
                        let result = Arc::new(AnalysisResult { seq: input.seq, captured_at: input.captured_at, finished_at, output });
                        *lock(&out.latest) = Some(Arc::clone(&result));
                        out.unread.put(result);
                        let mut c = lock(&counters);
                        c.rate.tick(finished_at);
                        c.analyzed += 1;
                        c.busy.add(finished_at - started);
                        c.latency.add(finished_at.duration_since(input.captured_at));
                    }
                    Err(_) => {
                        tracing::error!(stage = %name, seq = input.seq, "analysis stage panicked; frame skipped");
                        lock(&counters).panics += 1;
                    }
                }
                hub.wake();
            }
        }));
        handle
    }

    /// Starts the capture thread and the workers.
    pub fn start(self) -> Result<Pipeline, CameraError> {
        let PipelineBuilder {
            source,
            config,
            hub,
            stages,
            workers,
        } = self;
        let kind = source.kind();
        let is_still = kind == SourceKind::Stills;
        let mut threads = Vec::new();
        for (i, body) in workers.into_iter().enumerate() {
            let name = format!(
                "analysis-{}",
                stages.get(i).map_or("?", |s| s.name.as_str())
            );
            let t = std::thread::Builder::new()
                .name(name)
                .spawn(body)
                .map_err(|e| CameraError::Backend {
                    context: "starting an analysis thread",
                    message: e.to_string(),
                })?;
            threads.push(t);
        }
        let inboxes: Vec<(Inbox, Arc<Mutex<StageCounters>>)> = stages
            .iter()
            .map(|s| (Arc::clone(&s.inbox), Arc::clone(&s.counters)))
            .collect();
        let (pmax, amax) = (config.preview_max, config.analysis_max);
        // Capture thread → (newest-wins) → preparation thread, so downscaling never delays
        // the source.
        let raw: Arc<Mailbox<Frame>> = Arc::new(Mailbox::new());
        let prep_hub = Arc::clone(&hub);
        let prep_raw = Arc::clone(&raw);
        let prep_body = move || {
            loop {
                let Some(frame) = prep_raw.wait_take(Duration::from_millis(100)) else {
                    if prep_raw.is_closed() {
                        break;
                    }
                    continue;
                };
                let started = Instant::now();
                let (preview, input) = prepare(&frame, pmax, amax, is_still);
                let input = Arc::new(input);
                lock(&prep_hub.capture).prep.add(started.elapsed());
                for (inbox, counters) in &inboxes {
                    if inbox.put(Arc::clone(&input)) {
                        lock(counters).skipped += 1;
                    }
                }
                if prep_hub.preview.put(preview) {
                    lock(&prep_hub.capture).previews_dropped += 1;
                }
                prep_hub.wake();
            }
        };
        let close_all = |threads: Vec<JoinHandle<()>>| {
            raw.close();
            for s in &stages {
                s.inbox.close();
            }
            for t in threads {
                let _ = t.join();
            }
        };
        match std::thread::Builder::new()
            .name("frame-prep".into())
            .spawn(prep_body)
        {
            Ok(t) => threads.push(t),
            Err(e) => {
                close_all(threads);
                return Err(CameraError::Backend {
                    context: "starting the frame preparation thread",
                    message: e.to_string(),
                });
            }
        }
        let sink_hub = Arc::clone(&hub);
        let sink_raw = Arc::clone(&raw);
        let on_frame = move |frame: Frame| {
            {
                let mut c = lock(&sink_hub.capture);
                c.rate.tick(frame.captured_at);
                c.frames += 1;
                c.frame_size = frame.image.dimensions();
            }
            *lock(&sink_hub.last_frame) = Some(frame.clone());
            for tx in lock(&sink_hub.shots).drain(..) {
                let _ = tx.send(frame.clone());
            }
            if sink_raw.put(frame) {
                lock(&sink_hub.capture).prep_dropped += 1;
            }
        };
        let supervisor = match Supervisor::spawn(source, config.supervisor.clone(), on_frame) {
            Ok(s) => s,
            Err(e) => {
                close_all(threads);
                return Err(e);
            }
        };
        Ok(Pipeline {
            hub,
            stages,
            supervisor,
            raw,
            workers: threads,
            kind,
        })
    }
}

/// A shot requested with [`Pipeline::shoot`]; resolves to a full-resolution frame.
pub struct PendingShot {
    rx: Receiver<Frame>,
}

impl PendingShot {
    /// The frame, if it is available yet (non-blocking).
    pub fn try_take(&self) -> Result<Option<Frame>, CameraError> {
        match self.rx.try_recv() {
            Ok(f) => Ok(Some(f)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Disconnected) => Err(CameraError::Closed),
        }
    }

    /// Waits up to `timeout` for the frame (for tools and tests; the UI should poll `try_take`).
    pub fn wait(&self, timeout: Duration) -> Result<Frame, CameraError> {
        self.rx.recv_timeout(timeout).map_err(|e| match e {
            RecvTimeoutError::Timeout => CameraError::Timeout { waited: timeout },
            RecvTimeoutError::Disconnected => CameraError::Closed,
        })
    }
}

/// A running pipeline. Stops its threads on drop.
pub struct Pipeline {
    hub: Arc<Hub>,
    stages: Vec<Stage>,
    supervisor: Supervisor,
    raw: Arc<Mailbox<Frame>>,
    workers: Vec<JoinHandle<()>>,
    kind: SourceKind,
}

impl Pipeline {
    /// Shorthand for a pipeline without analysis stages.
    pub fn start(
        source: Box<dyn FrameSource>,
        config: PipelineConfig,
    ) -> Result<Self, CameraError> {
        PipelineBuilder::new(source, config).start()
    }

    /// The newest preview not taken yet, without waiting.
    pub fn latest_preview(&self) -> Option<Preview> {
        let p = self.hub.preview.take()?;
        lock(&self.hub.capture)
            .preview_latency
            .add(p.captured_at.elapsed());
        Some(p)
    }

    /// Waits up to `timeout` for a new preview (for tools and tests).
    pub fn wait_preview(&self, timeout: Duration) -> Option<Preview> {
        let p = self.hub.preview.wait_take(timeout)?;
        lock(&self.hub.capture)
            .preview_latency
            .add(p.captured_at.elapsed());
        Some(p)
    }

    /// The newest full-resolution frame seen, if any.
    pub fn last_frame(&self) -> Option<Frame> {
        lock(&self.hub.last_frame).clone()
    }

    /// Requests a full-resolution shot. For a live source it is the newest frame if that is
    /// fresh (else the next one); for a hot folder it is the next still to arrive.
    pub fn shoot(&self) -> PendingShot {
        let (tx, rx) = mpsc::channel();
        if self.kind == SourceKind::Live {
            let fresh = lock(&self.hub.last_frame)
                .as_ref()
                .filter(|f| f.captured_at.elapsed() <= self.freshness())
                .cloned();
            if let Some(f) = fresh {
                let _ = tx.send(f);
                return PendingShot { rx };
            }
        }
        lock(&self.hub.shots).push(tx);
        PendingShot { rx }
    }

    fn freshness(&self) -> Duration {
        let fps = lock(&self.hub.capture).rate.rate(Instant::now());
        let interval = if fps > 0.0 {
            Duration::from_secs_f32(1.0 / fps)
        } else {
            Duration::ZERO
        };
        (interval * 3).max(Duration::from_millis(200))
    }

    /// Source connection state.
    pub fn state(&self) -> SourceState {
        self.supervisor.state()
    }

    /// Source state changes since the last call.
    pub fn drain_state_events(&self) -> Vec<SourceState> {
        self.supervisor.drain_events()
    }

    /// The most recent source error.
    pub fn last_error(&self) -> Option<Text> {
        self.supervisor.last_error()
    }

    /// Live stream or stills.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// A snapshot of the statistics.
    pub fn stats(&self) -> PipelineStats {
        let now = Instant::now();
        let (
            capture_fps,
            frames,
            frame_size,
            prep_ms,
            preview_latency_ms,
            previews_dropped,
            prep_dropped,
        ) = {
            let c = lock(&self.hub.capture);
            (
                c.rate.rate(now),
                c.frames,
                c.frame_size,
                c.prep.ms(),
                c.preview_latency.ms(),
                c.previews_dropped,
                c.prep_dropped,
            )
        };
        let analyzers = self
            .stages
            .iter()
            .map(|s| {
                let c = lock(&s.counters);
                AnalyzerStats {
                    name: s.name.clone(),
                    fps: c.rate.rate(now),
                    analyzed: c.analyzed,
                    skipped: c.skipped,
                    busy_ms: c.busy.ms(),
                    latency_ms: c.latency.ms(),
                    panics: c.panics,
                }
            })
            .collect();
        PipelineStats {
            source_state: self.supervisor.state(),
            source: self.supervisor.description(),
            frames_captured: frames,
            capture_fps,
            frame_size,
            prep_ms,
            prep_dropped,
            preview_latency_ms,
            previews_dropped,
            analyzers,
        }
    }

    /// Stops capture and analysis and joins all threads. Idempotent.
    pub fn stop(&mut self) {
        self.supervisor.stop();
        self.raw.close();
        for s in &self.stages {
            s.inbox.close();
        }
        for t in self.workers.drain(..) {
            let _ = t.join();
        }
        self.hub.preview.close();
        lock(&self.hub.shots).clear();
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn prepare_makes_exact_integer_proxies() {
        let img = RgbImage::from_fn(1920, 1080, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 7])
        });
        let f = Frame::new(4, img);
        let (p, a) = prepare(&f, (1280, 720), (640, 360), false);
        assert_eq!(p.image.dimensions(), (960, 540));
        assert_eq!(p.scale, 2);
        assert_eq!(a.proxy.dimensions(), (640, 360));
        assert_eq!(a.proxy_scale, 3);
        assert_eq!(a.frame.image.dimensions(), (1920, 1080));
        assert_eq!((p.seq, a.seq), (4, 4));

        let f = Frame::new(0, RgbImage::new(1280, 720));
        let (p, a) = prepare(&f, (1280, 720), (640, 360), true);
        assert!(Arc::ptr_eq(&p.image, &f.image));
        assert_eq!(a.proxy.dimensions(), (640, 360));
        assert!(a.is_still && p.is_still);
    }
}
