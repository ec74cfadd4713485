//! Compliance benchmarks: live analysis of 1280×720 and 1920×1080 frames, and final check + crop + encode
//! of a 1920×1080 shot (single thread).
#[path = "../tests/compliance_synth/mod.rs"]
mod synth;

use std::hint::black_box;

use capture_station::compliance::{LiveState, PhotoSpec, analyze_live, final_check};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let spec = PhotoSpec::default();
    for (w, h) in [(1280u32, 720u32), (1920, 1080)] {
        let frame = synth::render(&synth::Subject::good(7).in_frame(w, h));
        let mut state = LiveState::default();
        c.bench_function(&format!("live_analysis_{w}x{h}"), |b| {
            b.iter(|| black_box(analyze_live(black_box(&frame), &spec, &mut state)))
        });
    }
    let shot = synth::render(&synth::Subject::good(8).in_frame(1920, 1080));
    c.bench_function("final_check_crop_encode_1920x1080", |b| {
        b.iter(|| black_box(final_check(black_box(&shot), &spec).map(|s| s.jpeg.bytes.len())))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
