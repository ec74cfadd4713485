//! Compliance benchmarks (single thread): live analysis of a 1280×720 and a 1920×1080 stream (the face is
//! tracked between frames, as at the station), the final check + crop + encode of a shot, and the spec
//! JPEG encoder alone. Frames come from the demo camera's subject, which the face models find like a
//! person; `benches/compliance_real.rs` times real people.

use std::hint::black_box;

use capture_station::camera::{DemoDefect, DemoScene};
use capture_station::compliance::{LiveState, PhotoSpec, analyze_live_with_proxy, final_check};
use capture_station::imaging::encode_spec_jpeg;
use capture_station::pipeline::box_downscale;
use criterion::{Criterion, criterion_group, criterion_main};
use image::RgbImage;

fn stream(w: u32, h: u32, n: u64) -> Vec<RgbImage> {
    let mut scene = DemoScene::new(w, h);
    (0..n)
        .map(|i| {
            scene
                .render(i as f32 / 15.0, DemoDefect::Good, false, None, i)
                .0
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let spec = PhotoSpec::default();
    for (w, h) in [(1280u32, 720u32), (1920, 1080)] {
        // The capture thread hands the analysis its frame and a proxy it has already downscaled
        // (÷2 at 720p, ÷3 at 1080p: 640×360).
        let k = h / 360;
        let frames: Vec<(RgbImage, RgbImage)> = stream(w, h, 16)
            .into_iter()
            .map(|f| {
                let p = box_downscale(&f, k);
                (f, p)
            })
            .collect();
        let mut state = LiveState::new();
        let mut i = 0usize;
        c.bench_function(&format!("live_analysis_{w}x{h}"), |b| {
            b.iter(|| {
                i = (i + 1) % frames.len();
                let (f, p) = &frames[i];
                black_box(
                    analyze_live_with_proxy(black_box(f), Some((p, k)), &spec, &mut state).pass,
                )
            })
        });
    }
    for (w, h) in [(1280u32, 720u32), (1920, 1080)] {
        let shot = stream(w, h, 1).remove(0);
        c.bench_function(&format!("final_check_crop_encode_{w}x{h}"), |b| {
            b.iter(|| black_box(final_check(black_box(&shot), &spec).map(|s| s.jpeg.bytes.len())))
        });
    }
    let shot = stream(1280, 720, 1).remove(0);
    if let Ok(fin) = final_check(&shot, &spec) {
        let target = spec.jpeg_target();
        c.bench_function("final_parts_encode_spec_jpeg_480x640", |b| {
            b.iter(|| encode_spec_jpeg(black_box(&fin.crop), &target).map(|j| j.quality))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
