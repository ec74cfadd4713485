//! UI work per frame of the station view with the live 1280×720 demo preview: one egui pass (layout, preview
//! texture updated in place, overlays, traffic lights) plus tessellation, measured on a new camera frame each
//! time. GPU time is not included (headless harness).

use std::path::Path;
use std::time::{Duration, Instant};

use capture_station::crypto::KdfParams;
use capture_station::store::Store;
use criterion::{Criterion, criterion_group, criterion_main};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

#[path = "../tests/ui_harness/mod.rs"]
mod ui_harness;

use ui_harness::{App, harness, type_into, wait_for};

fn station_view(dir: &Path) -> Harness<'static, App> {
    let pass = "bench-passphrase";
    let kdf = KdfParams {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
    let mut store = Store::create(&dir.join("station.db"), pass, kdf, "B1", "b").unwrap();
    store.set_supervisor_pin("1234", "bench").unwrap();
    drop(store);
    let mut h = harness(dir);
    h.step();
    type_into(&mut h, "站点口令", pass);
    h.get_by_label("解锁").click();
    wait_for(&mut h, "the station view", |h| {
        h.query_by_label_contains("画面中有一张人脸").is_some()
    });
    h
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut h = station_view(dir.path());
    c.bench_function("station view frame, live 1280x720 preview", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                std::thread::sleep(Duration::from_millis(34)); // a new camera frame has arrived
                let t = Instant::now();
                h.step();
                total += t.elapsed();
            }
            total
        })
    });
}

criterion_group! {
    name = ui;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(ui);
