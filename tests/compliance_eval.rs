//! Recall per defect type and false-reject rate on the synthetic labelled set (the `check` path:
//! `evaluate_photo` on finished 480×640 photos). Prints the table; asserts it with a margin.
#[path = "compliance_synth/mod.rs"]
mod synth;

use capture_station::compliance::{Outcome, PhotoSpec, evaluate_photo};
use synth::{Defect, Subject, render};

const GOOD: u64 = 60;
const PER_DEFECT: u64 = 10;

#[test]
fn recall_and_false_reject_table() {
    let spec = PhotoSpec::default();
    let mut false_rejects = Vec::new();
    let mut warns = 0;
    for seed in 0..GOOD {
        let img = render(&Subject::good(1000 + seed));
        let (v, m) = evaluate_photo(&img, &spec);
        if !v.pass {
            false_rejects.push((seed, v.failed_ids().join(","), m.clone()));
        }
        warns += usize::from(v.checks.iter().any(|c| c.outcome == Outcome::Warn));
        if std::env::var("SYNTH_DEBUG").is_ok() {
            let w: Vec<_> = v
                .checks
                .iter()
                .filter(|c| c.outcome != Outcome::Pass)
                .map(|c| (c.id.clone(), c.value))
                .collect();
            println!(
                "  good {seed}: blur {:.2} light {:.2} open {:.3} mouth {:.3} occl {:.2} gl {:.2} {w:?}",
                m.blur,
                m.lighting_imbalance,
                m.eye_opening,
                m.mouth_opening,
                m.occlusion,
                m.glasses
            );
        }
    }
    let fr = false_rejects.len() as f64 / GOOD as f64;
    println!(
        "good photos: {GOOD}, false rejects {} ({:.1}%), with a warning {warns}",
        false_rejects.len(),
        fr * 100.0
    );
    for (s, ids, m) in &false_rejects {
        println!(
            "  FR seed {s}: {ids} fw {:.0} eyes {:?} found {} open {:.3} mouth {:.3} occl {:.2} gl {:.2} light {:.2} blur {:.2} clip {:.2}",
            m.face_width,
            m.eyes,
            m.eyes_found,
            m.eye_opening,
            m.mouth_opening,
            m.occlusion,
            m.glasses,
            m.lighting_imbalance,
            m.blur,
            m.skin_clipped
        );
    }
    println!(
        "{:<14} {:>6} {:>8} {:>8}  expected check",
        "defect", "n", "caught", "by-check"
    );
    let mut worst = 1.0f64;
    let mut rows = Vec::new();
    for d in Defect::ALL {
        let (mut caught, mut by_check) = (0, 0);
        for seed in 0..PER_DEFECT {
            let img = d.render(2000 + seed);
            let (v, m) = evaluate_photo(&img, &spec);
            caught += usize::from(!v.pass);
            let hit = v.get(d.check()).is_some_and(|c| c.outcome == Outcome::Fail);
            by_check += usize::from(hit);
            if !hit && std::env::var("SYNTH_DEBUG").is_ok() {
                println!(
                    "  miss {d:?} seed {seed}: failed {:?} fw {:.0} eyes {:?} found {} open {:.3} mouth {:.3} occl {:.2} gl {:.2} light {:.2} blur {:.2} spread {:.1} obj {:.4} faces {}",
                    v.failed_ids(),
                    m.face_width,
                    m.eyes,
                    m.eyes_found,
                    m.eye_opening,
                    m.mouth_opening,
                    m.occlusion,
                    m.glasses,
                    m.lighting_imbalance,
                    m.blur,
                    m.bg_spread,
                    m.bg_objects,
                    m.face_count
                );
            }
        }
        let recall = caught as f64 / PER_DEFECT as f64;
        worst = worst.min(recall);
        rows.push((d, recall));
        println!(
            "{:<14} {:>6} {:>7.0}% {:>7.0}%  {}",
            format!("{d:?}"),
            PER_DEFECT,
            recall * 100.0,
            by_check as f64 * 10.0,
            d.check()
        );
    }
    assert!(fr <= 0.05, "false-reject rate {fr}");
    for (d, r) in rows {
        assert!(r >= 0.8, "{d:?} recall {r}");
    }
}
