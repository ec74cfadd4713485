//! `student add`.

use clap::{Args, Subcommand};

use super::Failure;
use super::context::{Context, actor};
use crate::roster::id_no;
use crate::store::{NewStudent, StudentStatus};

/// `student` subcommands.
#[derive(Debug, Subcommand)]
pub enum StudentCommand {
    /// Add a walk-in student who is not on the roster.
    Add(AddArgs),
}

/// Options of `student add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Student number (学号).
    pub student_no: String,
    /// Name (姓名).
    #[arg(long)]
    pub name: String,
    /// Class (班级); created if new.
    #[arg(long)]
    pub class: String,
    /// 降级 (held back) or 复读 (repeating).
    #[arg(long)]
    pub status: Option<String>,
    /// ID number (身份证号), stored encrypted.
    #[arg(long)]
    pub id_no: Option<String>,
}

/// Runs a `student` subcommand.
pub fn run(ctx: &Context, cmd: &StudentCommand) -> Result<(), Failure> {
    let StudentCommand::Add(args) = cmd;
    let status = match &args.status {
        None => StudentStatus::Normal,
        Some(s) => StudentStatus::parse(s).ok_or_else(|| {
            Failure::Error(format!(
                "--status {s:?}: use 降级 (held back) or 复读 (repeating)"
            ))
        })?,
    };
    let id = match &args.id_no {
        None => None,
        Some(raw) => {
            Some(id_no::normalise(raw).map_err(|e| Failure::Error(format!("--id-no: {e}")))?)
        }
    };
    let mut store = ctx.open_store()?;
    let s = store.add_student(
        &NewStudent {
            student_no: args.student_no.clone(),
            name: args.name.clone(),
            class: args.class.clone(),
            status,
            id_no: id,
        },
        &actor(),
    )?;
    println!(
        "added {} {} ({}){}",
        s.student_no,
        s.name,
        s.class,
        match s.status.zh() {
            "" => String::new(),
            w => format!(" [{w}]"),
        }
    );
    Ok(())
}
