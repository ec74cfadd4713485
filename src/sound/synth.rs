//! The cues as mono `f32` samples in −1..1, rendered for any sample rate.

use std::f32::consts::TAU;

/// A sound the station plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cue {
    /// A camera-like double click when the shot is taken.
    Shutter,
    /// Two rising tones: the photo was saved as accepted.
    Accepted,
    /// A low buzz: the shot failed its checks or was sent to review.
    Rejected,
    /// A short high beep: a collection code was read.
    Scanned,
}

/// Renders `cue` at `rate` samples per second.
pub fn render(cue: Cue, rate: u32) -> Vec<f32> {
    let rate = rate.max(8_000) as f32;
    let samples = |secs: f32| (secs * rate) as usize;
    match cue {
        Cue::Shutter => {
            // Two clicks of filtered noise, 70 ms apart, each decaying in ~12 ms.
            let mut out = vec![0.0; samples(0.12)];
            let mut seed = 0x9E37_79B9u32;
            let mut low = 0.0f32;
            for start in [0, samples(0.07)] {
                for i in 0..samples(0.04) {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    let noise = (seed as f32 / u32::MAX as f32) * 2.0 - 1.0;
                    low += 0.35 * (noise - low);
                    let t = i as f32 / rate;
                    if let Some(s) = out.get_mut(start + i) {
                        *s += 0.8 * low * (-t / 0.012).exp();
                    }
                }
            }
            out
        }
        Cue::Accepted => {
            let mut out = tone(880.0, 0.11, rate, 0.5);
            out.extend(tone(1318.5, 0.16, rate, 0.5));
            out
        }
        Cue::Rejected => {
            // A square-ish 220 Hz buzz: the fundamental with odd harmonics.
            let n = samples(0.32);
            (0..n)
                .map(|i| {
                    let t = i as f32 / rate;
                    let p = TAU * 220.0 * t;
                    let wave = p.sin() + (3.0 * p).sin() / 3.0 + (5.0 * p).sin() / 5.0;
                    0.4 * wave * envelope(i, n, rate)
                })
                .collect()
        }
        Cue::Scanned => tone(1760.0, 0.06, rate, 0.4),
    }
}

fn tone(freq: f32, secs: f32, rate: f32, amp: f32) -> Vec<f32> {
    let n = (secs * rate) as usize;
    (0..n)
        .map(|i| amp * (TAU * freq * i as f32 / rate).sin() * envelope(i, n, rate))
        .collect()
}

/// 5 ms fade in and out, so no cue starts or ends with a click.
fn envelope(i: usize, n: usize, rate: f32) -> f32 {
    let ramp = (0.005 * rate).max(1.0);
    let from_start = i as f32 / ramp;
    let to_end = (n.saturating_sub(i + 1)) as f32 / ramp;
    from_start.min(to_end).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peak(s: &[f32]) -> f32 {
        s.iter().fold(0.0f32, |m, v| m.max(v.abs()))
    }

    #[test]
    fn cues_are_short_audible_and_never_clip() {
        for cue in [Cue::Shutter, Cue::Accepted, Cue::Rejected, Cue::Scanned] {
            for rate in [44_100, 48_000] {
                let s = render(cue, rate);
                let secs = s.len() as f32 / rate as f32;
                assert!((0.05..=0.4).contains(&secs), "{cue:?} lasts {secs} s");
                let p = peak(&s);
                assert!(p > 0.1 && p <= 1.0, "{cue:?} peak {p}");
            }
        }
    }

    #[test]
    fn tones_fade_in_and_out_and_cues_differ() {
        let s = render(Cue::Accepted, 48_000);
        assert!(s[0].abs() < 0.01 && s[s.len() - 1].abs() < 0.01);
        // The shutter's second click starts 70 ms in.
        let shutter = render(Cue::Shutter, 48_000);
        let second = &shutter[(0.07 * 48_000.0) as usize..];
        assert!(peak(&second[..480]) > 0.05);
        assert_ne!(render(Cue::Rejected, 48_000).len(), s.len());
        // Rejected is low: few zero crossings per second compared with the scan beep.
        let crossings = |s: &[f32]| {
            s.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count() as f32 / s.len() as f32
        };
        assert!(
            crossings(&render(Cue::Rejected, 48_000))
                < crossings(&render(Cue::Scanned, 48_000)) / 4.0
        );
    }
}
