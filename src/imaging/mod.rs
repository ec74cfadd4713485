//! Image decoding with safety limits, centre fitting, and the spec JPEG encoder shared by ingest, compliance
//! and export.

mod decode;
mod fit;
mod jpeg;

pub use decode::{DecodeLimits, ImagingError, decode_bytes, decode_file};
pub use fit::{TooSmall, fit_centre};
pub use jpeg::{EncodedJpeg, JpegError, JpegTarget, encode_spec_jpeg};
