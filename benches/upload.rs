//! Upload throughput: 1,000 packages of 40 KB to a loopback S3 server (moto, the same helper the tests use),
//! reported as photos/s (criterion "elements/s"), plus the cost of sealing one package. Also prints the station
//! process's CPU use during the uploads (the upload runs on one thread with a single-threaded runtime).

#[path = "../tests/upload_support/mod.rs"]
mod upload_support;

use std::time::{Duration, Instant};

use capture_station::config::Config;
use capture_station::upload::deliver::build_package;
use capture_station::upload::{Backoff, Target, Uploader};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use upload_support::{Moto, Station};

const PHOTOS: u64 = 1000;

/// User+system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, r)| r.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn bench(c: &mut Criterion) {
    let st = Station::new("B1", PHOTOS as usize);
    let store = st.open();
    let mut g = c.benchmark_group("upload");

    let item = store.upload_item(1).unwrap();
    g.throughput(Throughput::Elements(1));
    g.bench_function("seal_package_40KB", |b| {
        b.iter(|| {
            build_package(&item, "bench", &st.export_key.public(), store.signing_key()).unwrap()
        })
    });
    drop(item);

    let mut moto = Moto::start(None);
    moto.setup("bench", false);
    let mut cfg = Config::default();
    cfg.upload.target = "s3".into();
    cfg.upload.s3.endpoint = moto.endpoint();
    cfg.upload.s3.bucket = "bench".into();
    cfg.upload.s3.access_key_id = "bench".into();
    cfg.upload.s3.secret_access_key = "bench".into();
    let target = Target::from_settings(&cfg.upload, &st.data(), None).unwrap();
    let mut up = Uploader::new(
        store,
        target,
        st.export_key.public(),
        Backoff::from_ms(100, 1000),
        "bench",
    );
    // Between samples the photos are put back to `accepted` (outside the timed part) so each sample
    // uploads all 1,000 again.
    let reset = rusqlite::Connection::open(st.db()).unwrap();
    let mut cpu = (0.0, Duration::ZERO);
    g.throughput(Throughput::Elements(PHOTOS));
    g.sample_size(10);
    // Every sample is one full batch of 1,000 (about seconds each), not a growing number of batches.
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("s3_moto_1000_photos_40KB", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                reset
                    .execute_batch(
                        "UPDATE photos SET state = 'accepted'; DELETE FROM upload_state;",
                    )
                    .unwrap();
                let cpu0 = cpu_seconds();
                let t = Instant::now();
                let r = up.pass(true, &mut |_| {}, &|| false).unwrap();
                let dt = t.elapsed();
                assert_eq!(r.confirmed, PHOTOS, "{r:?}");
                cpu.0 += cpu_seconds() - cpu0;
                cpu.1 += dt;
                total += dt;
            }
            total
        })
    });
    g.finish();
    println!(
        "station process CPU during S3 uploads: {:.2} cores (user+system {:.1} s over {:.1} s wall)",
        cpu.0 / cpu.1.as_secs_f64().max(1e-9),
        cpu.0,
        cpu.1.as_secs_f64()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
