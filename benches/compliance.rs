//! Compliance benchmarks: live analysis of 1280×720 and 1920×1080 frames, and final check + crop + encode
//! of a 1920×1080 shot (single thread).
#[path = "../tests/compliance_synth/mod.rs"]
mod synth;

use std::hint::black_box;

use capture_station::compliance::{
    LiveState, PhotoSpec, analyze_live, crop_to_spec, evaluate_photo, final_check,
};
use capture_station::imaging::encode_spec_jpeg;
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
    // The parts of the final check: analysis + crop + re-check, and the spec JPEG encoder (imaging).
    let geometry = final_check(&shot, &spec).map(|s| s.geometry).ok();
    c.bench_function("final_parts_analyse_crop_recheck_1920x1080", |b| {
        b.iter(|| {
            let mut st = LiveState::default();
            let live = analyze_live(black_box(&shot), &spec, &mut st);
            let g = live.geometry.or(geometry).unwrap_or_default();
            crop_to_spec(&shot, &spec, &g).map(|crop| evaluate_photo(&crop, &spec).0.pass)
        })
    });
    if let Some(g) = geometry
        && let Ok(crop) = crop_to_spec(&shot, &spec, &g)
    {
        let target = spec.jpeg_target();
        c.bench_function("final_parts_encode_spec_jpeg_480x640", |b| {
            b.iter(|| encode_spec_jpeg(black_box(&crop), &target).map(|j| j.quality))
        });
    }
    c.bench_function("final_check_crop_encode_1920x1080", |b| {
        b.iter(|| black_box(final_check(black_box(&shot), &spec).map(|s| s.jpeg.bytes.len())))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
