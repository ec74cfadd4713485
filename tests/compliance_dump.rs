//! Writes a contact sheet of sample renders for visual inspection (ignored by default).
#[path = "compliance_synth/mod.rs"]
mod synth;

#[test]
#[ignore]
fn dump_samples() {
    let mut imgs: Vec<image::RgbImage> = (0..4).map(|i| synth::render(&synth::Subject::good(i))).collect();
    imgs.extend(synth::Defect::ALL.iter().map(|d| d.render(1)));
    let (tw, th) = (240u32, 320u32);
    let mut sheet = image::RgbImage::new(tw * 7, th * imgs.len().div_ceil(7) as u32);
    for (i, im) in imgs.iter().enumerate() {
        let small = image::imageops::resize(im, tw, th, image::imageops::FilterType::Triangle);
        image::imageops::replace(&mut sheet, &small, (i as i64 % 7) * tw as i64, (i as i64 / 7) * th as i64);
    }
    sheet.save("/tmp/synth_sheet.png").unwrap();
}
