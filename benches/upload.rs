//! Upload throughput: 1,000 packages of 40 KB to a loopback S3 server (moto), reported as photos/s
//! (criterion "elements/s"), plus the cost of sealing one package. Also prints the station process's CPU
//! use during the uploads (the upload runs on one thread with a single-threaded runtime).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use capture_station::config::Config;
use capture_station::crypto::KdfParams;
use capture_station::store::{Decision, NewShot, NewStudent, Store, StudentStatus};
use capture_station::upload::deliver::build_package;
use capture_station::upload::{Backoff, ExportSecretKey, Target, Uploader};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const PHOTOS: u64 = 1000;

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_moto(port: u16) -> Moto {
    let have = Command::new("python3")
        .args(["-c", "import moto.server, boto3"])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !have {
        let ok = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "moto[server]"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "pip install 'moto[server]' failed");
    }
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let moto = Moto(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ok = Command::new("python3")
            .args([
                "-c",
                "import sys, boto3; boto3.client('s3', endpoint_url=f'http://127.0.0.1:{sys.argv[1]}', \
                 region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='a').create_bucket(Bucket='bench')",
                &port.to_string(),
            ])
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            return moto;
        }
        assert!(Instant::now() < deadline, "moto did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn fill_store(db: &std::path::Path) -> Store {
    let kdf = KdfParams {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
    let mut store = Store::create(db, "bench-pass", kdf, "B1", "bench").unwrap();
    let mut seed = 1u32;
    for i in 0..PHOTOS {
        let no = format!("B{i:05}");
        store
            .add_student(
                &NewStudent {
                    student_no: no.clone(),
                    name: "学生".into(),
                    class: "计科".into(),
                    status: StudentStatus::Normal,
                    id_no: None,
                },
                "bench",
            )
            .unwrap();
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg.extend((4..40 * 1024).map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as u8
        }));
        store
            .store_shot(
                &NewShot {
                    student_no: &no,
                    code: &format!("CODE{i}"),
                    jpeg: &jpeg,
                    width: 480,
                    height: 640,
                    quality: 90,
                    checks: &[],
                    verdict_pass: Some(true),
                    supersede: false,
                },
                &Decision::Accept,
                "bench",
            )
            .unwrap();
    }
    store
}

/// User+system CPU seconds of this process.
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
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let store = fill_store(&db);
    let secret = ExportSecretKey::generate();

    let item = store.upload_item(1).unwrap();
    let mut g = c.benchmark_group("upload");
    g.throughput(Throughput::Elements(1));
    g.bench_function("seal_package_40KB", |b| {
        b.iter(|| build_package(&item, "bench", &secret.public()).unwrap())
    });
    drop(item);

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let _moto = start_moto(port);
    let mut cfg = Config::default();
    cfg.upload.target = "s3".into();
    cfg.upload.s3.endpoint = format!("http://127.0.0.1:{port}");
    cfg.upload.s3.bucket = "bench".into();
    cfg.upload.s3.access_key_id = "a".into();
    cfg.upload.s3.secret_access_key = "a".into();
    let target = Target::from_settings(&cfg.upload, dir.path(), None).unwrap();
    let mut up = Uploader::new(
        store,
        target,
        secret.public(),
        Backoff::from_ms(100, 1000),
        "bench",
    );
    let reset = rusqlite::Connection::open(&db).unwrap();
    let mut cpu = (0.0, Duration::ZERO);
    g.throughput(Throughput::Elements(PHOTOS));
    g.sample_size(10);
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
