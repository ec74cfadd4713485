//! Keyboard-wedge scanner detection.
//!
//! A handheld 2D scanner "types" the code as a very fast burst of key presses followed by
//! Enter; a person types far slower. [`WedgeDetector`] is a pure state machine fed with
//! timestamped keys: it holds keys while they arrive in a fast burst, reports a scan when
//! the burst ends with Enter, and hands held keys back (for the focused text field) as soon
//! as they turn out to be human typing. The caller must forward only what it is told to, and
//! call [`WedgeDetector::poll`] regularly (e.g. every UI frame) so held keys are released
//! after a pause.

use std::time::{Duration, Instant};

/// One key from the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A printable character.
    Char(char),
    /// Enter / Return.
    Enter,
}

/// Detector tuning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WedgeConfig {
    /// Largest gap between keys of one scanner burst.
    pub max_gap: Duration,
    /// Fewest characters a scan can have.
    pub min_len: usize,
    /// A burst longer than this is not treated as a scan (keys are released).
    pub max_len: usize,
}

impl Default for WedgeConfig {
    fn default() -> Self {
        WedgeConfig {
            max_gap: Duration::from_millis(40),
            min_len: 8,
            max_len: 4096,
        }
    }
}

/// What the caller should do after feeding a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WedgeOutput {
    /// Nothing yet: the key is held until the detector knows what it is.
    Hold,
    /// Human typing: deliver these keys to the focused widget, in order.
    Release(Vec<Key>),
    /// A scanner burst: the scanned text. Its keys must not reach any text field.
    Scan(String),
}

/// The wedge state machine.
#[derive(Clone, Debug)]
pub struct WedgeDetector {
    config: WedgeConfig,
    held: String,
    last: Option<Instant>,
}

impl WedgeDetector {
    /// A detector with `config`.
    pub fn new(config: WedgeConfig) -> Self {
        WedgeDetector {
            config,
            held: String::new(),
            last: None,
        }
    }

    /// Characters currently held back.
    pub fn held(&self) -> &str {
        &self.held
    }

    /// Feed one key pressed at `at`.
    pub fn feed(&mut self, at: Instant, key: Key) -> WedgeOutput {
        let fast = self
            .last
            .is_some_and(|last| at.saturating_duration_since(last) <= self.config.max_gap);
        match key {
            Key::Char(c) => {
                if self.held.is_empty() {
                    self.held.push(c);
                    self.last = Some(at);
                    return WedgeOutput::Hold;
                }
                if fast && self.held.chars().count() < self.config.max_len {
                    self.held.push(c);
                    self.last = Some(at);
                    return WedgeOutput::Hold;
                }
                // A slow key (or an overlong burst): what was held is typing; the new key
                // may start a burst, so keep holding it.
                let released = self.take_held();
                self.held.push(c);
                self.last = Some(at);
                WedgeOutput::Release(released)
            }
            Key::Enter => {
                let len = self.held.chars().count();
                if fast && len >= self.config.min_len {
                    self.last = None;
                    return WedgeOutput::Scan(std::mem::take(&mut self.held));
                }
                let mut released = self.take_held();
                released.push(Key::Enter);
                self.last = None;
                WedgeOutput::Release(released)
            }
        }
    }

    /// Release held keys once no key has arrived for longer than the burst gap.
    /// Returns the keys to deliver, if any.
    pub fn poll(&mut self, now: Instant) -> Option<Vec<Key>> {
        let last = self.last?;
        if self.held.is_empty() || now.saturating_duration_since(last) <= self.config.max_gap {
            return None;
        }
        self.last = None;
        Some(self.take_held())
    }

    fn take_held(&mut self) -> Vec<Key> {
        std::mem::take(&mut self.held)
            .chars()
            .map(Key::Char)
            .collect()
    }
}

impl Default for WedgeDetector {
    fn default() -> Self {
        WedgeDetector::new(WedgeConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Type `text` with `gap` between keys from `t0`, then Enter after `enter_gap`.
    /// Returns everything the detector emitted (plus what poll released at the end).
    fn type_text(
        d: &mut WedgeDetector,
        t0: Instant,
        text: &str,
        gap: u64,
        enter_gap: u64,
    ) -> (Vec<Key>, Vec<String>, Instant) {
        let mut released = Vec::new();
        let mut scans = Vec::new();
        let mut t = t0;
        let mut handle = |out: WedgeOutput, released: &mut Vec<Key>| match out {
            WedgeOutput::Hold => {}
            WedgeOutput::Release(k) => released.extend(k),
            WedgeOutput::Scan(s) => scans.push(s),
        };
        for (i, c) in text.chars().enumerate() {
            if i > 0 {
                t += ms(gap);
            }
            if let Some(k) = d.poll(t) {
                released.extend(k);
            }
            let out = d.feed(t, Key::Char(c));
            handle(out, &mut released);
        }
        t += ms(enter_gap);
        if let Some(k) = d.poll(t) {
            released.extend(k);
        }
        let out = d.feed(t, Key::Enter);
        handle(out, &mut released);
        (released, scans, t)
    }

    #[test]
    fn fast_burst_with_enter_is_a_scan_and_nothing_leaks() {
        let mut d = WedgeDetector::default();
        let code = "q3T8sV0n/7kPz+W1fLx9aBcD==";
        let (released, scans, _) = type_text(&mut d, Instant::now(), code, 8, 10);
        assert_eq!(scans, vec![code.to_string()]);
        assert!(released.is_empty());
        assert!(d.held().is_empty());
    }

    #[test]
    fn slow_typing_is_given_back_in_order() {
        let mut d = WedgeDetector::default();
        let (released, scans, _) = type_text(&mut d, Instant::now(), "zhangsan2024", 140, 200);
        assert!(scans.is_empty());
        let mut want: Vec<Key> = "zhangsan2024".chars().map(Key::Char).collect();
        want.push(Key::Enter);
        assert_eq!(released, want);
    }

    #[test]
    fn short_fast_burst_is_not_a_scan() {
        let mut d = WedgeDetector::default();
        let (released, scans, _) = type_text(&mut d, Instant::now(), "abc", 10, 10);
        assert!(scans.is_empty());
        assert_eq!(released.len(), 4);
    }

    #[test]
    fn burst_with_slow_enter_is_not_a_scan() {
        let mut d = WedgeDetector::default();
        let (released, scans, _) = type_text(&mut d, Instant::now(), "abcdefghijk", 5, 300);
        assert!(scans.is_empty());
        assert_eq!(released.len(), 12);
    }

    #[test]
    fn held_keys_are_released_after_a_pause() {
        let mut d = WedgeDetector::default();
        let t = Instant::now();
        assert_eq!(d.feed(t, Key::Char('a')), WedgeOutput::Hold);
        assert_eq!(d.poll(t + ms(20)), None);
        assert_eq!(d.poll(t + ms(41)), Some(vec![Key::Char('a')]));
        assert_eq!(d.poll(t + ms(100)), None);
    }

    #[test]
    fn scan_right_after_typing_is_still_recognised() {
        let mut d = WedgeDetector::default();
        let t0 = Instant::now();
        let (released, scans, t) = type_text(&mut d, t0, "hi", 150, 150);
        assert!(scans.is_empty());
        assert_eq!(released, vec![Key::Char('h'), Key::Char('i'), Key::Enter]);
        // Human types one more slow key, then the scanner fires immediately after.
        let t = t + ms(200);
        assert_eq!(d.feed(t, Key::Char('x')), WedgeOutput::Hold);
        let (released, scans, _) = type_text(&mut d, t + ms(120), "ABCDEFGHIJ12", 6, 6);
        assert_eq!(released, vec![Key::Char('x')]);
        assert_eq!(scans, vec!["ABCDEFGHIJ12".to_string()]);
    }

    #[test]
    fn one_slow_gap_inside_a_burst_breaks_it() {
        let mut d = WedgeDetector::default();
        let t = Instant::now();
        let mut released = Vec::new();
        for (i, c) in "abcdefgh".chars().enumerate() {
            let at = t + ms(5 * i as u64) + if i >= 4 { ms(100) } else { ms(0) };
            if let WedgeOutput::Release(k) = d.feed(at, Key::Char(c)) {
                released.extend(k);
            }
        }
        assert_eq!(released, "abcd".chars().map(Key::Char).collect::<Vec<_>>());
        // The last four were fast but too short for a scan.
        match d.feed(t + ms(140), Key::Enter) {
            WedgeOutput::Release(k) => assert_eq!(k.len(), 5),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn lone_enter_passes_through() {
        let mut d = WedgeDetector::default();
        assert_eq!(
            d.feed(Instant::now(), Key::Enter),
            WedgeOutput::Release(vec![Key::Enter])
        );
    }
}
