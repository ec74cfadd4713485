//! QR detection and decoding with `rxing`'s port of the zxing-cpp QR reader, run on a bit
//! matrix that comes either from rxing's hybrid binariser or from our own classes.
//!
//! The reader loop is ours (instead of `QrReader`) so that the number of finder-pattern
//! triples tried per matrix is capped and the symbol size is known for the ROI hint.

use rxing::common::{
    BIT_FIELD_BASE_BITS, BitArray, BitFieldBaseType, BitMatrix, DetectorRXingResult,
    HybridBinarizer,
};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::{Binarizer, Luma8Source};

use super::binarize::Plane;

/// A code found in a matrix, in plane coordinates: payload, corners (TL, TR, BR, BL),
/// modules per side.
pub(crate) type Found = (String, [(f32, f32); 4], usize);

/// Finder-pattern triples tried per matrix at most (most plausible first). A busy frame
/// can yield hundreds; a real code is almost always among the first few.
const MAX_SETS: usize = 24;

/// Binarise `plane` with rxing's hybrid (8×8 block, 5×5 neighbourhood) binariser.
/// `None` when the plane is too small for it.
pub(crate) fn hybrid_matrix(plane: &Plane) -> Option<BitMatrix> {
    let source = Luma8Source::new_with_slice(&plane.data, plane.w as u32, plane.h as u32).ok()?;
    HybridBinarizer::new(source)
        .get_black_matrix()
        .ok()
        .cloned()
}

/// A bit matrix whose set bits are the pixels of `classes` equal to `black`, packed a word
/// at a time (setting bit by bit costs as much as the detection on a large plane).
pub(crate) fn class_matrix(classes: &[u8], w: usize, h: usize, black: u8) -> Option<BitMatrix> {
    let mut m = BitMatrix::new(w as u32, h as u32).ok()?;
    let mut bits = BitArray::with_size(w);
    for (y, row) in classes.chunks_exact(w).take(h).enumerate() {
        for (k, chunk) in row.chunks(BIT_FIELD_BASE_BITS).enumerate() {
            let word = chunk.iter().enumerate().fold(0, |acc, (i, &c)| {
                acc | (((c == black) as BitFieldBaseType) << i)
            });
            bits.setBulk(k * BIT_FIELD_BASE_BITS, word);
        }
        m.setRow(y as u32, &bits);
    }
    Some(m)
}

/// A finder-pattern triple that did not decode: centres of the top-left, top-right and
/// bottom-left finders in plane pixels, and the finder size in pixels. Another sampler (rqrr)
/// gets a second chance on a crop around it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub tl: (f32, f32),
    pub tr: (f32, f32),
    pub bl: (f32, f32),
    pub finder_px: f32,
}

/// Failed triples reported per matrix at most (most plausible first).
const MAX_CANDIDATES: usize = 2;

/// Find and decode QR codes in a bit matrix (set = dark module). Also returns the most
/// plausible finder triples that did not decode.
pub(crate) fn detect(matrix: &BitMatrix) -> (Vec<Found>, Vec<Candidate>) {
    let mut patterns = FindFinderPatterns(matrix, true, 0);
    let sets = GenerateFinderPatternSets(&mut patterns);
    let mut used = Vec::new();
    let mut out: Vec<Found> = Vec::new();
    let mut failed = Vec::new();
    for set in sets.iter().take(MAX_SETS) {
        if used.contains(&set.tl) || used.contains(&set.tr) || used.contains(&set.bl) {
            continue;
        }
        let decoded = SampleQR(matrix, set)
            .ok()
            .and_then(|det| Some((Decode(det.getBits()).ok()?, det)))
            .filter(|(res, _)| res.isValid());
        let Some((res, det)) = decoded else {
            if failed.len() < MAX_CANDIDATES {
                let size = set.tl.size.max(set.tr.size).max(set.bl.size);
                failed.push(Candidate {
                    tl: (set.tl.p.x, set.tl.p.y),
                    tr: (set.tr.p.x, set.tr.p.y),
                    bl: (set.bl.p.x, set.bl.p.y),
                    finder_px: size as f32,
                });
            }
            continue;
        };
        used.extend([set.tl, set.tr, set.bl]);
        let pts = det.getPoints();
        if pts.len() < 4 {
            continue;
        }
        // The sampler reports TL, TR, BL, BR.
        let corners = [0, 1, 3, 2].map(|i| (pts[i].x, pts[i].y));
        out.push((res.text(), corners, det.getBits().width() as usize));
    }
    (out, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, module: usize, margin: usize, inverted: bool) -> Plane {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = code.width();
        let colors = code.to_colors();
        let side = (n + 2 * margin) * module;
        let mut data = vec![0u8; side * side];
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (x / module, y / module);
                let dark = mx >= margin
                    && my >= margin
                    && mx < n + margin
                    && my < n + margin
                    && colors[(my - margin) * n + mx - margin] == qrcode::Color::Dark;
                data[y * side + x] = if dark != inverted { 30 } else { 220 };
            }
        }
        Plane {
            w: side,
            h: side,
            data,
            ox: 0.0,
            oy: 0.0,
            scale: 1.0,
        }
    }

    #[test]
    fn decodes_a_clean_code_with_its_corners_and_size() {
        let plane = render("hello rxing", 4, 4, false);
        let m = hybrid_matrix(&plane).unwrap();
        let (found, _) = detect(&m);
        assert_eq!(found.len(), 1);
        let (text, corners, modules) = &found[0];
        assert_eq!(text, "hello rxing");
        assert_eq!(*modules, 21);
        // Top-left corner of the symbol at (16, 16), bottom-right at (100, 100).
        assert!((corners[0].0 - 16.0).abs() < 3.0 && (corners[0].1 - 16.0).abs() < 3.0);
        assert!((corners[2].0 - 100.0).abs() < 3.0 && (corners[2].1 - 100.0).abs() < 3.0);
    }

    #[test]
    fn inverted_code_needs_the_flipped_matrix() {
        let plane = render("light on dark", 4, 4, true);
        let mut m = hybrid_matrix(&plane).unwrap();
        assert!(detect(&m).0.is_empty());
        m.flip_self();
        assert_eq!(detect(&m).0[0].0, "light on dark");
    }

    #[test]
    fn class_matrix_packs_every_pixel_of_ragged_rows() {
        // Widths below, at and across a word boundary.
        for w in [5usize, 64, 130] {
            let h = 7;
            let classes: Vec<u8> = (0..w * h).map(|i| ((i * 7 + i / 3) % 3) as u8).collect();
            for black in [1u8, 2] {
                let m = class_matrix(&classes, w, h, black).unwrap();
                for y in 0..h {
                    for x in 0..w {
                        assert_eq!(
                            m.get(x as u32, y as u32),
                            classes[y * w + x] == black,
                            "w {w} ({x}, {y})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn flat_plane_yields_nothing() {
        let plane = Plane {
            w: 200,
            h: 120,
            data: vec![128; 200 * 120],
            ox: 0.0,
            oy: 0.0,
            scale: 1.0,
        };
        assert!(detect(&hybrid_matrix(&plane).unwrap()).0.is_empty());
        let classes = vec![0u8; 200 * 120];
        assert!(
            detect(&class_matrix(&classes, 200, 120, 1).unwrap())
                .0
                .is_empty()
        );
    }
}
