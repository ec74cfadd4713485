//! Robust QR decoding of webcam frames with two decoders.
//!
//! Measured on the generated hard set (`tests/code_hardset`), plain `rqrr` reads about 63% of
//! frames and even with our own binarisation stays near 80%, because its finder search fails
//! on blur and small modules. The primary decoder is therefore `rxing`'s port of the
//! zxing-cpp QR reader (its finder search tolerates blur and perspective), fed in turn with
//! rxing's hybrid binarisation, then with our block min/max ("midrange") binarisation that
//! keeps low-contrast codes, then with magnified textured regions for small modules. Where
//! rxing finds a code's finder patterns but cannot sample a strongly tilted grid, `rqrr`
//! (whose sampler copes) reads a crop around them; rqrr on the whole frame is the last
//! resort. Both polarities are tried (inverted codes), the region of the previous hit goes
//! first, and the search stops at the first pass that reads a code or when the time budget
//! is spent. [`DecodeReport::trace`] says which passes ran, what they cost and which read.
//!
//! Every detection runs on a helper thread: a decoder that spins on a degenerate input
//! (rqrr's alignment search can run for minutes) never blocks the caller beyond the budget.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use image::{GrayImage, RgbImage};
use rqrr::{BitGrid, PreparedImage};

use super::binarize::{Binarizer, DARK, LIGHT, Midrange, Plane};
use super::roi::{self, Rect};
use super::zx::{self, Candidate, Found};

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
    /// Every pass that ran, in order (for `decode --json` and tuning).
    pub trace: Vec<PassTrace>,
}

/// One pass of a decode call.
#[derive(Clone, Debug)]
pub struct PassTrace {
    /// Which pass (e.g. `half/hybrid`, `full/midrange`).
    pub name: &'static str,
    /// Plane width in pixels.
    pub width: usize,
    /// Plane height in pixels.
    pub height: usize,
    /// Wall time of the pass in milliseconds.
    pub ms: f64,
    /// Time spent preparing its input (rescaling, binarising) since the previous pass ended.
    pub prep_ms: f64,
    /// The pass read a code.
    pub found: bool,
}

/// Planes smaller than this (either side) are not worth a pass.
const MIN_PLANE: usize = 48;

/// A 5×5-block window for magnified regions.
const M_LOW: Midrange = Midrange {
    block: 8,
    reach: 2,
    min_range: 12,
};
/// A narrow neighbourhood (3×3 blocks of 8 px): follows shading and glare gradients. On the
/// hard set it reads 22 of 24 low-contrast frames at native resolution, against 16 for the
/// 5×5-block window.
const M_TIGHT: Midrange = Midrange {
    block: 8,
    reach: 1,
    min_range: 12,
};
/// The same window for a half-resolution plane.
const M_HALF: Midrange = Midrange {
    block: 4,
    reach: 1,
    min_range: 12,
};
/// Finder-triple crops tried per frame at most.
const MAX_FINDER_CROPS: usize = 2;

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
    /// When the current call began.
    start: Instant,
    /// What the current call has done so far.
    report: DecodeReport,
    /// When the last pass of the current call ended (for [`PassTrace::prep_ms`]).
    last_pass_end: Option<Instant>,
    /// Finder triples (frame pixels) located but not decoded in the current call.
    candidates: Vec<Candidate>,
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
            start: Instant::now(),
            report: DecodeReport::default(),
            last_pass_end: None,
            candidates: Vec::new(),
        }
    }

    /// Decode a grey frame, looking first inside `hint` when given.
    pub fn decode(&mut self, img: &GrayImage, hint: Option<RoiHint>) -> DecodeReport {
        self.start = Instant::now();
        self.report = DecodeReport::default();
        self.last_pass_end = None;
        self.candidates.clear();
        let (w, h) = (img.width() as usize, img.height() as usize);
        if w < MIN_PLANE || h < MIN_PLANE {
            return self.finish();
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
                if self.pass("roi/hybrid", &work, None, Task::ZxHybrid) {
                    return self.finish();
                }
                let classes = self.classify(&work, M_TIGHT);
                if self.pass("roi/midrange", &work, Some(&classes), Task::ZxClasses) {
                    return self.finish();
                }
            }
        }

        let full = Arc::new(Plane::crop(raw, w, 0, 0, w, h));
        let half = (w >= 2 * MIN_PLANE && h >= 2 * MIN_PLANE).then(|| Arc::new(full.downscale2()));
        // 1. rxing's own binarisation at half resolution (fast; also halves sensor noise),
        //    then at native resolution (small modules): most frames end here.
        if let Some(half) = &half
            && self.pass("half/hybrid", half, None, Task::ZxHybrid)
        {
            return self.finish();
        }
        if self.pass("full/hybrid", &full, None, Task::ZxHybrid) {
            return self.finish();
        }
        // 2. Finder triples rxing located but could not sample (strong perspective): rqrr on
        //    a native crop around each.
        let mut tried = Vec::new();
        if self.finder_passes(raw, w, h, &mut tried) {
            return self.finish();
        }
        // 3. Midrange binarisation with a low contrast gate over a narrow neighbourhood (low
        //    contrast, shading, glare): cheap at half resolution, then at native resolution.
        if let Some(half) = &half {
            let classes = self.classify(half, M_HALF);
            if self.pass("half/midrange", half, Some(&classes), Task::ZxClasses) {
                return self.finish();
            }
        }
        let classes = self.classify(&full, M_TIGHT);
        if self.pass("full/midrange", &full, Some(&classes), Task::ZxClasses) {
            return self.finish();
        }
        // 4. Finder triples rxing located but could not sample (strong perspective), found
        //    since step 2: rqrr on a crop around each.
        if self.finder_passes(raw, w, h, &mut tried) {
            return self.finish();
        }
        // 5. Magnified, contrast-stretched textured regions (small modules).
        let regions = roi::textured_regions(&classes, full.w, full.h, 12, 420, 2);
        for r in regions {
            let x0 = r.x.saturating_sub(REGION_MARGIN);
            let y0 = r.y.saturating_sub(REGION_MARGIN);
            let x1 = (r.x + r.w + REGION_MARGIN).min(w);
            let y1 = (r.y + r.h + REGION_MARGIN).min(h);
            let mut crop = Plane::crop(raw, w, x0, y0, x1 - x0, y1 - y0).upscale2();
            crop.stretch(12);
            let crop = Arc::new(crop);
            if self.pass("region/hybrid", &crop, None, Task::ZxHybrid) {
                return self.finish();
            }
            let up = self.classify(&crop, M_LOW);
            if self.pass("region/midrange", &crop, Some(&up), Task::ZxClasses) {
                return self.finish();
            }
            if self.pass("region/rqrr", &crop, Some(&up), Task::Rqrr) {
                return self.finish();
            }
        }
        // 6. rqrr on the whole frame (slowest; last resort).
        self.pass("full/rqrr", &full, Some(&classes), Task::Rqrr);
        self.finish()
    }

    /// The report of the current call.
    fn finish(&mut self) -> DecodeReport {
        std::mem::take(&mut self.report)
    }

    /// rqrr on crops around the finder triples not yet `tried`. True when done.
    fn finder_passes(&mut self, raw: &[u8], w: usize, h: usize, tried: &mut Vec<Rect>) -> bool {
        for (region, module_px) in self.candidate_regions(w, h) {
            if tried
                .iter()
                .any(|t| overlap(t, &region) * 2 > region.w * region.h)
            {
                continue;
            }
            tried.push(region);
            let crop = Plane::crop(raw, w, region.x, region.y, region.w, region.h);
            // rqrr's cost grows with pixels; it reads modules down to about 2.5 px.
            let crop = Arc::new(if module_px >= 5.5 {
                crop.downscale2()
            } else {
                crop
            });
            let classes = self.classify(&crop, M_TIGHT);
            if self.pass("finder/rqrr", &crop, Some(&classes), Task::Rqrr) {
                return true;
            }
        }
        false
    }

    /// Crops (frame pixels) around the finder triples that failed to decode in this call,
    /// with their module size, most plausible first, without near-duplicates. Each covers the
    /// parallelogram the three finders span plus a quarter of its size and a finder's width on
    /// every side.
    fn candidate_regions(&self, w: usize, h: usize) -> Vec<(Rect, f32)> {
        let mut out: Vec<(Rect, f32)> = Vec::new();
        for c in &self.candidates {
            let br = (c.tr.0 + c.bl.0 - c.tl.0, c.tr.1 + c.bl.1 - c.tl.1);
            let pts = [c.tl, c.tr, c.bl, br];
            let x0 = pts.iter().map(|p| p.0).fold(f32::MAX, f32::min);
            let x1 = pts.iter().map(|p| p.0).fold(f32::MIN, f32::max);
            let y0 = pts.iter().map(|p| p.1).fold(f32::MAX, f32::min);
            let y1 = pts.iter().map(|p| p.1).fold(f32::MIN, f32::max);
            let pad = 0.25 * (x1 - x0).max(y1 - y0) + c.finder_px;
            let clip = |v: f32, max: usize| v.clamp(0.0, max as f32) as usize;
            let (rx0, ry0) = (clip(x0 - pad, w), clip(y0 - pad, h));
            let (rx1, ry1) = (clip(x1 + pad, w), clip(y1 + pad, h));
            if rx1 < rx0 + MIN_PLANE || ry1 < ry0 + MIN_PLANE {
                continue;
            }
            let r = Rect {
                x: rx0,
                y: ry0,
                w: rx1 - rx0,
                h: ry1 - ry0,
            };
            // Nothing is gained over the whole-frame pass by a crop covering most of it.
            if r.w * r.h * 2 > w * h {
                continue;
            }
            if out.iter().any(|(o, _)| overlap(o, &r) * 2 > r.w * r.h) {
                continue;
            }
            // A finder pattern is 7 modules wide.
            out.push((r, c.finder_px / 7.0));
            if out.len() == MAX_FINDER_CROPS {
                break;
            }
        }
        out
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
        name: &'static str,
        plane: &Arc<Plane>,
        classes: Option<&Arc<Vec<u8>>>,
        task: Task,
    ) -> bool {
        let start = self.start;
        let pixels = (plane.w * plane.h) as f64;
        let expected = Duration::from_nanos((self.cost[task.index()] * pixels) as u64);
        if start.elapsed() + expected >= self.options.budget {
            // Let a skipped task's estimate decay, so one slow outlier does not bar it for good.
            self.cost[task.index()] *= 0.9;
            self.report.out_of_budget = true;
            return true;
        }
        if plane.w < MIN_PLANE || plane.h < MIN_PLANE {
            return false;
        }
        self.report.passes += 1;
        let began = Instant::now();
        let job = Job {
            plane: Arc::clone(plane),
            classes: classes.cloned(),
            task,
            try_inverted: self.options.try_inverted,
        };
        let result = self.run(job, start);
        let took = began.elapsed();
        let prep = began.duration_since(self.last_pass_end.unwrap_or(start));
        self.last_pass_end = Some(Instant::now());
        self.report.trace.push(PassTrace {
            name,
            width: plane.w,
            height: plane.h,
            ms: took.as_secs_f64() * 1000.0,
            prep_ms: prep.as_secs_f64() * 1000.0,
            found: result.as_ref().is_some_and(|o| !o.hits.is_empty()),
        });
        let ns_per_px = took.as_nanos() as f64 / pixels;
        let c = &mut self.cost[task.index()];
        *c = if *c == 0.0 {
            ns_per_px
        } else {
            0.8 * *c + 0.2 * ns_per_px
        };
        let Some(Output { hits, candidates }) = result else {
            self.report.out_of_budget = true;
            return true;
        };
        let to_frame = |p: (f32, f32)| plane.to_source(p.0, p.1);
        self.candidates
            .extend(candidates.into_iter().map(|c| Candidate {
                tl: to_frame(c.tl),
                tr: to_frame(c.tr),
                bl: to_frame(c.bl),
                finder_px: c.finder_px * plane.scale,
            }));
        for ((payload, corners, modules), inverted) in hits {
            if !plausible(&payload) || self.report.codes.iter().any(|c| c.payload == payload) {
                continue;
            }
            self.report.codes.push(Detection {
                payload,
                corners: corners.map(|(x, y)| plane.to_source(x, y)),
                modules,
                inverted,
            });
        }
        !self.report.codes.is_empty()
    }

    /// Run a job on the helper thread when available. `None` means detection is unavailable
    /// for now (a runaway search is still running) or this job overran the budget.
    fn run(&mut self, job: Job, start: Instant) -> Option<Output> {
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
                Some(Output::default())
            }
        }
    }
}

/// A decoded code and whether it was light on dark.
type Hit = (Found, bool);

/// What one detection job produced: codes, and finder triples that did not decode (plane
/// pixels).
#[derive(Default)]
struct Output {
    hits: Vec<Hit>,
    candidates: Vec<Candidate>,
}

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
    fn run(&self) -> Output {
        let run = || {
            let (w, h) = (self.plane.w, self.plane.h);
            let polarities: &[bool] = if self.try_inverted {
                &[false, true]
            } else {
                &[false]
            };
            let mut hybrid = None;
            let mut out = Output::default();
            for &inverted in polarities {
                let black = if inverted { LIGHT } else { DARK };
                let (found, candidates) = match (self.task, self.classes.as_deref()) {
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
                            None => Default::default(),
                        }
                    }
                    (Task::ZxClasses, Some(classes)) => zx::class_matrix(classes, w, h, black)
                        .map(|m| zx::detect(&m))
                        .unwrap_or_default(),
                    (Task::Rqrr, Some(classes)) => (rqrr_detect(w, h, classes, black), Vec::new()),
                    (_, None) => Default::default(),
                };
                out.candidates.extend(candidates);
                if !found.is_empty() {
                    out.hits = found.into_iter().map(|f| (f, inverted)).collect();
                    break;
                }
            }
            out
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_default()
    }
}

/// Pixels two rectangles share.
fn overlap(a: &Rect, b: &Rect) -> usize {
    let w = (a.x + a.w).min(b.x + b.w).saturating_sub(a.x.max(b.x));
    let h = (a.y + a.h).min(b.y + b.h).saturating_sub(a.y.max(b.y));
    w * h
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
    results: Receiver<Output>,
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
    fn finder_crops_cover_the_code_and_skip_duplicates_and_huge_triples() {
        let mut d = Decoder::default();
        let code = Candidate {
            tl: (400.0, 300.0),
            tr: (600.0, 310.0),
            bl: (395.0, 500.0),
            finder_px: 28.0,
        };
        let nearby = Candidate {
            tl: (402.0, 301.0),
            ..code
        };
        let huge = Candidate {
            tl: (10.0, 10.0),
            tr: (1900.0, 10.0),
            bl: (10.0, 1000.0),
            finder_px: 20.0,
        };
        d.candidates = vec![code, huge, nearby];
        let crops = d.candidate_regions(1920, 1080);
        assert_eq!(crops.len(), 1, "{crops:?}");
        let (r, module) = crops[0];
        // The parallelogram spans x 395..600 and y 300..510; the pad is a quarter of that
        // plus a finder, so the crop starts near 395 − 52 − 28 and ends near 600 + 80.
        assert!(r.x <= 320 && r.x + r.w >= 675, "{r:?}");
        assert!(r.y <= 225 && r.y + r.h >= 585, "{r:?}");
        assert!((module - 4.0).abs() < 1e-3);
        assert_eq!(overlap(&r, &r), r.w * r.h);
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
