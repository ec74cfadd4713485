//! Writes a contact sheet of sample renders for visual inspection (ignored by default).
#[path = "compliance_synth/mod.rs"]
mod synth;

#[test]
#[ignore]
fn dump_samples() {
    let mut imgs: Vec<image::RgbImage> = (0..4)
        .map(|i| synth::render(&synth::Subject::good(i)))
        .collect();
    imgs.extend(synth::Defect::ALL.iter().map(|d| d.render(1)));
    let (tw, th) = (240u32, 320u32);
    let mut sheet = image::RgbImage::new(tw * 7, th * imgs.len().div_ceil(7) as u32);
    for (i, im) in imgs.iter().enumerate() {
        let small = image::imageops::resize(im, tw, th, image::imageops::FilterType::Triangle);
        image::imageops::replace(
            &mut sheet,
            &small,
            (i as i64 % 7) * tw as i64,
            (i as i64 / 7) * th as i64,
        );
    }
    sheet.save("/tmp/synth_sheet.png").unwrap();
}

#[test]
#[ignore]
fn debug_one() {
    let s = synth::Subject {
        occlusion: synth::Occlusion::HairOverEyes,
        roll_deg: 0.0,
        light_lr: 0.0,
        ev: 0.0,
        ..synth::Subject::good(12)
    };
    let img = synth::render(&s);
    img.save("/tmp/debug_one.png").unwrap();
    let (v, m) = capture_station::compliance::evaluate_photo(
        &img,
        &capture_station::compliance::PhotoSpec::default(),
    )
    .unwrap();
    println!("{m:#?}\n{:?}", v.failed_ids());
}

#[test]
#[ignore]
fn dump_final_crop() {
    let frame = synth::render(&synth::Subject::good(21).in_frame(1280, 720));
    let shot = capture_station::compliance::final_check(
        &frame,
        &capture_station::compliance::PhotoSpec::default(),
    )
    .unwrap();
    std::fs::write("/tmp/final_crop.jpg", &shot.jpeg.bytes).unwrap();
    println!(
        "q{} {} bytes pass {} {:?}",
        shot.jpeg.quality,
        shot.jpeg.bytes.len(),
        shot.verdict.pass,
        shot.geometry
    );
}
