//! The station as a sequence of students: the shooting order, the student turn (current student, scanned
//! code, pending shot, decision) and auto-capture. Pure state without a window, so every rule is testable.

mod auto;
mod order;
mod turn;

pub use auto::AutoCapture;
pub use order::{next_after, reshoot, up_next, waiting};
pub use turn::{BLINK_RETRY_DELAY, Effect, Notice, NoticeKind, SHOT_ATTEMPTS, ShotStage, Turn};
