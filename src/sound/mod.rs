//! Audible cues for the photographer: shutter, accepted, rejected and code scanned. The sounds are
//! synthesised (no files), and play on a background audio thread; a station without a sound device stays
//! silent and says so once in the log.

mod player;
mod synth;

pub use player::SoundPlayer;
pub use synth::{Cue, render};
