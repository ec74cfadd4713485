//! UI work per frame of the station view with the live 1280×720 demo preview: one egui pass (layout, preview
//! texture updated in place, overlays, traffic lights) plus tessellation, measured on a new camera frame each
//! time. GPU time is not included (headless harness).

use std::path::Path;
use std::time::{Duration, Instant};

use capture_station::cli::Context;
use capture_station::config::Config;
use capture_station::crypto::KdfParams;
use capture_station::store::Store;
use capture_station::ui::StationApp;
use criterion::{Criterion, criterion_group, criterion_main};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

type App = Option<StationApp>;

fn station_view(dir: &Path) -> Harness<'static, App> {
    let pass = "bench-passphrase";
    let mut store = Store::create(
        &dir.join("station.db"),
        pass,
        KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        "B1",
        "b",
    )
    .unwrap();
    store.set_supervisor_pin("1234", "bench").unwrap();
    drop(store);
    let config = Config::parse(
        "[camera]\nsource = \"demo\"\nwidth = 1280\nheight = 720\n[security]\nkdf_memory_kib = 256\nkdf_iterations = 1\n",
        Path::new("bench.toml"),
    )
    .unwrap();
    let ctx = Context {
        config,
        data_dir: dir.to_path_buf(),
    };
    let mut h = Harness::builder()
        .with_size([1360.0, 860.0])
        .with_context_setup(capture_station::ui::install_fonts)
        .build_ui_state(
            move |ui, app: &mut App| {
                app.get_or_insert_with(|| StationApp::new(ctx.clone(), ui.ctx().clone()))
                    .show(ui);
            },
            None,
        );
    h.step();
    h.get_by_label("站点口令").focus();
    h.step();
    h.get_by_label("站点口令").type_text(pass);
    h.step();
    h.get_by_label("解锁").click();
    let deadline = Instant::now() + Duration::from_secs(30);
    while h.query_by_label_contains("画面中有一张人脸").is_none() {
        assert!(
            Instant::now() < deadline,
            "the station view did not come up"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
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
