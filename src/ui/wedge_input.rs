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
        for event in events {
            let fed = match &event {
                Event::Text(t) => t.chars().map(Key::Char).collect(),
                Event::Key {
                    key: egui::Key::Enter,
                    pressed: true,
                    modifiers,
                    ..
                } if modifiers.is_none() => {
                    vec![Key::Enter]
                }
                Event::Key {
                    key,
                    pressed: true,
                    modifiers,
                    ..
                } if produces_text(*key, *modifiers) => {
                    continue; // its Text event follows and is fed instead
                }
                _ => {
                    out.push(event);
                    continue;
                }
            };
            for key in fed {
                match self.wedge.feed(now, key) {
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
