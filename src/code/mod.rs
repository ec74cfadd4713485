//! Collection-code (采集码) reading: QR decoding of camera frames, a live scanner worker,
//! keyboard-wedge scanner detection and payload validation. The payload is opaque.

mod binarize;
pub mod cli;
pub mod decode;
pub mod payload;
pub mod render;
mod roi;
pub mod scanner;
pub mod wedge;
mod zx;

pub use decode::{
    DecodeOptions, DecodeReport, Decoder, Detection, PassTrace, Region, RoiHint, decode_gray,
    decode_rgb, gray_from_rgb,
};
pub use payload::{
    CodeSettings, PayloadPolicy, Rejection, SettingsError, Text, log_digest, short_form,
};
pub use render::{demo_payload, qr_image};
pub use scanner::{CodeEvent, ScanSource, Scanner, ScannerConfig, ScannerStats};
pub use wedge::{Key, WedgeConfig, WedgeDetector, WedgeOutput};
