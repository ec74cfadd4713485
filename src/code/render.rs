//! Collection codes as QR images: what the demo camera's phone shows, so the camera scan path
//! can be tried without a student or a webcam.

use image::{GrayImage, Luma};
use rand::Rng;

/// Quiet zone around the symbol in modules (the QR standard asks for 4).
const QUIET: u32 = 4;

/// `payload` as a QR code at one pixel per module with a white quiet zone, or `None` when it
/// does not fit a QR code.
pub fn qr_image(payload: &str) -> Option<GrayImage> {
    let code = qrcode::QrCode::new(payload.as_bytes()).ok()?;
    let n = code.width() as u32;
    let colors = code.to_colors();
    let side = n + 2 * QUIET;
    Some(GrayImage::from_fn(side, side, |x, y| {
        let inside = (QUIET..n + QUIET).contains(&x) && (QUIET..n + QUIET).contains(&y);
        let dark =
            inside && colors[((y - QUIET) * n + (x - QUIET)) as usize] == qrcode::Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    }))
}

/// Length of a demo payload: real collection codes are opaque text of about this size.
const DEMO_LEN: usize = 96;

/// A new random payload shaped like a collection code (base64 text), for the demo camera.
pub fn demo_payload() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::thread_rng();
    (0..DEMO_LEN)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::{DemoDefect, DemoScene};
    use crate::code::{DecodeOptions, Decoder, PayloadPolicy, gray_from_rgb};

    #[test]
    fn the_demo_phone_code_is_read_from_a_demo_frame() {
        let payload = demo_payload();
        assert_eq!(payload.len(), DEMO_LEN);
        assert_ne!(payload, demo_payload());
        assert!(PayloadPolicy::default().validate(&payload).is_ok());
        let qr = qr_image(&payload).unwrap();
        assert_eq!(qr.get_pixel(0, 0).0[0], 255, "quiet zone");
        assert_eq!(qr.get_pixel(QUIET, QUIET).0[0], 0, "finder corner");
        let mut scene = DemoScene::new(1280, 720);
        let (frame, geometry) = scene.render(0.4, DemoDefect::Good, false, Some(&qr), 0);
        assert!(geometry.overlay_box.is_some());
        // No time budget: this is about legibility, not speed (the bench measures that).
        let mut decoder = Decoder::new(DecodeOptions {
            budget: std::time::Duration::from_secs(10),
            try_inverted: true,
        });
        let codes = decoder.decode(&gray_from_rgb(&frame), None).codes;
        assert_eq!(codes.len(), 1);
        assert_eq!(codes[0].payload, payload);
    }
}
