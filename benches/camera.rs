//! Camera pipeline benchmarks.
//!
//! * `pipeline_prep_1920x1080`: per-frame overhead from a full-resolution frame to the
//!   analysis input (preview + analysis proxy), goal ≤ 3 ms median.
//! * demo rendering cost per frame.
//! * A sustained run (printed, not a criterion measurement): demo source at 30 fps with a
//!   ~10 ms analysis stage for `CAMERA_SUSTAINED_SECS` (default 60) seconds; reports capture
//!   fps and RSS at start and end. Set `CAMERA_SUSTAINED_SECS=0` to skip it.

use std::hint::black_box;
use std::time::{Duration, Instant};

use capture_station::camera::{DemoDefect, DemoScene, DemoSource, Frame};
use capture_station::pipeline::{
    AnalysisInput, FrameAnalyzer, PipelineBuilder, PipelineConfig, box_downscale, prepare,
};
use criterion::{Criterion, criterion_group};

fn demo_frame(w: u32, h: u32) -> Frame {
    let mut scene = DemoScene::new(w, h);
    Frame::new(0, scene.render(1.0, DemoDefect::Good, false, None, 0).0)
}

fn prep(c: &mut Criterion) {
    let frame = demo_frame(1920, 1080);
    c.bench_function("pipeline_prep_1920x1080", |b| {
        b.iter(|| prepare(black_box(&frame), (1280, 720), (640, 360), false))
    });
    c.bench_function("box_downscale_1920x1080_by_2", |b| {
        b.iter(|| box_downscale(black_box(&frame.image), 2))
    });
    c.bench_function("box_downscale_1920x1080_by_3", |b| {
        b.iter(|| box_downscale(black_box(&frame.image), 3))
    });
}

fn render(c: &mut Criterion) {
    for (w, h) in [(1280, 720), (1920, 1080)] {
        let mut scene = DemoScene::new(w, h);
        let mut t = 0.0f32;
        c.bench_function(&format!("demo_render_{w}x{h}"), |b| {
            b.iter(|| {
                t += 1.0 / 30.0;
                scene.render(t, DemoDefect::Glasses, true, None, t.to_bits() as u64)
            })
        });
    }
}

criterion_group!(benches, prep, render);

/// Resident set size in bytes from /proc/self/statm (pages × 4 KiB).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

struct BusyWork(Duration);

impl FrameAnalyzer for BusyWork {
    type Output = u64;
    fn analyze(&mut self, input: &AnalysisInput) -> u64 {
        let t0 = Instant::now();
        let mut acc = 0u64;
        while t0.elapsed() < self.0 {
            for p in input.proxy.as_raw().iter().step_by(97) {
                acc = acc.wrapping_mul(31).wrapping_add(u64::from(*p));
            }
        }
        acc
    }
}

fn sustained() {
    let secs: u64 = std::env::var("CAMERA_SUSTAINED_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    if secs == 0 {
        return;
    }
    let mut builder = PipelineBuilder::new(
        Box::new(DemoSource::new(1920, 1080, 30)),
        PipelineConfig::default(),
    );
    let analysis = builder.add_analyzer("busy-10ms", BusyWork(Duration::from_millis(10)));
    let pipeline = match builder.start() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sustained run could not start: {e}");
            return;
        }
    };
    // Warm up (allocator pools, first frames) before taking the starting numbers.
    std::thread::sleep(Duration::from_secs(2));
    let rss_start = rss_bytes().unwrap_or(0);
    let start = pipeline.stats();
    let t0 = Instant::now();
    let mut min_window_fps = f32::MAX;
    let mut consumed = 0u64;
    let mut last_report = Instant::now();
    while t0.elapsed() < Duration::from_secs(secs) {
        // A UI-like consumer at ~60 Hz.
        if pipeline.latest_preview().is_some() {
            consumed += 1;
        }
        let _ = analysis.take();
        std::thread::sleep(Duration::from_millis(16));
        if last_report.elapsed() >= Duration::from_secs(5) {
            last_report = Instant::now();
            let s = pipeline.stats();
            min_window_fps = min_window_fps.min(s.capture_fps);
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let end = pipeline.stats();
    let rss_end = rss_bytes().unwrap_or(0);
    let frames = end.frames_captured - start.frames_captured;
    let a_start = &start.analyzers[0];
    let a_end = &end.analyzers[0];
    println!("sustained run: demo 1920x1080 @ 30 fps, analysis stage ~10 ms busy, {elapsed:.1} s");
    println!(
        "  capture fps (mean over run)   {:.2}",
        frames as f64 / elapsed
    );
    println!("  capture fps (lowest 2 s window sampled every 5 s) {min_window_fps:.2}");
    println!(
        "  analysis fps (mean)           {:.2}",
        (a_end.analyzed - a_start.analyzed) as f64 / elapsed
    );
    println!(
        "  analysis latency avg          {:.1} ms (busy {:.1} ms)",
        a_end.latency_ms, a_end.busy_ms
    );
    println!("  prep avg (preparation thread) {:.2} ms", end.prep_ms);
    println!(
        "  preview latency avg           {:.1} ms, previews consumed {consumed}",
        end.preview_latency_ms
    );
    println!(
        "  RSS start {:.1} MiB, end {:.1} MiB",
        rss_start as f64 / 1048576.0,
        rss_end as f64 / 1048576.0
    );
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    sustained();
}
