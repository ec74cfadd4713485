//! Who comes next: the shooting order with re-shoots first and absent students left out.

use crate::store::{PhotoState, QueueEntry};

/// True if the student is waiting to be photographed now: needs a photo, is not absent, and is neither
/// accepted nor being photographed at another station of the group.
pub fn waiting(e: &QueueEntry) -> bool {
    e.needs_photo && !e.absent && e.elsewhere.is_none()
}

/// True if a supervisor ordered a re-shoot for the student.
pub fn reshoot(e: &QueueEntry) -> bool {
    e.photo_state == Some(PhotoState::ReshootRequested)
}

/// The order in which the waiting students come up after `after` (a student number, or the start): every
/// re-shoot first (in shooting order), then the others from the one after `after` on, wrapping around;
/// `skip` leaves further students out (e.g. the one being saved).
pub fn up_next<'a>(
    queue: &'a [QueueEntry],
    after: Option<&str>,
    skip: impl Fn(&QueueEntry) -> bool,
) -> Vec<&'a QueueEntry> {
    let start = after
        .and_then(|no| queue.iter().position(|e| e.student_no == no))
        .map_or(0, |p| p + 1);
    let n = queue.len();
    let rest = (0..n).map(|k| &queue[(start + k) % n]);
    let mut out: Vec<&QueueEntry> = queue
        .iter()
        .filter(|e| reshoot(e) && waiting(e) && !skip(e))
        .collect();
    out.extend(rest.filter(|e| !reshoot(e) && waiting(e) && !skip(e)));
    out
}

/// The next student to photograph after `after`, see [`up_next`].
pub fn next_after<'a>(
    queue: &'a [QueueEntry],
    after: Option<&str>,
    skip: impl Fn(&QueueEntry) -> bool,
) -> Option<&'a QueueEntry> {
    up_next(queue, after, skip).into_iter().next()
}
