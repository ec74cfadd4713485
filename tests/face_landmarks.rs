//! The face room on the demo camera's subject: detection, mesh, iris, tracking and the empty backdrop.

use capture_station::camera::{DemoDefect, DemoScene};
use capture_station::face::{EyeDetail, FaceTracker, Side, idx};
use image::RgbImage;

fn demo(defect: DemoDefect) -> RgbImage {
    DemoScene::new(1280, 720)
        .render(0.4, defect, false, None, 1)
        .0
}

#[test]
fn finds_the_demo_subject_with_mesh_and_eyes_in_place() {
    let mut t = FaceTracker::new().unwrap();
    let (img, g) = DemoScene::new(1280, 720).render(0.4, DemoDefect::Good, false, None, 1);
    let faces = t.analyse_still(&img).unwrap();
    let f = faces.primary.expect("demo subject found");
    assert!(f.detection_score > 0.7, "detection {}", f.detection_score);
    assert!(f.presence > 0.9, "presence {}", f.presence);
    assert!(
        faces.others.iter().all(|d| d.score < 0.75),
        "{:?}",
        faces.others
    );
    assert_eq!(f.points.len(), 468);
    // The mesh sits on the rendered face, and its eyes on the rendered eyes.
    let b = f.bounds();
    let fb = g.face_box;
    let (hx, hy) = (fb.x + fb.w / 2.0, fb.y + fb.h / 2.0);
    assert!(b[0] < hx && hx < b[2], "{b:?} vs face centre x {hx}");
    assert!(b[1] < hy && hy < b[3], "{b:?} vs face centre y {hy}");
    // Image-left eye left of the image-right eye; iris contour corners match the mesh corners.
    let eyes = f.eyes.as_ref().expect("iris ran");
    assert!(eyes[0].centre()[0] < eyes[1].centre()[0]);
    // Each eye's contour starts at its outer corner (the mirrored eye is mapped back correctly).
    let near = |p: [f32; 2], q: [f32; 2]| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
    for (e, outer, inner) in [
        (&eyes[0], idx::EYE_L_OUTER, idx::EYE_L_INNER),
        (&eyes[1], idx::EYE_R_OUTER, idx::EYE_R_INNER),
    ] {
        let c = e.contour[0];
        assert!(
            near(c, f.xy(outer)) < near(c, f.xy(inner)) && near(c, f.xy(outer)) < 0.3 * e.width(),
            "{c:?} vs outer {:?} inner {:?}",
            f.xy(outer),
            f.xy(inner)
        );
    }
    for (e, truth) in eyes.iter().zip(g.eyes) {
        assert!(e.openness() > 0.2, "open eye reads {}", e.openness());
        let c = e.centre();
        let tol = 0.06 * fb.w;
        assert!(
            (c[0] - truth.0).abs() < tol && (c[1] - truth.1).abs() < tol,
            "{c:?} vs {truth:?}"
        );
    }
}

#[test]
fn closed_eyes_read_lower_than_open_ones() {
    let mut t = FaceTracker::new().unwrap();
    let open = t
        .analyse_still(&demo(DemoDefect::Good))
        .unwrap()
        .primary
        .unwrap();
    let shut = t
        .analyse_still(&demo(DemoDefect::EyesClosed))
        .unwrap()
        .primary
        .unwrap();
    let o = |f: &capture_station::face::FaceLandmarks| {
        let e = f.eyes.as_ref().unwrap();
        e[0].openness().min(e[1].openness())
    };
    assert!(
        o(&shut) < o(&open) * 0.6,
        "closed {} vs open {}",
        o(&shut),
        o(&open)
    );
}

#[test]
fn tracking_reuses_the_mesh_and_detects_only_when_lost() {
    let mut t = FaceTracker::new().unwrap();
    let mut scene = DemoScene::new(1280, 720);
    for i in 0..6 {
        let (img, _) = scene.render(i as f32 / 15.0, DemoDefect::Good, false, None, i);
        let side = if i % 2 == 0 { Side::Left } else { Side::Right };
        let f = t.track(&img, EyeDetail::One(side)).unwrap();
        assert!(f.is_some_and(|f| f.eyes.is_some()), "frame {i}");
    }
    let first = t.detector_runs();
    assert!(first <= 1, "the detector ran {first} times for one track");
    let empty = RgbImage::from_pixel(1280, 720, image::Rgb([100, 197, 255]));
    assert!(t.track(&empty, EyeDetail::None).unwrap().is_none());
    assert!(t.detector_runs() > first, "a lost track searches again");
    let (img, _) = scene.render(1.0, DemoDefect::Good, false, None, 9);
    assert!(
        t.track(&img, EyeDetail::Both).unwrap().is_some(),
        "found again"
    );
}

#[test]
fn an_empty_backdrop_has_no_face() {
    let mut t = FaceTracker::new().unwrap();
    let empty = RgbImage::from_pixel(1280, 720, image::Rgb([67, 142, 219]));
    let faces = t.analyse_still(&empty).unwrap();
    assert!(faces.primary.is_none() && faces.others.is_empty());
}

#[test]
fn no_hand_is_seen_on_the_demo_subject() {
    let mut t = FaceTracker::new().unwrap();
    for d in DemoDefect::ALL {
        let img = demo(d);
        let faces = t.analyse_still(&img).unwrap();
        let Some(f) = &faces.primary else { continue };
        // The palm search runs around the face on every still; nothing there is a hand.
        let again = t.hands_near(&img, f).unwrap();
        assert_eq!(again.len(), faces.hands.len(), "{d:?}");
        for h in faces.hands.iter().chain(&again) {
            assert_eq!(h.points.len(), capture_station::face::HAND_POINTS);
            assert!(h.presence < 0.3, "{d:?}: hand presence {}", h.presence);
        }
    }
}
