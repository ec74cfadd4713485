//! The frame type every source produces and every analysis stage receives.

use std::sync::Arc;
use std::time::Instant;

use image::RgbImage;

/// One full-resolution RGB frame from a source.
///
/// Cloning is cheap: the pixels are shared behind an [`Arc`].
#[derive(Clone, Debug)]
pub struct Frame {
    /// Sequence number, strictly increasing within one pipeline/supervisor run.
    pub seq: u64,
    /// When the frame was captured (dequeued from the device, rendered, or read from disk).
    pub captured_at: Instant,
    /// Full-resolution pixels.
    pub image: Arc<RgbImage>,
}

impl Frame {
    /// Wraps an image captured now.
    pub fn new(seq: u64, image: RgbImage) -> Self {
        Self {
            seq,
            captured_at: Instant::now(),
            image: Arc::new(image),
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.image.width()
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.image.height()
    }
}
