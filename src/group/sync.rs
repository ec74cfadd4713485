//! One sync round (publish this station's new events, merge the others' new segments) and the background
//! thread that runs rounds every ~2 s with backoff while the storage is out of reach.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::segment::{self, Event};
use super::{GroupError, GroupKey};
use crate::config::UploadSettings;
use crate::roster::{ParsedRoster, RosterRow};
use crate::store::Store;
use crate::upload::Target;

/// Where the group's segments live: `group-<id>/<station>/<seq, 8 digits>.seg` on the upload target.
pub struct Journal {
    target: Target,
    group_id: String,
}

impl Journal {
    /// The journal of `group` on the configured upload target.
    pub fn new(
        settings: &UploadSettings,
        data_dir: &Path,
        group: &GroupKey,
    ) -> Result<Journal, GroupError> {
        Ok(Journal {
            target: Target::from_settings(settings, data_dir, None)?,
            group_id: group.group_id.clone(),
        })
    }

    fn prefix(&self) -> String {
        format!("group-{}", self.group_id)
    }

    fn name(&self, station: &str, seq: u64) -> String {
        format!("{}/{station}/{seq:08}.seg", self.prefix())
    }

    /// Where the journal is, for messages.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.target.describe(), self.prefix())
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RoundReport {
    /// Events published by this station.
    pub published: usize,
    /// Segments merged from other stations.
    pub merged: usize,
    /// Rosters imported from other stations (file names).
    pub rosters: Vec<String>,
    /// Segments refused: (file, why).
    pub refused: Vec<(String, String)>,
}

fn parse_name(prefix: &str, name: &str) -> Option<(String, u64)> {
    let rest = name.strip_prefix(prefix)?.strip_prefix('/')?;
    let (station, file) = rest.split_once('/')?;
    let seq = file.strip_suffix(".seg")?.parse().ok()?;
    crate::text::is_station_id(station).then(|| (station.to_string(), seq))
}

fn roster_of(station: &str, file: &str, rows: &[super::RosterEntry]) -> ParsedRoster {
    ParsedRoster {
        file: format!("{file} (from station {station})"),
        encoding: None,
        sheets: Vec::new(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| RosterRow {
                sheet: None,
                row: i as u32 + 2,
                student_no: r.student_no.clone(),
                name: r.name.clone(),
                class: r.class.clone(),
                school: r.school.clone(),
                major: r.major.clone(),
                status: r.status,
                id_no: r.id_no.clone(),
                code: r.code.clone(),
            })
            .collect(),
        problems: Vec::new(),
    }
}

/// One round: publish what is new here, then merge every new segment of the other stations.
pub fn round(
    store: &mut Store,
    journal: &Journal,
    group: &GroupKey,
) -> Result<RoundReport, GroupError> {
    let mut report = RoundReport::default();
    let me = store.station_id().to_string();
    let (mut events, seq, marks) = store.group_pending(group)?;
    if !events.is_empty() {
        // A station stopped after writing segment `seq` but before recording it finds it here: what it
        // holds is already out (other stations may have merged it), so only the rest goes, as `seq + 1`.
        let mut publish = seq;
        if let Ok(bytes) = journal.target.get(&journal.name(&me, seq))
            && let Ok((old, _)) = segment::open(&bytes, group)
            && old.events.len() <= events.len()
            && old.events[..] == events[..old.events.len()]
        {
            events.drain(..old.events.len());
            if !events.is_empty() {
                publish = seq + 1;
            }
        }
        if !events.is_empty() {
            let bytes = segment::seal(group, &me, publish, &events, store.signing_key())?;
            journal.target.put(&journal.name(&me, publish), &bytes)?;
        }
        store.group_published(publish, marks)?;
        report.published = events.len();
    }
    let mut names: Vec<(String, u64, String)> = journal
        .target
        .list(&journal.prefix())?
        .into_iter()
        .filter_map(|n| parse_name(&journal.prefix(), &n).map(|(s, q)| (s, q, n)))
        .filter(|(s, _, _)| *s != me)
        .collect();
    names.sort();
    for (station, seq, name) in names {
        let (last, pinned) = store
            .group_peer(&station)?
            .map(|(l, k)| (l, Some(k).filter(|k| !k.is_empty())))
            .unwrap_or((0, None));
        if seq <= last {
            continue;
        }
        let bytes = journal.target.get(&name)?;
        let refuse = |why: String| (name.clone(), why);
        let (seg, key) = match segment::open(&bytes, group) {
            Ok(v) => v,
            Err(why) => {
                store.group_refused(&station, &format!("{name}: {why}"))?;
                report.refused.push(refuse(why));
                continue;
            }
        };
        if seg.header.station != station || seg.header.seq != seq {
            let why = "its header names another station or segment than its file".to_string();
            store.group_refused(&station, &format!("{name}: {why}"))?;
            report.refused.push(refuse(why));
            continue;
        }
        if pinned.as_deref().is_some_and(|p| p != key.to_hex()) {
            let why = format!("signed by a key that is not station {station}'s");
            store.group_refused(&station, &format!("{name}: {why}"))?;
            report.refused.push(refuse(why));
            continue;
        }
        for e in &seg.events {
            if let Event::Roster { file, rows } = e {
                let parsed = roster_of(&station, file, rows);
                let r = store.import_roster(&parsed, false, &format!("group:{station}"))?;
                if r.written {
                    report.rosters.push(parsed.file.clone());
                } else {
                    tracing::warn!(station = %station, errors = r.error_count(), "a roster from the group was not imported");
                }
            }
        }
        store.group_merge(&station, seq, &key.to_hex(), &seg.events)?;
        report.merged += 1;
    }
    Ok(report)
}

/// The group as the station sees it, for the status line.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SyncStatus {
    /// When the last round succeeded (seconds since it, at the time of reading).
    pub last_ok_secs: Option<u64>,
    /// The storage error of the last round, if it failed.
    pub error: Option<String>,
    /// Segments refused so far.
    pub refused: Vec<(String, String)>,
    /// Rounds run.
    pub rounds: u64,
}

struct Shared {
    status: Mutex<(SyncStatus, Option<Instant>)>,
    stop: AtomicBool,
}

/// The background sync thread: a round every `interval`, doubling up to a minute while the storage fails.
pub struct GroupSync {
    shared: Arc<Shared>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl GroupSync {
    /// Starts syncing `store` (a connection of its own) through `journal`; `on_change` runs after a round
    /// that merged something.
    pub fn spawn(
        mut store: Store,
        journal: Journal,
        group: GroupKey,
        interval: Duration,
        on_change: Arc<dyn Fn() + Send + Sync>,
    ) -> Result<GroupSync, GroupError> {
        let shared = Arc::new(Shared {
            status: Mutex::new((SyncStatus::default(), None)),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let handle = std::thread::Builder::new()
            .name("group-sync".into())
            .spawn(move || {
                let mut wait = interval;
                while !s.stop.load(Ordering::Relaxed) {
                    let result = round(&mut store, &journal, &group);
                    {
                        let mut st = s.status.lock().unwrap_or_else(|p| p.into_inner());
                        st.0.rounds += 1;
                        match &result {
                            Ok(r) => {
                                st.1 = Some(Instant::now());
                                st.0.error = None;
                                st.0.refused.extend(r.refused.iter().cloned());
                                wait = interval;
                            }
                            Err(e) => {
                                st.0.error = Some(e.to_string());
                                wait = (wait * 2).min(Duration::from_secs(60));
                            }
                        }
                    }
                    if matches!(&result, Ok(r) if r.merged > 0 || !r.rosters.is_empty()) {
                        on_change();
                    }
                    let until = Instant::now() + wait;
                    while Instant::now() < until && !s.stop.load(Ordering::Relaxed) {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
            })
            .map_err(|e| GroupError::Join(format!("cannot start the group sync thread: {e}")))?;
        Ok(GroupSync {
            shared,
            handle: Some(handle),
        })
    }

    /// The current status.
    pub fn status(&self) -> SyncStatus {
        let st = self.shared.status.lock().unwrap_or_else(|p| p.into_inner());
        let mut s = st.0.clone();
        s.last_ok_secs = st.1.map(|t| t.elapsed().as_secs());
        s
    }
}

impl Drop for GroupSync {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
