//! Runs a [`FrameSource`] on its own capture thread, reports its state, and reconnects by
//! itself with capped exponential backoff after errors, unplugging or stalls.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{CameraError, Frame, FrameSource, SourceKind, Text};

/// Connection state of a supervised source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceState {
    /// Delivering frames (or, for a hot folder, watching).
    Connected,
    /// Not connected; a reconnect is scheduled (or the supervisor was stopped).
    Disconnected,
    /// Trying to (re)open the source; `attempt` counts since the last connection.
    Reconnecting {
        /// 1 for the first retry.
        attempt: u32,
    },
    /// Gave up: a configuration error, or `max_attempts` exhausted.
    Failed(Text),
}

impl SourceState {
    /// Short status label for the UI.
    pub fn label(&self) -> Text {
        match self {
            SourceState::Connected => Text::new("已连接", "Connected"),
            SourceState::Disconnected => Text::new("已断开", "Disconnected"),
            SourceState::Reconnecting { attempt } => Text::new(
                format!("正在重新连接（第 {attempt} 次）"),
                format!("Reconnecting (attempt {attempt})"),
            ),
            SourceState::Failed(why) => {
                Text::new(format!("失败：{}", why.zh), format!("Failed: {}", why.en))
            }
        }
    }
}

/// Supervisor timing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisorConfig {
    /// Longest single wait for a frame; bounds how fast stop and stall checks react.
    pub poll: Duration,
    /// A live source with no frame for this long is closed and reopened.
    pub stall_after: Duration,
    /// First reconnect delay; doubled per failed attempt.
    pub backoff_initial: Duration,
    /// Cap of the reconnect delay.
    pub backoff_max: Duration,
    /// Give up (state `Failed`) after this many consecutive failed attempts; `None` = never.
    pub max_attempts: Option<u32>,
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(50),
            stall_after: Duration::from_secs(3),
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(5),
            max_attempts: None,
        }
    }
}

struct Shared {
    state: Mutex<SourceState>,
    last_error: Mutex<Option<Text>>,
    description: Mutex<String>,
    events: Mutex<Vec<SourceState>>,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn set_state(&self, s: SourceState) {
        let mut cur = lock(&self.state);
        if *cur != s {
            tracing::info!(state = ?s, "camera source state");
            *cur = s.clone();
            let mut ev = lock(&self.events);
            // Bounded: a UI that never drains must not grow memory.
            if ev.len() >= 256 {
                ev.remove(0);
            }
            ev.push(s);
        }
    }
}

/// Handle to a supervised capture thread; stops and joins it on drop.
pub struct Supervisor {
    shared: Arc<Shared>,
    kind: SourceKind,
    wake: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Supervisor {
    /// Starts `source` on a new capture thread; every frame is passed to `on_frame` on that
    /// thread with a sequence number that keeps increasing across reconnects.
    pub fn spawn<S, F>(
        source: S,
        config: SupervisorConfig,
        on_frame: F,
    ) -> Result<Self, CameraError>
    where
        S: FrameSource + 'static,
        F: FnMut(Frame) + Send + 'static,
    {
        let kind = source.kind();
        let shared = Arc::new(Shared {
            state: Mutex::new(SourceState::Disconnected),
            last_error: Mutex::new(None),
            description: Mutex::new(source.describe()),
            events: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let (wake, wait) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("capture".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || run(source, config, &shared, on_frame, &wait)
            })
            .map_err(|e| CameraError::Backend {
                context: "starting the capture thread",
                message: e.to_string(),
            })?;
        Ok(Self {
            shared,
            kind,
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Current state.
    pub fn state(&self) -> SourceState {
        lock(&self.shared.state).clone()
    }

    /// State changes since the last call, oldest first (at most the last 256).
    pub fn drain_events(&self) -> Vec<SourceState> {
        std::mem::take(&mut *lock(&self.shared.events))
    }

    /// The most recent error, for display next to the state.
    pub fn last_error(&self) -> Option<Text> {
        lock(&self.shared.last_error).clone()
    }

    /// The source's description (updated after each successful open).
    pub fn description(&self) -> String {
        lock(&self.shared.description).clone()
    }

    /// Live stream or stills.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// Stops the capture thread and closes the source. Idempotent.
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.wake.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.stop();
    }
}

fn record_error(shared: &Shared, e: &CameraError) {
    *lock(&shared.last_error) = Some(e.text());
}

fn run<S: FrameSource, F: FnMut(Frame)>(
    mut source: S,
    cfg: SupervisorConfig,
    shared: &Shared,
    mut on_frame: F,
    wait: &Receiver<()>,
) {
    let kind = source.kind();
    let stopping = || shared.stop.load(Ordering::Relaxed);
    let mut attempt = 0u32;
    let mut backoff = cfg.backoff_initial;
    let mut seq = 0u64;
    while !stopping() {
        let failure = match source.open() {
            Ok(()) => {
                *lock(&shared.description) = source.describe();
                shared.set_state(SourceState::Connected);
                let mut last_frame = Instant::now();
                let mut delivered = false;
                let err = loop {
                    if stopping() {
                        break None;
                    }
                    match source.next_frame(cfg.poll) {
                        Ok(Some(mut frame)) => {
                            frame.seq = seq;
                            seq += 1;
                            last_frame = Instant::now();
                            if !delivered {
                                // Only a connection that actually delivers resets the backoff.
                                delivered = true;
                                attempt = 0;
                                backoff = cfg.backoff_initial;
                            }
                            if catch_unwind(AssertUnwindSafe(|| on_frame(frame))).is_err() {
                                tracing::error!("frame consumer panicked; frame dropped");
                            }
                        }
                        Ok(None) => {
                            let waited = last_frame.elapsed();
                            if kind == SourceKind::Live && waited >= cfg.stall_after {
                                break Some(CameraError::Stalled { waited });
                            }
                        }
                        Err(e) => break Some(e),
                    }
                };
                source.close();
                match err {
                    None => break,
                    Some(e) => e,
                }
            }
            Err(e) => {
                source.close();
                e
            }
        };
        tracing::warn!(source = %source.describe(), error = %failure, "camera source lost");
        record_error(shared, &failure);
        if !failure.is_retryable() {
            shared.set_state(SourceState::Failed(failure.text()));
            return;
        }
        attempt += 1;
        if cfg.max_attempts.is_some_and(|m| attempt > m) {
            let t = failure.text();
            shared.set_state(SourceState::Failed(Text::new(
                format!("重试 {} 次后放弃：{}", attempt - 1, t.zh),
                format!("gave up after {} attempts: {}", attempt - 1, t.en),
            )));
            return;
        }
        if *lock(&shared.state) == SourceState::Connected {
            shared.set_state(SourceState::Disconnected);
        }
        match wait.recv_timeout(backoff) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
        backoff = (backoff * 2).min(cfg.backoff_max);
        shared.set_state(SourceState::Reconnecting { attempt });
    }
    source.close();
    shared.set_state(SourceState::Disconnected);
}
