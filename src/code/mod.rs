//! Collection-code (采集码) reading: QR decoding of camera frames, a live scanner worker,
//! keyboard-wedge scanner detection and payload validation. The payload is opaque.

mod binarize;
pub mod decode;
mod roi;

pub use decode::{
    DecodeOptions, DecodeReport, Decoder, Detection, Region, RoiHint, decode_gray, decode_rgb,
    gray_from_rgb,
};
