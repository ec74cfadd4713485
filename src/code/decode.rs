//! Robust QR decoding of webcam frames with two decoders.
//!
//! Measured on the generated hard set (`tests/code_hardset`), plain `rqrr` reads about 63% of
//! frames and even with our own binarisation stays near 80%, because its finder search fails
//! on blur and small modules. The primary decoder is therefore `rxing`'s port of the
//! zxing-cpp QR reader (its finder search tolerates blur and perspective), fed in turn with
//! rxing's hybrid binarisation, then with our block min/max ("midrange") binarisation that
//! keeps low-contrast codes, then with magnified textured regions for small modules. `rqrr`
//! on our bitmaps remains the last fallback. Both polarities are tried (inverted codes), the
//! region of the previous hit goes first, and the search stops at the first pass that reads
//! a code or when the time budget is spent.
//!
//! Every detection runs on a helper thread: a decoder that spins on a degenerate input
//! (rqrr's alignment search can run for minutes) never blocks the caller beyond the budget.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use image::{GrayImage, RgbImage};
use rqrr::{BitGrid, PreparedImage};

use super::binarize::{Binarizer, DARK, LIGHT, Midrange, Plane};
use super::roi;
use super::zx::{self, Found};

/// Decoder tuning.
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// Stop starting new passes once this much time has been spent on a frame.
    pub budget: Duration,
    /// Also look for light-on-dark (inverted) codes.
    pub try_inverted: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            budget: Duration::from_millis(35),
            try_inverted: true,
        }
    }
}

/// A rectangle in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// A region of interest remembered from an earlier hit, with the module size seen there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoiHint {
    pub region: Region,
    /// Approximate module size in frame pixels.
    pub module_px: f32,
}

/// One decoded code.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// The decoded text (ECC-verified UTF-8).
    pub payload: String,
    /// Corners in frame pixels: top-left, top-right, bottom-right, bottom-left of the code.
    pub corners: [(f32, f32); 4],
    /// Number of modules per side.
    pub modules: usize,
    /// The code was light on dark.
    pub inverted: bool,
}

impl Detection {
    /// Bounding box of the corners, clipped to a `width`×`height` frame.
    pub fn bounding_box(&self, width: u32, height: u32) -> Region {
        let xs = self.corners.iter().map(|c| c.0);
        let ys = self.corners.iter().map(|c| c.1);
        let x0 = xs.clone().fold(f32::MAX, f32::min).max(0.0);
        let x1 = xs.fold(f32::MIN, f32::max).min(width as f32);
        let y0 = ys.clone().fold(f32::MAX, f32::min).max(0.0);
        let y1 = ys.fold(f32::MIN, f32::max).min(height as f32);
        Region {
            x: x0 as u32,
            y: y0 as u32,
            w: (x1 - x0).max(0.0) as u32,
            h: (y1 - y0).max(0.0) as u32,
        }
    }

    /// Approximate module size in frame pixels.
    pub fn module_px(&self) -> f32 {
        let d = |a: (f32, f32), b: (f32, f32)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
        let c = &self.corners;
        let side = (d(c[0], c[1]) + d(c[1], c[2]) + d(c[2], c[3]) + d(c[3], c[0])) / 4.0;
        side / self.modules.max(1) as f32
    }

    /// A region around this code, grown by half its size on each side, for the next frame.
    pub fn roi_hint(&self, width: u32, height: u32) -> RoiHint {
        let b = self.bounding_box(width, height);
        let gx = b.w / 2 + 16;
        let gy = b.h / 2 + 16;
        let x = b.x.saturating_sub(gx);
        let y = b.y.saturating_sub(gy);
        let x1 = (b.x + b.w + gx).min(width);
        let y1 = (b.y + b.h + gy).min(height);
        RoiHint {
            region: Region {
                x,
                y,
                w: x1.saturating_sub(x),
                h: y1.saturating_sub(y),
            },
            module_px: self.module_px(),
        }
    }
}

/// What a decode call did.
#[derive(Clone, Debug, Default)]
pub struct DecodeReport {
    /// Distinct codes found (usually zero or one).
    pub codes: Vec<Detection>,
    /// Passes (binarise + detect) that ran.
    pub passes: u32,
    /// The time budget ended the search before every pass ran.
    pub out_of_budget: bool,
}

/// Planes smaller than this (either side) are not worth a pass.
const MIN_PLANE: usize = 48;

const M_STD: Midrange = Midrange {
    block: 8,
    reach: 2,
    min_range: 20,
};
const M_LOW: Midrange = Midrange {
    block: 8,
    reach: 2,
    min_range: 12,
};
/// A narrower neighbourhood: follows shading and glare gradients across a large code.
const M_TIGHT: Midrange = Midrange {
    block: 8,
    reach: 1,
    min_range: 12,
};

/// Margin (frame pixels) added around a textured region before magnifying it, so the
/// finder patterns at its edge are whole.
const REGION_MARGIN: usize = 32;

/// What a detection job does with its plane.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Task {
    /// rxing on rxing's hybrid binarisation of the plane.
    ZxHybrid,
    /// rxing on our classes.
    ZxClasses,
    /// rqrr on our classes.
    Rqrr,
}

impl Task {
    fn index(self) -> usize {
        match self {
            Task::ZxHybrid => 0,
            Task::ZxClasses => 1,
            Task::Rqrr => 2,
        }
    }
}

/// A reusable decoder (keeps its scratch buffers and detection thread between frames).
pub struct Decoder {
    options: DecodeOptions,
    binarizer: Binarizer,
    runner: Option<Runner>,
    /// Running estimate of each task's cost in nanoseconds per plane pixel (0 = unknown),
    /// indexed by [`Task::index`]; a pass that would overrun the budget is not started.
    cost: [f64; 3],
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(DecodeOptions::default())
    }
}

impl Decoder {
    /// A decoder with the given options.
    pub fn new(options: DecodeOptions) -> Self {
        Decoder {
            options,
            binarizer: Binarizer::default(),
            runner: Runner::spawn(),
            cost: [0.0; 3],
        }
    }

    /// Decode a grey frame, looking first inside `hint` when given.
    pub fn decode(&mut self, img: &GrayImage, hint: Option<RoiHint>) -> DecodeReport {
        let start = Instant::now();
        let mut report = DecodeReport::default();
        let (w, h) = (img.width() as usize, img.height() as usize);
        if w < MIN_PLANE || h < MIN_PLANE {
            return report;
        }
        let raw = img.as_raw();

        if let Some(hint) = hint {
            let r = hint.region;
            let x = (r.x as usize).min(w);
            let y = (r.y as usize).min(h);
            let rw = (r.w as usize).min(w - x);
            let rh = (r.h as usize).min(h - y);
            if rw >= MIN_PLANE && rh >= MIN_PLANE {
                let crop = Plane::crop(raw, w, x, y, rw, rh);
                let work = if hint.module_px >= 6.0 {
                    crop.downscale2()
                } else if hint.module_px < 2.6 {
                    crop.upscale2()
                } else {
                    crop
                };
                let work = Arc::new(work);
                if self.pass(&work, None, Task::ZxHybrid, start, &mut report) {
                    return report;
                }
                let classes = self.classify(&work, M_LOW);
                if self.pass(&work, Some(&classes), Task::ZxClasses, start, &mut report) {
                    return report;
                }
            }
        }

        let full = Arc::new(Plane::crop(raw, w, 0, 0, w, h));
        let half = (w >= 2 * MIN_PLANE && h >= 2 * MIN_PLANE).then(|| Arc::new(full.downscale2()));
        // 1. rxing's own binarisation at half resolution (fast; also halves sensor noise),
        //    then at native resolution: most frames end here.
        if let Some(half) = &half
            && self.pass(half, None, Task::ZxHybrid, start, &mut report)
        {
            return report;
        }
        if self.pass(&full, None, Task::ZxHybrid, start, &mut report) {
            return report;
        }
        // 2. Midrange binarisation with a low contrast gate (low contrast, glare), first at
        //    half resolution (cheap, less noise), then at native resolution.
        if let Some(half) = &half {
            let classes = self.classify(half, M_LOW);
            if self.pass(half, Some(&classes), Task::ZxClasses, start, &mut report) {
                return report;
            }
        }
        let classes = self.classify(&full, M_LOW);
        if self.pass(&full, Some(&classes), Task::ZxClasses, start, &mut report) {
            return report;
        }
        // 3. A narrower midrange neighbourhood at native resolution (shaded large codes).
        let tight = self.classify(&full, M_TIGHT);
        if self.pass(&full, Some(&tight), Task::ZxClasses, start, &mut report) {
            return report;
        }
        // 4. Magnified, contrast-stretched textured regions (small modules).
        let regions = roi::textured_regions(&classes, full.w, full.h, 12, 420, 2);
        for r in regions {
            let x0 = r.x.saturating_sub(REGION_MARGIN);
            let y0 = r.y.saturating_sub(REGION_MARGIN);
            let x1 = (r.x + r.w + REGION_MARGIN).min(w);
            let y1 = (r.y + r.h + REGION_MARGIN).min(h);
            let mut crop = Plane::crop(raw, w, x0, y0, x1 - x0, y1 - y0).upscale2();
            crop.stretch(12);
            let crop = Arc::new(crop);
            if self.pass(&crop, None, Task::ZxHybrid, start, &mut report) {
                return report;
            }
            let up = self.classify(&crop, M_LOW);
            if self.pass(&crop, Some(&up), Task::ZxClasses, start, &mut report) {
                return report;
            }
        }
        // 5. rqrr (slowest; reads some strongly tilted codes the others miss) on the native
        //    classes, then at half resolution.
        if self.pass(&full, Some(&classes), Task::Rqrr, start, &mut report) {
            return report;
        }
        if let Some(half) = &half {
            let classes = self.classify(half, M_STD);
            self.pass(half, Some(&classes), Task::Rqrr, start, &mut report);
        }
        report
    }

    fn classify(&mut self, plane: &Plane, t: Midrange) -> Arc<Vec<u8>> {
        let mut out = Vec::new();
        self.binarizer.classify_midrange(plane, t, &mut out);
        Arc::new(out)
    }

    /// Run one detection task on `plane` (and its `classes`, for tasks that use them) in
    /// both polarities. Returns true when done (a code was found or the budget is spent).
    fn pass(
        &mut self,
        plane: &Arc<Plane>,
        classes: Option<&Arc<Vec<u8>>>,
        task: Task,
        start: Instant,
        report: &mut DecodeReport,
    ) -> bool {
        let pixels = (plane.w * plane.h) as f64;
        let expected = Duration::from_nanos((self.cost[task.index()] * pixels) as u64);
        if start.elapsed() + expected >= self.options.budget {
            // Let a skipped task's estimate decay, so one slow outlier does not bar it for good.
            self.cost[task.index()] *= 0.9;
            report.out_of_budget = true;
            return true;
        }
        if plane.w < MIN_PLANE || plane.h < MIN_PLANE {
            return false;
        }
        report.passes += 1;
        let began = Instant::now();
        let job = Job {
            plane: Arc::clone(plane),
            classes: classes.cloned(),
            task,
            try_inverted: self.options.try_inverted,
        };
        let result = self.run(job, start);
        let ns_per_px = began.elapsed().as_nanos() as f64 / pixels;
        let c = &mut self.cost[task.index()];
        *c = if *c == 0.0 {
            ns_per_px
        } else {
            0.8 * *c + 0.2 * ns_per_px
        };
        let Some(found) = result else {
            report.out_of_budget = true;
            return true;
        };
        for ((payload, corners, modules), inverted) in found {
            if !plausible(&payload) || report.codes.iter().any(|c| c.payload == payload) {
                continue;
            }
            report.codes.push(Detection {
                payload,
                corners: corners.map(|(x, y)| plane.to_source(x, y)),
                modules,
                inverted,
            });
        }
        !report.codes.is_empty()
    }

    /// Run a job on the helper thread when available. `None` means detection is unavailable
    /// for now (a runaway search is still running) or this job overran the budget.
    fn run(&mut self, job: Job, start: Instant) -> Option<Vec<Hit>> {
        let Some(runner) = self.runner.as_mut() else {
            return Some(job.run());
        };
        if runner.stuck {
            match runner.results.try_recv() {
                Ok(_) => runner.stuck = false,
                Err(_) => return None,
            }
        }
        if let Err(failed) = runner.jobs.send(job) {
            self.runner = None;
            return Some(failed.0.run());
        }
        let wait = self.options.budget.saturating_sub(start.elapsed()) + HANG_GRACE;
        match runner.results.recv_timeout(wait) {
            Ok(found) => Some(found),
            Err(RecvTimeoutError::Timeout) => {
                tracing::warn!(
                    "QR detection exceeded its time budget; skipping detection until it ends"
                );
                runner.stuck = true;
                None
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.runner = None;
                Some(Vec::new())
            }
        }
    }
}

/// A decoded code and whether it was light on dark.
type Hit = (Found, bool);

/// One detection task with its inputs (shared, so a runaway job cannot take the caller's
/// buffers with it).
struct Job {
    plane: Arc<Plane>,
    classes: Option<Arc<Vec<u8>>>,
    task: Task,
    try_inverted: bool,
}

impl Job {
    /// Run the task in the normal and (when enabled) inverted polarity, stopping at the
    /// first polarity that yields a code. A panic inside a decoder (both have arithmetic on
    /// degenerate geometry) is contained and counts as "nothing found".
    fn run(&self) -> Vec<Hit> {
        let run = || {
            let (w, h) = (self.plane.w, self.plane.h);
            let polarities: &[bool] = if self.try_inverted {
                &[false, true]
            } else {
                &[false]
            };
            let mut hybrid = None;
            for &inverted in polarities {
                let black = if inverted { LIGHT } else { DARK };
                let found = match (self.task, self.classes.as_deref()) {
                    (Task::ZxHybrid, _) => {
                        if hybrid.is_none() {
                            hybrid = zx::hybrid_matrix(&self.plane);
                        }
                        match hybrid.as_mut() {
                            Some(m) => {
                                if inverted {
                                    m.flip_self();
                                }
                                zx::detect(m)
                            }
                            None => Vec::new(),
                        }
                    }
                    (Task::ZxClasses, Some(classes)) => zx::class_matrix(classes, w, h, black)
                        .map(|m| zx::detect(&m))
                        .unwrap_or_default(),
                    (Task::Rqrr, Some(classes)) => rqrr_detect(w, h, classes, black),
                    (_, None) => Vec::new(),
                };
                if !found.is_empty() {
                    return found.into_iter().map(|f| (f, inverted)).collect();
                }
            }
            Vec::new()
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_default()
    }
}

/// Run rqrr on one polarity of a classified plane.
fn rqrr_detect(w: usize, h: usize, classes: &[u8], black: u8) -> Vec<Found> {
    let mut prepared = PreparedImage::prepare_from_bitmap(w, h, |x, y| classes[y * w + x] == black);
    let mut out = Vec::new();
    for grid in prepared.detect_grids() {
        if let Ok((_meta, payload)) = grid.decode() {
            let corners = grid.bounds.map(|p| (p.x as f32, p.y as f32));
            out.push((payload, corners, grid.grid.size()));
        }
    }
    out
}

/// Detection runs on a helper thread: the decoder waits at most the remaining budget plus
/// [`HANG_GRACE`], and while a runaway search is still busy it skips detection instead of
/// piling up more work.
struct Runner {
    jobs: Sender<Job>,
    results: Receiver<Vec<Hit>>,
    stuck: bool,
}

/// Extra wait beyond the budget before a detection is considered a runaway.
const HANG_GRACE: Duration = Duration::from_millis(250);

impl Runner {
    fn spawn() -> Option<Runner> {
        let (jobs, job_rx) = channel::<Job>();
        let (res_tx, results) = channel();
        std::thread::Builder::new()
            .name("qr-detect".into())
            .spawn(move || {
                while let Ok(job) = job_rx.recv() {
                    if res_tx.send(job.run()).is_err() {
                        break;
                    }
                }
            })
            .ok()?;
        Some(Runner {
            jobs,
            results,
            stuck: false,
        })
    }
}

/// Sanity check on top of the decoders' error correction: non-empty, no control characters
/// other than common whitespace (a mis-corrected block tends to produce them).
fn plausible(payload: &str) -> bool {
    !payload.is_empty()
        && payload
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
}

/// Fast integer luma (BT.601) of an RGB frame.
pub fn gray_from_rgb(img: &RgbImage) -> GrayImage {
    let (w, h) = img.dimensions();
    let data: Vec<u8> = img
        .as_raw()
        .chunks_exact(3)
        .map(|p| ((p[0] as u32 * 77 + p[1] as u32 * 150 + p[2] as u32 * 29 + 128) >> 8) as u8)
        .collect();
    GrayImage::from_raw(w, h, data).unwrap_or_else(|| GrayImage::new(w, h))
}

/// Decode every code in a grey image with default options.
pub fn decode_gray(img: &GrayImage) -> Vec<Detection> {
    Decoder::new(DecodeOptions::default())
        .decode(img, None)
        .codes
}

/// Decode every code in an RGB image with default options.
pub fn decode_rgb(img: &RgbImage) -> Vec<Detection> {
    decode_gray(&gray_from_rgb(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 640×480 frame with a QR (4 px modules) at `(x, y)`, light-on-dark when `inverted`.
    fn frame(text: &str, x: u32, y: u32, inverted: bool) -> GrayImage {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = code.width() as u32;
        let colors = code.to_colors();
        let mut img =
            GrayImage::from_pixel(640, 480, image::Luma([if inverted { 40 } else { 200 }]));
        for my in 0..n {
            for mx in 0..n {
                let dark = colors[(my * n + mx) as usize] == qrcode::Color::Dark;
                let v = if dark != inverted { 30 } else { 210 };
                for dy in 0..4 {
                    for dx in 0..4 {
                        img.put_pixel(x + mx * 4 + dx, y + my * 4 + dy, image::Luma([v]));
                    }
                }
            }
        }
        img
    }

    #[test]
    fn reads_both_polarities_and_maps_corners_to_the_frame() {
        let mut d = Decoder::default();
        let r = d.decode(&frame("normal", 100, 60, false), None);
        assert_eq!(r.codes.len(), 1);
        assert_eq!(r.codes[0].payload, "normal");
        assert!(!r.codes[0].inverted);
        let b = r.codes[0].bounding_box(640, 480);
        assert!(
            (b.x as i32 - 100).abs() <= 3 && (b.y as i32 - 60).abs() <= 3,
            "{b:?}"
        );
        assert!((r.codes[0].module_px() - 4.0).abs() < 0.5);

        let r = d.decode(&frame("inverted", 300, 200, true), None);
        assert_eq!(r.codes[0].payload, "inverted");
        assert!(r.codes[0].inverted);
    }

    #[test]
    fn the_hint_region_is_read_first() {
        let mut d = Decoder::default();
        let img = frame("hinted", 200, 150, false);
        let first = d.decode(&img, None);
        let hint = first.codes[0].roi_hint(640, 480);
        let again = d.decode(&img, Some(hint));
        assert_eq!(again.codes[0].payload, "hinted");
        assert_eq!(again.passes, 1);
    }

    #[test]
    fn an_empty_budget_runs_no_pass_and_a_blank_frame_reads_nothing() {
        let mut d = Decoder::new(DecodeOptions {
            budget: Duration::ZERO,
            try_inverted: true,
        });
        let r = d.decode(&frame("late", 100, 100, false), None);
        assert!(r.codes.is_empty() && r.out_of_budget && r.passes == 0);
        let r =
            Decoder::default().decode(&GrayImage::from_pixel(640, 480, image::Luma([128])), None);
        assert!(r.codes.is_empty());
    }
}
