//! Keyboard-wedge scanners: every key passes through the wedge detector before any widget sees it, so a
//! scanner's burst (fast keys ending with Enter) becomes a scan wherever the focus is, and never leaks into a
//! text field; a person's keys are handed back to the widgets (and shortcuts) a few tens of milliseconds later.

use std::time::{Duration, Instant};

use eframe::egui::{self, Event, Modifiers};

use super::StationApp;
use crate::code::{Key, WedgeOutput};

/// True for keys whose press also produces text (their Text event is what the detector sees).
fn produces_text(key: egui::Key, modifiers: Modifiers) -> bool {
    if modifiers.ctrl || modifiers.command || modifiers.alt {
        return false;
    }
    let name = key.name();
    key == egui::Key::Space || name.chars().count() == 1
}

/// Longest gap assumed between keys that arrived in the same frame.
const SAME_FRAME_STEP: Duration = Duration::from_millis(10);

/// Estimated press times of the `n` keys that arrived since the previous frame at `prev` (the frame only says
/// they came in between), at most [`SAME_FRAME_STEP`] apart. While a burst is being held (`continuing`) they
/// are placed right after `prev`, so a scanner's burst (and its Enter) that spans several slow frames stays
/// fast; otherwise they end at `now`. A person's keys, one per frame, keep their real gaps either way.
fn key_times(prev: Option<Instant>, now: Instant, n: usize, continuing: bool) -> Vec<Instant> {
    let interval = prev.map_or(Duration::ZERO, |p| now.saturating_duration_since(p));
    let step = (interval / n.max(1) as u32).min(SAME_FRAME_STEP);
    (0..n)
        .map(|i| match prev {
            Some(p) if continuing => p + step * (i + 1) as u32,
            _ => now.checked_sub(step * (n - 1 - i) as u32).unwrap_or(now),
        })
        .collect()
}

fn replay(keys: Vec<Key>, out: &mut Vec<Event>) {
    for k in keys {
        let (key, text) = match k {
            Key::Enter => (Some(egui::Key::Enter), None),
            Key::Char(' ') => (Some(egui::Key::Space), Some(" ".to_string())),
            Key::Char(c) => (
                egui::Key::from_name(&c.to_uppercase().to_string()),
                Some(c.to_string()),
            ),
        };
        if let Some(key) = key {
            out.push(Event::Key {
                key,
                physical_key: None,
                pressed: true,
                repeat: false,
                modifiers: Modifiers::NONE,
            });
        }
        if let Some(text) = text {
            out.push(Event::Text(text));
        }
    }
}

impl StationApp {
    /// Runs this frame's keyboard events through the wedge detector, rewriting the input queue.
    pub(super) fn wedge_pass(&mut self, ui: &mut egui::Ui) {
        let now = Instant::now();
        let events = ui.input_mut(|i| std::mem::take(&mut i.events));
        let mut out = Vec::with_capacity(events.len());
        let mut scans = Vec::new();
        let mut keyed: Vec<(Event, Option<Vec<Key>>)> = Vec::with_capacity(events.len());
        for event in events {
            let fed = match &event {
                Event::Text(t) => Some(t.chars().map(Key::Char).collect()),
                Event::Key {
                    key: egui::Key::Enter,
                    pressed: true,
                    modifiers,
                    ..
                } if modifiers.is_none() => Some(vec![Key::Enter]),
                Event::Key {
                    key,
                    pressed: true,
                    modifiers,
                    ..
                } if produces_text(*key, *modifiers) => {
                    continue; // its Text event follows and is fed instead
                }
                _ => None,
            };
            keyed.push((event, fed));
        }
        let n: usize = keyed
            .iter()
            .filter_map(|(_, f)| f.as_ref())
            .map(Vec::len)
            .sum();
        let continuing = !self.wedge.held().is_empty();
        let mut stamps = key_times(self.wedge_frame, now, n, continuing).into_iter();
        self.wedge_frame = Some(now);
        for (event, fed) in keyed {
            let Some(fed) = fed else {
                out.push(event);
                continue;
            };
            for key in fed {
                match self.wedge.feed(stamps.next().unwrap_or(now), key) {
                    WedgeOutput::Hold => {}
                    WedgeOutput::Release(keys) => replay(keys, &mut out),
                    WedgeOutput::Scan(text) => scans.push(text),
                }
            }
        }
        if let Some(keys) = self.wedge.poll(now) {
            replay(keys, &mut out);
        }
        if !self.wedge.held().is_empty() {
            ui.ctx().request_repaint_after(Duration::from_millis(45));
        }
        ui.input_mut(|i| i.events = out);
        for text in scans {
            tracing::info!(chars = text.chars().count(), "keyboard-wedge scan");
            self.submit_code(text, now);
        }
    }

    /// Validates a typed or wedge-scanned code through the scanner (same rules as camera scans).
    pub(super) fn submit_code(&mut self, text: String, at: Instant) {
        match &self.scanner {
            Some(scanner) => scanner.submit_wedge(text, at),
            None => self.send(crate::controller::Request::ResolveCode { payload: text }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_one_frame_are_spread_at_most_ten_ms_apart() {
        let now = Instant::now() + Duration::from_secs(10);
        let prev = now - Duration::from_millis(90);
        // A new burst ends now.
        let t = key_times(Some(prev), now, 6, false);
        assert_eq!(t.len(), 6);
        assert_eq!(t[5], now);
        assert_eq!(t[5] - t[4], Duration::from_millis(10));
        assert_eq!(t[5] - t[0], Duration::from_millis(50));
        // A burst in progress continues right after the previous frame: its Enter, alone in a later
        // frame, stays within the burst gap of the key before.
        let t = key_times(Some(prev), now, 1, true);
        assert_eq!(t, vec![prev + Duration::from_millis(10)]);
        // Few keys in a long frame keep the 10 ms cap; a single key with no earlier frame is stamped now.
        let t = key_times(Some(now - Duration::from_secs(5)), now, 2, false);
        assert_eq!(t[1] - t[0], Duration::from_millis(10));
        assert_eq!(key_times(None, now, 1, true), vec![now]);
        // Many keys in a short frame are spread over that frame.
        let t = key_times(Some(now - Duration::from_millis(20)), now, 10, false);
        assert_eq!(t[9] - t[8], Duration::from_millis(2));
    }
}
