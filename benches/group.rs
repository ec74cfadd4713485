//! Station group sync: merging 5,000 students' events published by two other stations (what one station
//! does to converge after a busy stretch), and an idle round (the steady cost of polling every 2 s).

use std::path::Path;
use std::time::Duration;

use capture_station::config::UploadSettings;
use capture_station::crypto::{KdfParams, StationSigningKey};
use capture_station::group::{self, Event, GroupKey, Journal};
use capture_station::store::Store;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};
const STUDENTS: usize = 5_000;

fn folder(root: &Path) -> UploadSettings {
    UploadSettings {
        folder: root.display().to_string(),
        ..Default::default()
    }
}

/// Writes `station`'s events for students `range` (code bound, accepted, a claim) as segments of 500.
fn publish(root: &Path, group: &GroupKey, station: &str, range: std::ops::Range<usize>) {
    let key = StationSigningKey::generate();
    let dir = root.join(format!("group-{}/{station}", group.group_id));
    std::fs::create_dir_all(&dir).unwrap();
    let at = "2026-06-01T08:00:00Z".to_string();
    let events: Vec<Event> = range
        .flat_map(|i| {
            let no = format!("2026{i:05}");
            [
                Event::Claimed {
                    student_no: no.clone(),
                    at: at.clone(),
                },
                Event::CodeBound {
                    digest: group.code_digest(&format!("CODE-{i}")),
                    student_no: no.clone(),
                    at: at.clone(),
                },
                Event::PhotoState {
                    student_no: no,
                    photo_id: i as i64 + 1,
                    state: "accepted".into(),
                    at: at.clone(),
                },
            ]
        })
        .collect();
    for (k, chunk) in events.chunks(1500).enumerate() {
        let seq = k as u64 + 1;
        let bytes = group::seal(group, station, seq, chunk, &key).unwrap();
        std::fs::write(dir.join(format!("{seq:08}.seg")), bytes).unwrap();
    }
}

fn station(dir: &Path, id: &str, group: &GroupKey) -> Store {
    let mut s = Store::create(&dir.join(format!("{id}.db")), "bench-pass", FAST, id, id).unwrap();
    s.join_group(group, "bench").unwrap();
    s
}

fn benches(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("share");
    let group = GroupKey::generate();
    publish(&root, &group, "B2", 0..STUDENTS / 2);
    publish(&root, &group, "C3", STUDENTS / 2..STUDENTS);
    let settings = folder(&root);
    let journal = Journal::new(&settings, tmp.path(), &group).unwrap();
    let mut n = 0;
    let mut g = c.benchmark_group("group");
    g.sample_size(10);
    g.bench_function(
        "merge 5,000 students' events from 2 stations (one round)",
        |b| {
            b.iter_batched(
                || {
                    n += 1;
                    station(tmp.path(), &format!("A{n}"), &group)
                },
                |mut s| {
                    let r = group::round(&mut s, &journal, &group).unwrap();
                    assert_eq!(r.merged, 10);
                    s
                },
                BatchSize::PerIteration,
            )
        },
    );
    let mut steady = station(tmp.path(), "S1", &group);
    group::round(&mut steady, &journal, &group).unwrap();
    g.bench_function(
        "idle round, 3 stations, nothing new (cost of polling)",
        |b| {
            b.iter(|| {
                let r = group::round(&mut steady, &journal, &group).unwrap();
                assert_eq!(r.merged, 0);
            })
        },
    );
    g.bench_function(
        "shooting queue of 5,000 merged students (accepted/claimed elsewhere)",
        |b| b.iter(|| steady.group_elsewhere().unwrap().len()),
    );
    g.finish();
}

criterion_group! {
    name = group_sync;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(group_sync);
