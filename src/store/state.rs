//! The photo queue's states and its legal transitions (architecture.md, "Queue states").

use serde::Serialize;

/// Where a photo is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoState {
    /// Stored, awaiting the station's decision.
    Captured,
    /// Accepted at the station (passed the checks).
    Accepted,
    /// Failed the checks, or accepted by the operator with a reason; awaits a supervisor.
    Rejected,
    /// Accepted by a supervisor despite failed checks.
    OverrideAccepted,
    /// A supervisor ordered a re-shoot; the student is back in the queue.
    ReshootRequested,
    /// Delivered to the registrar and confirmed by the target.
    Uploaded,
    /// Blob removed after the retention period; the audit trail stays.
    Purged,
}

/// All states, in life-cycle order.
pub const ALL_STATES: [PhotoState; 7] = [
    PhotoState::Captured,
    PhotoState::Accepted,
    PhotoState::Rejected,
    PhotoState::OverrideAccepted,
    PhotoState::ReshootRequested,
    PhotoState::Uploaded,
    PhotoState::Purged,
];

impl PhotoState {
    /// The name stored in the database and shown by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoState::Captured => "captured",
            PhotoState::Accepted => "accepted",
            PhotoState::Rejected => "rejected",
            PhotoState::OverrideAccepted => "override_accepted",
            PhotoState::ReshootRequested => "reshoot_requested",
            PhotoState::Uploaded => "uploaded",
            PhotoState::Purged => "purged",
        }
    }

    /// Parses a stored or typed state name.
    pub fn parse(s: &str) -> Option<PhotoState> {
        ALL_STATES.into_iter().find(|st| st.as_str() == s)
    }

    /// True for the states whose photo counts as the student's accepted photo.
    pub fn is_accepted(self) -> bool {
        matches!(
            self,
            PhotoState::Accepted | PhotoState::OverrideAccepted | PhotoState::Uploaded
        )
    }

    /// Whether `self → to` is a legal transition.
    pub fn can_become(self, to: PhotoState) -> bool {
        use PhotoState::*;
        matches!(
            (self, to),
            (Captured, Accepted)
                | (Captured, Rejected)
                | (Rejected, OverrideAccepted)
                | (Rejected, ReshootRequested)
                | (Accepted, Uploaded)
                | (OverrideAccepted, Uploaded)
                | (Uploaded, Purged)
        )
    }
}

impl std::fmt::Display for PhotoState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_table_matches_architecture() {
        let legal: Vec<(PhotoState, PhotoState)> = ALL_STATES
            .iter()
            .flat_map(|&a| ALL_STATES.iter().map(move |&b| (a, b)))
            .filter(|(a, b)| a.can_become(*b))
            .collect();
        assert_eq!(legal.len(), 7);
        assert!(!PhotoState::Accepted.can_become(PhotoState::Rejected));
        assert!(!PhotoState::Purged.can_become(PhotoState::Uploaded));
        assert!(!PhotoState::ReshootRequested.can_become(PhotoState::Accepted));
    }

    #[test]
    fn names_round_trip() {
        for s in ALL_STATES {
            assert_eq!(PhotoState::parse(s.as_str()), Some(s));
        }
        assert_eq!(PhotoState::parse("bogus"), None);
    }
}
