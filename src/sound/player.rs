//! Plays cues on the default output device from a dedicated audio thread. The device is opened once; the
//! audio callback mixes queued samples and never blocks on the UI.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SizedSample};

use super::{Cue, render};

/// Longest backlog kept (samples); older cues are dropped rather than played late.
const MAX_QUEUED: usize = 48_000;

/// Handle to the audio thread. Cheap to call from the UI thread: [`SoundPlayer::play`] only sends a message.
pub struct SoundPlayer {
    tx: Option<Sender<Cue>>,
    available: Arc<AtomicBool>,
}

impl SoundPlayer {
    /// Starts the audio thread; with `enabled == false` (or no device) every cue is silently dropped.
    pub fn start(enabled: bool) -> SoundPlayer {
        let available = Arc::new(AtomicBool::new(false));
        if !enabled {
            return SoundPlayer {
                tx: None,
                available,
            };
        }
        let (tx, rx) = mpsc::channel::<Cue>();
        let flag = available.clone();
        let spawned = std::thread::Builder::new()
            .name("sound".into())
            .spawn(move || {
                let queue = Arc::new(Mutex::new(VecDeque::<f32>::new()));
                let (stream, rate) = match open_output(queue.clone()) {
                    Ok(ok) => ok,
                    Err(e) => {
                        tracing::info!(error = %e, "no sound output; cues stay silent");
                        // Drain requests until the app closes.
                        for _ in rx {}
                        return;
                    }
                };
                flag.store(true, Ordering::Relaxed);
                let mut cache: Vec<(Cue, Vec<f32>)> = Vec::new();
                for cue in rx {
                    let samples = match cache.iter().find(|(c, _)| *c == cue) {
                        Some((_, s)) => s,
                        None => {
                            cache.push((cue, render(cue, rate)));
                            &cache[cache.len() - 1].1
                        }
                    };
                    if let Ok(mut q) = queue.lock() {
                        if q.len() > MAX_QUEUED {
                            q.clear();
                        }
                        q.extend(samples.iter().copied());
                    }
                }
                drop(stream);
            });
        SoundPlayer {
            tx: spawned.ok().map(|_| tx),
            available,
        }
    }

    /// Plays `cue` (returns at once).
    pub fn play(&self, cue: Cue) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(cue);
        }
    }

    /// True once an output device is open.
    pub fn available(&self) -> bool {
        self.available.load(Ordering::Relaxed)
    }
}

/// Opens the default output device; returns the running stream and its sample rate.
fn open_output(queue: Arc<Mutex<VecDeque<f32>>>) -> Result<(cpal::Stream, u32), String> {
    let host = cpal::default_host();
    let device = host
        .default_output_device()
        .ok_or_else(|| "no default output device".to_string())?;
    let config = device.default_output_config().map_err(|e| e.to_string())?;
    let rate = config.sample_rate();
    let stream = match config.sample_format() {
        cpal::SampleFormat::F32 => build::<f32>(&device, config.config(), queue),
        cpal::SampleFormat::I16 => build::<i16>(&device, config.config(), queue),
        cpal::SampleFormat::U16 => build::<u16>(&device, config.config(), queue),
        cpal::SampleFormat::I32 => build::<i32>(&device, config.config(), queue),
        other => return Err(format!("unsupported sample format {other}")),
    }?;
    stream.play().map_err(|e| e.to_string())?;
    Ok((stream, rate))
}

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    queue: Arc<Mutex<VecDeque<f32>>>,
) -> Result<cpal::Stream, String>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = usize::from(config.channels.max(1));
    device
        .build_output_stream::<T, _, _>(
            config,
            move |out: &mut [T], _| {
                let mut q = queue.lock().ok();
                for frame in out.chunks_mut(channels) {
                    let v = q.as_mut().and_then(|q| q.pop_front()).unwrap_or(0.0);
                    for s in frame {
                        *s = T::from_sample(v);
                    }
                }
            },
            |e| tracing::warn!(error = %e, "sound output error"),
            None,
        )
        .map_err(|e| e.to_string())
}
