//! The student turn: the current student, the code scanned for them, their pending shot and its decision,
//! as one state machine. A code and a photo are always bound to the student shown when they were scanned or
//! taken; a scan that cannot be applied is refused with a reason, never dropped or applied to someone else.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::order::{self, up_next};
use crate::i18n::Text;
use crate::shot::PreparedShot;
use crate::sound::Cue;
use crate::store::{Decision, PhotoState, QueueEntry};

/// Where the current student's shot is.
#[derive(Clone)]
pub enum ShotStage {
    /// Live preview, nothing taken.
    Live,
    /// The shutter was pressed: countdown, full-resolution frame or final check under way.
    Taking,
    /// The checked shot, awaiting save or retake.
    Ready(Arc<PreparedShot>),
}

/// How a notice should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Something the photographer asked for was refused; the reason says what to do.
    Refused,
    /// A step went through (code bound, photo saved).
    Done,
}

/// A message for the photographer, shown beside the student card until the situation changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Refused or done.
    pub kind: NoticeKind,
    /// The text.
    pub text: Text,
}

/// What the caller must do after an event.
#[derive(Clone)]
pub enum Effect {
    /// Look up who a scanned code belongs to; answer with [`Turn::code_resolved`].
    Resolve(String),
    /// Store the shot; answer with [`Turn::stored`] or [`Turn::store_failed`].
    Store {
        /// 学号 of the student the shot was taken for.
        student_no: String,
        /// The code scanned for that student.
        code: String,
        /// The shot.
        shot: Arc<PreparedShot>,
        /// Accept, or send to review with the photographer's reason.
        decision: Decision,
        /// Replace an accepted photo.
        supersede: bool,
    },
    /// Persist that the student is absent.
    MarkAbsent(String),
    /// Persist that the absent student is back.
    Recall(String),
    /// The shot failed only because the eyes were shut (a blink): take another frame after
    /// [`BLINK_RETRY_DELAY`], quietly; answer with [`Turn::shot_ready`] again.
    RetryAfterBlink,
    /// Play a sound.
    Cue(Cue),
}

/// How many frames one press of the shutter may take when the eyes were shut.
pub const SHOT_ATTEMPTS: u8 = 3;

/// The wait before a blink retry: a blink lasts 0.1–0.4 s.
pub const BLINK_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(220);

/// The station's sequence of students. Feed it the queue and the photographer's and scanner's events; carry
/// out the returned [`Effect`]s; render [`Turn::notice`], [`Turn::current`], [`Turn::up_next`].
pub struct Turn {
    queue: Vec<QueueEntry>,
    current: Option<String>,
    code: Option<String>,
    stage: ShotStage,
    /// Students whose shot is being stored, with its code (left out of the order until the store answers).
    saving: BTreeMap<String, String>,
    /// Absences marked or recalled here that the store's queue may not show yet (student → absent).
    absence: BTreeMap<String, bool>,
    /// Students put back at the front (their save failed).
    front: Vec<String>,
    /// The current student came from the front (a re-shoot or a failed save), not from the class order.
    detour: bool,
    /// The last student reached in the class order: after a detour the order resumes from here.
    cursor: Option<String>,
    notice: Option<Notice>,
    /// The last save the store confirmed (shown apart from the current student's notice).
    saved: Option<Notice>,
    /// Frames taken for the current press of the shutter.
    attempt: u8,
}

impl Default for Turn {
    fn default() -> Self {
        Turn::new()
    }
}

fn refused(zh: impl Into<String>, en: impl Into<String>) -> Notice {
    Notice {
        kind: NoticeKind::Refused,
        text: Text::new(zh, en),
    }
}

fn done(zh: impl Into<String>, en: impl Into<String>) -> Notice {
    Notice {
        kind: NoticeKind::Done,
        text: Text::new(zh, en),
    }
}

impl Turn {
    /// An empty station: no queue, no student.
    pub fn new() -> Turn {
        Turn {
            queue: Vec::new(),
            current: None,
            code: None,
            stage: ShotStage::Live,
            saving: BTreeMap::new(),
            absence: BTreeMap::new(),
            front: Vec::new(),
            detour: false,
            cursor: None,
            notice: None,
            saved: None,
            attempt: 0,
        }
    }

    /// The current student's number.
    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// The current student's queue entry.
    pub fn current_entry(&self) -> Option<&QueueEntry> {
        let no = self.current.as_deref()?;
        self.queue.iter().find(|e| e.student_no == no)
    }

    /// The code bound to the current student.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The current shot stage.
    pub fn stage(&self) -> &ShotStage {
        &self.stage
    }

    /// The ready shot, if any.
    pub fn ready_shot(&self) -> Option<&Arc<PreparedShot>> {
        match &self.stage {
            ShotStage::Ready(s) => Some(s),
            _ => None,
        }
    }

    /// The message to show, if any.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// The last confirmed save ("已保存 …" or "… 已交主管审核").
    pub fn last_saved(&self) -> Option<&Notice> {
        self.saved.as_ref()
    }

    /// Hides the message.
    pub fn dismiss_notice(&mut self) {
        self.notice = None;
    }

    /// The queue as last loaded (with local updates).
    pub fn queue(&self) -> &[QueueEntry] {
        &self.queue
    }

    /// The students who come up after the current one, in order (at most `n`).
    pub fn up_next(&self, n: usize) -> Vec<&QueueEntry> {
        let mut out: Vec<&QueueEntry> = self
            .front
            .iter()
            .filter_map(|no| self.queue.iter().find(|e| &e.student_no == no))
            .filter(|e| Some(e.student_no.as_str()) != self.current())
            .collect();
        for e in up_next(&self.queue, self.current(), |e| self.skipped(e)) {
            if out.len() >= n {
                break;
            }
            if !out.iter().any(|o| o.student_no == e.student_no) {
                out.push(e);
            }
        }
        out.truncate(n);
        out
    }

    /// Absent students, in shooting order, for recall.
    pub fn absent(&self) -> Vec<&QueueEntry> {
        self.queue
            .iter()
            .filter(|e| e.absent && e.needs_photo)
            .collect()
    }

    /// True while a save has not been confirmed.
    pub fn is_saving(&self) -> bool {
        !self.saving.is_empty()
    }

    fn skipped(&self, e: &QueueEntry) -> bool {
        Some(e.student_no.as_str()) == self.current() || self.saving.contains_key(&e.student_no)
    }

    fn entry(&self, no: &str) -> Option<&QueueEntry> {
        self.queue.iter().find(|e| e.student_no == no)
    }

    fn entry_mut(&mut self, no: &str) -> Option<&mut QueueEntry> {
        self.queue.iter_mut().find(|e| e.student_no == no)
    }

    fn pending(&self) -> bool {
        !matches!(self.stage, ShotStage::Live)
    }

    fn pending_refusal(&self) -> Notice {
        let who = self.current.clone().unwrap_or_default();
        refused(
            format!("{who} 的照片尚未保存：请先保存（Enter）或重拍（R）。"),
            format!("{who}'s photo is not saved yet: save it (Enter) or retake it (R) first."),
        )
    }

    fn set_current(&mut self, no: Option<String>) {
        if self.current != no {
            self.code = None;
            self.stage = ShotStage::Live;
        }
        self.current = no;
    }

    /// Moves on from `leaving` to the next waiting student: failed saves first, then re-shoots, then the
    /// class order; after a detour to one of the first two, the class order resumes where it left off.
    /// `leaving` itself only comes back after everyone else.
    fn advance_from(&mut self, leaving: Option<String>) {
        let after = if self.detour {
            self.cursor.clone()
        } else {
            self.cursor = leaving.clone();
            leaving.clone()
        };
        self.front.retain(|no| {
            self.queue
                .iter()
                .any(|e| &e.student_no == no && order::waiting(e))
        });
        let skip =
            |t: &Turn, no: &String| t.saving.contains_key(no) || Some(no) == leaving.as_ref();
        let next = self
            .front
            .iter()
            .find(|no| !skip(self, no))
            .cloned()
            .or_else(|| {
                up_next(&self.queue, after.as_deref(), |e| skip(self, &e.student_no))
                    .first()
                    .map(|e| e.student_no.clone())
            })
            .or_else(|| {
                leaving
                    .clone()
                    .filter(|no| self.entry(no).is_some_and(order::waiting))
            });
        self.detour = next.as_ref().is_some_and(|no| {
            self.front.contains(no) || self.entry(no).is_some_and(order::reshoot)
        });
        if let Some(no) = &next {
            self.front.retain(|f| f != no);
        }
        self.set_current(next);
    }

    /// A new queue from the store. The current student stays unless they are done or absent and nothing is
    /// pending for them; then the next waiting one comes up.
    pub fn set_queue(&mut self, queue: Vec<QueueEntry>) {
        self.queue = queue;
        // A queue read before a mark or recall reached the store must not undo it.
        let queue = &mut self.queue;
        self.absence.retain(
            |no, absent| match queue.iter_mut().find(|e| &e.student_no == no) {
                Some(e) if e.absent == *absent => false,
                Some(e) => {
                    e.absent = *absent;
                    true
                }
                None => false,
            },
        );
        for no in self.saving.keys() {
            if let Some(e) = self.queue.iter_mut().find(|e| &e.student_no == no) {
                e.needs_photo = false;
            }
        }
        let keep = self
            .current_entry()
            .is_some_and(|e| order::waiting(e) || self.pending() || self.code.is_some());
        if !keep {
            let after = self.current.clone();
            self.advance_from(after);
        }
    }

    /// The photographer picked a student (list click, or recall of an absent one).
    pub fn select(&mut self, student_no: &str) -> Vec<Effect> {
        if self.current() == Some(student_no) {
            return Vec::new();
        }
        if self.pending() {
            self.notice = Some(self.pending_refusal());
            return vec![Effect::Cue(Cue::Rejected)];
        }
        let Some(e) = self.entry(student_no) else {
            self.notice = Some(refused(
                format!("名单中没有学号 {student_no}。"),
                format!("No student {student_no} in the roster."),
            ));
            return vec![Effect::Cue(Cue::Rejected)];
        };
        let (was_absent, reshoot) = (e.absent, order::reshoot(e));
        let mut fx = Vec::new();
        if was_absent {
            fx.push(Effect::Recall(student_no.to_string()));
            self.absence.insert(student_no.to_string(), false);
        }
        self.detour = reshoot;
        if let Some(e) = self.entry_mut(student_no) {
            e.absent = false;
        }
        self.notice = None;
        self.set_current(Some(student_no.to_string()));
        fx
    }

    /// Next (forward) or previous student in the shooting order.
    pub fn step(&mut self, forward: bool) -> Vec<Effect> {
        if self.pending() {
            self.notice = Some(self.pending_refusal());
            return vec![Effect::Cue(Cue::Rejected)];
        }
        self.notice = None;
        if forward {
            let after = self.current.clone();
            self.advance_from(after);
        } else {
            let pos = self
                .current()
                .and_then(|no| self.queue.iter().position(|e| e.student_no == no));
            let prev = self.queue[..pos.unwrap_or(0)]
                .iter()
                .rev()
                .find(|e| !e.absent)
                .map(|e| e.student_no.clone());
            if prev.is_some() {
                self.set_current(prev);
            }
        }
        Vec::new()
    }

    /// The current student is absent: they leave the queue (listed for recall) and the next one comes up.
    pub fn mark_absent(&mut self) -> Vec<Effect> {
        if self.pending() {
            self.notice = Some(self.pending_refusal());
            return vec![Effect::Cue(Cue::Rejected)];
        }
        let Some(no) = self.current.clone() else {
            return Vec::new();
        };
        if let Some(e) = self.entry_mut(&no) {
            e.absent = true;
        }
        self.absence.insert(no.clone(), true);
        self.notice = Some(done(
            format!("{no} 已标记缺席，可在“缺席”列表中召回。"),
            format!("{no} marked absent; recall them from the absent list."),
        ));
        self.advance_from(Some(no.clone()));
        vec![Effect::MarkAbsent(no)]
    }

    /// A code was read (camera or keyboard wedge): it is looked up first.
    pub fn scanned(&mut self, payload: &str) -> Vec<Effect> {
        vec![
            Effect::Cue(Cue::Scanned),
            Effect::Resolve(payload.to_string()),
        ]
    }

    /// The scanner refused what it read (not a collection code).
    pub fn scan_refused(&mut self, reason: Text) -> Vec<Effect> {
        self.notice = Some(Notice {
            kind: NoticeKind::Refused,
            text: reason,
        });
        vec![Effect::Cue(Cue::Rejected)]
    }

    /// A scanned code that another station of the group has bound to `student_no`. When that student is
    /// still waiting here (a roster code, or a shot there that was not accepted), the code is theirs, as if
    /// bound here; otherwise it is refused, naming the station and the student, and the current student and
    /// any pending shot are untouched.
    pub fn code_elsewhere(
        &mut self,
        payload: &str,
        station: &str,
        student_no: &str,
    ) -> Vec<Effect> {
        if self.code.as_deref() == Some(payload.trim()) {
            return Vec::new();
        }
        if let Some(e) = self.entry(student_no)
            && order::waiting(e)
        {
            let owner = (e.student_no.clone(), e.name.clone());
            return self.code_resolved(payload, Some(owner));
        }
        self.notice = Some(refused(
            format!(
                "该采集码已在 {station} 绑定给 {student_no}，不能在本站使用。请核对学生本人的采集码。"
            ),
            format!(
                "This collection code is already bound at {station} to {student_no}; it cannot be used here. Check the student's own code."
            ),
        ));
        vec![Effect::Cue(Cue::Rejected)]
    }

    /// The owner of a scanned code is known (`owner`: a student the code is already bound to). The code
    /// is bound to its owner, or else to the current student; refused when that would move a pending shot or
    /// replace the code the current student already has.
    pub fn code_resolved(&mut self, payload: &str, owner: Option<(String, String)>) -> Vec<Effect> {
        let payload = payload.trim();
        let rejected = |t: &mut Turn, n: Notice| {
            t.notice = Some(n);
            vec![Effect::Cue(Cue::Rejected)]
        };
        if self.code.as_deref() == Some(payload) {
            return Vec::new();
        }
        // The store may not know yet that this code belongs to a shot being saved.
        let owner = owner.or_else(|| {
            self.saving
                .iter()
                .find(|(_, c)| c.as_str() == payload)
                .map(|(no, _)| {
                    let name = self.entry(no).map(|e| e.name.clone()).unwrap_or_default();
                    (no.clone(), name)
                })
        });
        match owner {
            Some((no, name)) if self.current() != Some(no.as_str()) => {
                if self.pending() {
                    let who = self.current.clone().unwrap_or_default();
                    return rejected(
                        self,
                        refused(
                            format!(
                                "该码属于 {no} {name}；{who} 的照片尚未保存：请先保存（Enter）或重拍（R），再扫码。"
                            ),
                            format!(
                                "This code is {no} {name}'s; {who}'s photo is not saved yet: save it (Enter) or retake it (R), then scan again."
                            ),
                        ),
                    );
                }
                if self.saving.contains_key(&no) {
                    return rejected(
                        self,
                        refused(
                            format!("{no} {name} 的照片正在保存。"),
                            format!("{no} {name}'s photo is being saved."),
                        ),
                    );
                }
                let Some(e) = self.entry(&no) else {
                    return rejected(
                        self,
                        refused(
                            format!("该码属于 {no} {name}，但其不在当前名单中。"),
                            format!(
                                "This code is {no} {name}'s, who is not in the current roster."
                            ),
                        ),
                    );
                };
                if !e.needs_photo {
                    let what = match e.photo_state {
                        Some(PhotoState::Rejected | PhotoState::Captured) => {
                            ("其照片正等待主管审核", "whose photo awaits the supervisor")
                        }
                        _ => ("其照片已通过", "who already has an accepted photo"),
                    };
                    return rejected(
                        self,
                        refused(
                            format!("该采集码属于 {no} {name}，{}。", what.0),
                            format!("This code belongs to {no} {name}, {}.", what.1),
                        ),
                    );
                }
                let mut fx = self.select(&no);
                self.code = Some(payload.to_string());
                self.notice = Some(done(
                    format!("已扫码：{no} {name}"),
                    format!("Code read: {no} {name}"),
                ));
                fx.push(Effect::Cue(Cue::Scanned));
                fx
            }
            _ => {
                let Some(no) = self.current.clone() else {
                    return rejected(
                        self,
                        refused(
                            "请先选择学生，再扫码。",
                            "Select a student first, then scan.",
                        ),
                    );
                };
                if self.code.is_some() && self.pending() {
                    return rejected(
                        self,
                        refused(
                            format!(
                                "{no} 的照片尚未保存，新扫的码未使用：请先保存（Enter）或重拍（R），再扫下一位。"
                            ),
                            format!(
                                "{no}'s photo is not saved yet; the new code was not used: save it (Enter) or retake it (R), then scan the next student."
                            ),
                        ),
                    );
                }
                if self.code.is_some() {
                    return rejected(
                        self,
                        refused(
                            format!(
                                "{no} 已有采集码，新码未使用。若扫错了，请先点“清除采集码”（Esc）再扫。"
                            ),
                            format!(
                                "{no} already has a code; the new one was not used. If it was wrong, press \"Clear code\" (Esc) and scan again."
                            ),
                        ),
                    );
                }
                self.code = Some(payload.to_string());
                let name = self
                    .current_entry()
                    .map(|e| e.name.clone())
                    .unwrap_or_default();
                self.notice = Some(done(
                    format!("已扫码：{no} {name}"),
                    format!("Code read: {no} {name}"),
                ));
                Vec::new()
            }
        }
    }

    /// Forgets the current student's code (it was scanned by mistake).
    pub fn clear_code(&mut self) {
        self.code = None;
        self.notice = None;
    }

    /// The shutter: allowed with a current student and nothing pending.
    pub fn shutter(&mut self) -> bool {
        if self.current.is_none() {
            self.notice = Some(refused("请先选择学生。", "Select a student first."));
            return false;
        }
        if self.pending() {
            return false;
        }
        self.stage = ShotStage::Taking;
        self.attempt = 1;
        true
    }

    /// The shot could not be taken (camera error); back to live.
    pub fn shot_failed(&mut self, why: Text) {
        self.stage = ShotStage::Live;
        self.notice = Some(Notice {
            kind: NoticeKind::Refused,
            text: why,
        });
    }

    /// The checked shot is ready for the student it was taken for.
    pub fn shot_ready(&mut self, shot: Arc<PreparedShot>) -> Vec<Effect> {
        if !matches!(self.stage, ShotStage::Taking) {
            return Vec::new();
        }
        let pass = shot.verdict.pass;
        let blinked = !pass && shot.verdict.failed_ids() == ["eyes_open"];
        if blinked && self.attempt < SHOT_ATTEMPTS {
            self.attempt += 1;
            return vec![Effect::RetryAfterBlink];
        }
        self.stage = ShotStage::Ready(shot);
        if pass {
            Vec::new()
        } else {
            vec![Effect::Cue(Cue::Rejected)]
        }
    }

    /// Throws the ready shot away (the code stays).
    pub fn retake(&mut self) {
        if matches!(self.stage, ShotStage::Ready(_)) {
            self.stage = ShotStage::Live;
            self.notice = None;
        }
    }

    /// Saves the ready shot for the current student: accepted when it passed, else sent to review with
    /// `reason`. The next student comes up at once; the store answers later.
    pub fn accept(&mut self, reason: &str, supersede: bool) -> Vec<Effect> {
        let ShotStage::Ready(shot) = &self.stage else {
            return Vec::new();
        };
        let shot = shot.clone();
        let Some(student_no) = self.current.clone() else {
            return Vec::new();
        };
        let Some(code) = self.code.clone() else {
            self.notice = Some(refused(
                "请先扫描该学生的图像采集码。",
                "Scan the student's collection code first.",
            ));
            return vec![Effect::Cue(Cue::Rejected)];
        };
        let decision = if shot.verdict.pass {
            Decision::Accept
        } else if reason.trim().is_empty() {
            self.notice = Some(refused(
                "照片不合格：请重拍（R），或填写原因后提交主管审核。",
                "The photo fails the checks: retake it (R), or give a reason to send it to the supervisor.",
            ));
            return vec![Effect::Cue(Cue::Rejected)];
        } else {
            Decision::Reject {
                reason: reason.trim().to_string(),
            }
        };
        self.saving.insert(student_no.clone(), code.clone());
        if let Some(e) = self.entry_mut(&student_no) {
            e.needs_photo = false;
        }
        self.notice = None;
        self.advance_from(Some(student_no.clone()));
        vec![Effect::Store {
            student_no,
            code,
            shot,
            decision,
            supersede,
        }]
    }

    /// The store saved the shot; the confirmation goes to [`Turn::last_saved`], so a refusal shown for the
    /// current student stays.
    pub fn stored(&mut self, student_no: &str, photo_id: i64, state: PhotoState) -> Vec<Effect> {
        self.saving.remove(student_no);
        let accepted = state == PhotoState::Accepted;
        self.saved = Some(Notice {
            kind: NoticeKind::Done,
            text: if accepted {
                Text::new(
                    format!("已保存 {student_no}（照片 #{photo_id}）"),
                    format!("Saved {student_no} (photo #{photo_id})"),
                )
            } else {
                Text::new(
                    format!("{student_no} 的照片 #{photo_id} 已交主管审核"),
                    format!("Photo #{photo_id} of {student_no} sent to the supervisor"),
                )
            },
        });
        vec![Effect::Cue(if accepted {
            Cue::Accepted
        } else {
            Cue::Rejected
        })]
    }

    /// The store refused the shot: the student goes back to the front of the queue.
    pub fn store_failed(&mut self, student_no: &str, why: Text) -> Vec<Effect> {
        self.saving.remove(student_no);
        if let Some(e) = self.entry_mut(student_no) {
            e.needs_photo = true;
        }
        self.front.retain(|f| f != student_no);
        self.front.insert(0, student_no.to_string());
        self.notice = Some(refused(
            format!(
                "{student_no} 的照片未保存：{}。已放回队首，请重拍。",
                why.zh
            ),
            format!(
                "{student_no}'s photo was not saved: {}. Back at the front; shoot again.",
                why.en
            ),
        ));
        if self.current.is_none() && !self.pending() {
            self.advance_from(None);
        }
        vec![Effect::Cue(Cue::Rejected)]
    }
}
