//! Several stations, one roster: a station group shares an append-only journal on the storage the site
//! already has (the upload folder or S3 bucket). Each station appends sealed, signed segments with its
//! events and merges the others'; the store answers "accepted elsewhere?", "code bound elsewhere?" and
//! "claimed elsewhere?" from what was merged, and every station keeps working alone when the others are out
//! of reach.

mod key;
mod segment;
mod sync;

pub use key::GroupKey;
pub use segment::{Event, Header, MAGIC, RosterEntry, Segment, open, seal};
pub use sync::{GroupSync, Journal, RoundReport, SyncStatus, round};

/// Group failures.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// A join file could not be made or opened.
    #[error("{0}")]
    Join(String),
    /// A segment could not be made.
    #[error("journal segment: {0}")]
    Segment(String),
    /// The journal storage failed.
    #[error("{0}")]
    Storage(#[from] crate::upload::UploadError),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    /// The station is not in a group.
    #[error(
        "this station is not in a group; create one with `capture-station group create --out FILE` or join with `group join FILE`"
    )]
    NotInGroup,
}
