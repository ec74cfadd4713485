//! `group create | join | status | sync`: several stations sharing one roster and one journal.

use std::path::PathBuf;

use clap::Subcommand;

use super::Failure;
use super::context::{Context, actor};
use super::passphrase;
use crate::group::{self, GroupKey, Journal};

/// Environment variable holding the group passphrase that seals join files.
pub const ENV_GROUP_PASS: &str = "CAPTURE_STATION_GROUP_PASSPHRASE";

/// `group` subcommands.
#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group with this station in it; writes the join file for the other stations.
    Create {
        /// Join file to create (sealed with the group passphrase from CAPTURE_STATION_GROUP_PASSPHRASE, else
        /// asked twice).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Join the group of a join file (asks for, or reads, the group passphrase).
    Join {
        /// The join file from `group create`.
        file: PathBuf,
    },
    /// The group, the journal and the other stations as last heard of.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One publish-and-merge round with the journal.
    Sync {
        /// Run one round and exit (the GUI syncs in the background on its own).
        #[arg(long)]
        once: bool,
    },
}

/// Runs `group`.
pub fn run(ctx: &Context, cmd: &GroupCommand) -> Result<(), Failure> {
    let mut store = ctx.open_store()?;
    match cmd {
        GroupCommand::Create { out } => {
            if store.group()?.is_some() {
                return Err(Failure::Error(
                    "this station is in a group already; `group status` shows it".into(),
                ));
            }
            let pass = passphrase::new(ENV_GROUP_PASS, 8).map_err(Failure::Error)?;
            let key = GroupKey::generate();
            let text = key.join_file(&pass, ctx.kdf())?;
            crate::files::write_new_private(out, text.as_bytes(), false)
                .map_err(|e| Failure::Error(format!("{}: {e}", out.display())))?;
            store.join_group(&key, &actor())?;
            println!(
                "created group {} with station {}",
                key.group_id,
                store.station_id()
            );
            println!(
                "wrote the join file {}; at each other station run `capture-station group join {}`",
                out.display(),
                out.display()
            );
        }
        GroupCommand::Join { file } => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| Failure::Error(format!("{}: {e}", file.display())))?;
            let pass = passphrase::secret(ENV_GROUP_PASS, "小组口令 / group passphrase: ")
                .map_err(Failure::Error)?;
            let key = GroupKey::from_join_file(&text, &pass)
                .map_err(|e| Failure::Error(format!("{}: {e}", file.display())))?;
            store.join_group(&key, &actor())?;
            println!(
                "station {} joined group {}",
                store.station_id(),
                key.group_id
            );
        }
        GroupCommand::Status { json } => {
            let key = store.group()?.ok_or(group::GroupError::NotInGroup)?;
            let journal = Journal::new(&ctx.config.upload, &ctx.data_dir, &key)?;
            let peers = store.group_peers()?;
            let conflicts = store.group_conflicts()?;
            if *json {
                let v = serde_json::json!({
                    "group": key.group_id,
                    "station": store.station_id(),
                    "journal": journal.describe(),
                    "stations": peers,
                    "conflicts": conflicts,
                });
                println!("{v}");
            } else {
                println!("group     {}", key.group_id);
                println!("station   {}", store.station_id());
                println!("journal   {}", journal.describe());
                for p in &peers {
                    println!(
                        "  {:<10} {} segments, last heard {}{}",
                        p.station,
                        p.segments,
                        p.last_seen.as_deref().unwrap_or("never"),
                        p.refused
                            .as_deref()
                            .map(|r| format!("; REFUSED {r}"))
                            .unwrap_or_default()
                    );
                }
                for c in &conflicts {
                    let at: Vec<String> =
                        c.stations.iter().map(|(s, t)| format!("{s} {t}")).collect();
                    println!("CONFLICT {} accepted at {}", c.student_no, at.join(", "));
                }
            }
        }
        GroupCommand::Sync { once: _ } => {
            let key = store.group()?.ok_or(group::GroupError::NotInGroup)?;
            let journal = Journal::new(&ctx.config.upload, &ctx.data_dir, &key)?;
            let r = group::round(&mut store, &journal, &key)?;
            for (file, why) in &r.refused {
                eprintln!("REFUSED {file}: {why}");
            }
            for f in &r.rosters {
                println!("imported roster {f}");
            }
            println!(
                "published {} events, merged {} segments, refused {}",
                r.published,
                r.merged,
                r.refused.len()
            );
            if !r.refused.is_empty() {
                return Err(Failure::Problems(String::new()));
            }
        }
    }
    Ok(())
}
