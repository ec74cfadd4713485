//! Collection-code decoding on the generated hard set (`tests/code_hardset/mod.rs`):
//! per-frame time at 1280×720 and 1920×1080 (criterion, plus median/p95 computed here) and
//! decode rates per category, within the production time budget and without a limit.
//!
//! Also the live scanner's time-to-read: a 15 fps stream shows an empty scene, then a code;
//! the time from the first frame showing it to the `Scanned` event (default `scan_hz`).
//!
//! `cargo bench --bench code -- --warm-up-time 1 --measurement-time 3`

#[path = "../tests/code_hardset/mod.rs"]
mod hardset;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use std::sync::Arc;

use capture_station::code::{
    CodeEvent, CodeSettings, DecodeOptions, Decoder, Detection, Scanner, ScannerConfig,
    gray_from_rgb,
};
use criterion::{Criterion, criterion_group, criterion_main};
use hardset::Category;
use image::GrayImage;

const PER_CATEGORY: usize = 24;

struct Frame {
    category: Category,
    gray: GrayImage,
    expected: Option<String>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx]
}

fn bench(c: &mut Criterion) {
    let frames: Vec<Frame> = hardset::hard_set(PER_CATEGORY)
        .map(|s| Frame {
            category: s.category,
            gray: gray_from_rgb(&s.frame),
            expected: s.expected,
        })
        .collect();
    let mut decoder = Decoder::new(DecodeOptions::default());
    let mut unlimited = Decoder::new(DecodeOptions {
        budget: Duration::from_secs(10),
        try_inverted: true,
    });

    // Rates and per-frame times (median of 3 runs per frame).
    let mut per_cat: BTreeMap<Category, (usize, usize, usize)> = BTreeMap::new();
    let mut wrong = 0usize;
    let mut read_by: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut times: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for f in &frames {
        let mut runs = [0f64; 3];
        let mut report = None;
        for r in runs.iter_mut() {
            let t = Instant::now();
            let rep = decoder.decode(&f.gray, None);
            *r = t.elapsed().as_secs_f64() * 1000.0;
            report = Some(rep);
        }
        runs.sort_by(f64::total_cmp);
        times.entry(f.gray.width()).or_default().push(runs[1]);
        let report = report.unwrap_or_default();
        if let Some(p) = report.trace.iter().find(|p| p.found) {
            *read_by.entry(p.name).or_default() += 1;
        }
        let free = unlimited.decode(&f.gray, None).codes;
        let judge = |codes: &[Detection]| {
            hardset::judge(
                f.expected.as_deref(),
                codes.iter().map(|c| c.payload.as_str()),
            )
        };
        let (ok, bad) = judge(&report.codes);
        let (free_ok, free_bad) = judge(&free);
        wrong += bad + free_bad;
        let e = per_cat.entry(f.category).or_default();
        e.0 += 1;
        e.1 += ok as usize;
        e.2 += free_ok as usize;
    }
    let (mut n_all, mut ok_all, mut free_all) = (0, 0, 0);
    let budget = DecodeOptions::default().budget.as_millis();
    println!("\ncode decode rates ({PER_CATEGORY} frames per category):");
    println!(
        "  {:>14} | within {budget} ms     | no time limit",
        "category"
    );
    let pct = |k: usize, n: usize| k as f64 * 100.0 / n as f64;
    for (cat, (n, ok, free)) in &per_cat {
        println!(
            "  {:>14} | {:5.1}% ({ok:>2}/{n}) | {:5.1}% ({free:>2}/{n})",
            cat.name(),
            pct(*ok, *n),
            pct(*free, *n)
        );
        if *cat != Category::Negative {
            n_all += n;
            ok_all += ok;
            free_all += free;
        }
    }
    println!(
        "  {:>14} | {:5.1}% ({ok_all}/{n_all}) | {:5.1}% ({free_all}/{n_all})",
        "overall",
        pct(ok_all, n_all),
        pct(free_all, n_all)
    );
    println!("  wrong payloads: {wrong}");
    println!("  frames read per pass (within the budget): {read_by:?}");
    for (w, t) in times.iter_mut() {
        t.sort_by(f64::total_cmp);
        println!(
            "  width {w}: per-frame median {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} frames)",
            percentile(t, 0.5),
            percentile(t, 0.95),
            percentile(t, 1.0),
            t.len()
        );
    }

    live_time_to_read();

    let mut group = c.benchmark_group("code_decode");
    for (label, width) in [("frame_1280x720", 1280u32), ("frame_1920x1080", 1920)] {
        let set: Vec<&Frame> = frames.iter().filter(|f| f.gray.width() == width).collect();
        let mut i = 0usize;
        group.bench_function(label, |b| {
            b.iter(|| {
                let f = set[i % set.len()];
                i += 1;
                black_box(decoder.decode(black_box(&f.gray), None))
            })
        });
    }
    group.finish();
}

/// Positive samples per category streamed through the live scanner.
const LIVE_PER_CATEGORY: usize = 6;
/// Camera frame interval (15 fps).
const FRAME_INTERVAL: Duration = Duration::from_micros(66_667);

/// Stream each sample through a [`Scanner`] as a camera would: five frames of an empty
/// scene, then the frame with the code until the scanner reports it (at most 3 s). Prints the
/// time-to-read distribution and how long `submit_frame` (called on the camera path) took.
fn live_time_to_read() {
    let settings = CodeSettings::default();
    let Ok(config) = ScannerConfig::from_settings(&settings, b"bench".to_vec()) else {
        println!("live time-to-read: default [code] settings rejected");
        return;
    };
    let Ok((scanner, events)) = Scanner::spawn(config) else {
        println!("live time-to-read: cannot start the scanner thread");
        return;
    };
    let empty = Arc::new(hardset::sample(Category::Negative, 0).frame);
    let mut reads = Vec::new();
    let mut submit_us = Vec::new();
    let mut missed = 0usize;
    for category in Category::ALL {
        if category == Category::Negative {
            continue;
        }
        for i in 0..LIVE_PER_CATEGORY {
            let s = hardset::sample(category, i);
            let frame = Arc::new(s.frame);
            let mut shown_at = None;
            let mut read = None;
            let mut next = Instant::now();
            for k in 0..5 + 45 {
                let f = if k >= 5 { &frame } else { &empty };
                let t = Instant::now();
                scanner.submit_frame(Arc::clone(f), t);
                submit_us.push(t.elapsed().as_secs_f64() * 1e6);
                if k == 5 {
                    shown_at = Some(t);
                }
                next += FRAME_INTERVAL;
                // Wait for events until the next frame is due.
                while let Ok(e) =
                    events.recv_timeout(next.saturating_duration_since(Instant::now()))
                {
                    if let (Some(at), CodeEvent::Scanned { payload, .. }) = (shown_at, e)
                        && Some(&payload) == s.expected.as_ref()
                    {
                        read = Some(at.elapsed().as_secs_f64() * 1000.0);
                    }
                }
                if read.is_some() {
                    break;
                }
            }
            match read {
                Some(ms) => reads.push(ms),
                None => missed += 1,
            }
        }
    }
    drop(scanner);
    reads.sort_by(f64::total_cmp);
    submit_us.sort_by(f64::total_cmp);
    println!(
        "live time-to-read at 15 fps, scan_hz {} ({} codes, {missed} not read within 3 s): \
         median {:.0} ms, p95 {:.0} ms, max {:.0} ms; submit_frame median {:.1} µs, max {:.1} µs",
        settings.scan_hz,
        reads.len() + missed,
        percentile(&reads, 0.5),
        percentile(&reads, 0.95),
        percentile(&reads, 1.0),
        percentile(&submit_us, 0.5),
        percentile(&submit_us, 1.0),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
