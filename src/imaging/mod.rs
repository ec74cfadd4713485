//! Image decoding with safety limits and the spec JPEG encoder shared by ingest, compliance
//! and export.

mod decode;
mod jpeg;

pub use decode::{DecodeLimits, ImagingError, decode_bytes, decode_file};
pub use jpeg::{EncodedJpeg, JpegError, JpegTarget, encode_spec_jpeg};
