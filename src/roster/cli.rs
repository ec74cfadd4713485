//! `capture-station roster …`: import, list, progress, export-missing, order. The lead opens the store and
//! passes it in; [`run`] returns what to print and the exit code (0 ok, 1 the import found problems and wrote
//! nothing, 2 errors via `Err`).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::export::write_follow_up;
use super::report::{ImportReport, Severity};
use super::{CsvEncoding, Field, ReadOptions, RosterSettings, read_file};
use crate::i18n::Lang;
use crate::store::{PhotoState, Store, StudentStatus};

/// `roster` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum RosterCommand {
    /// Check a class list (.xlsx, .xls, .csv) and load it in one transaction; nothing is written if any row
    /// has a problem.
    Import(ImportArgs),
    /// Students in shooting order with their photo state.
    List {
        /// Only this class.
        #[arg(long)]
        class: Option<String>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Progress per class and overall.
    Progress {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Across the station group: accepted per class and per station (what this station has merged).
        #[arg(long)]
        group: bool,
    },
    /// Write the "not yet photographed" and "re-shoot" lists to an .xlsx workbook.
    ExportMissing {
        /// Output file (.xlsx).
        #[arg(long)]
        out: PathBuf,
    },
    /// Set the class order: the named classes first, in this order; the others keep theirs.
    Order {
        /// Class names.
        #[arg(required = true)]
        classes: Vec<String>,
    },
}

/// Options of `roster import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The class list.
    pub file: PathBuf,
    /// Only this sheet (default: every sheet with a header row).
    #[arg(long)]
    pub sheet: Option<String>,
    /// CSV encoding: auto, utf-8, gbk, gb18030 (default from [roster] encoding, else auto).
    #[arg(long)]
    pub encoding: Option<CsvEncoding>,
    /// Column mapping, e.g. --map student_no=学生编号 (fields: student_no, name, class, school, major,
    /// id_no, status, code).
    #[arg(long = "map", value_name = "FIELD=HEADER")]
    pub map: Vec<String>,
    /// Check only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow changes to the name or ID number of students who already have an accepted photo (refused
    /// otherwise); the audit log records that they were confirmed.
    #[arg(long)]
    pub confirm_identity_changes: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What a command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Text for standard output.
    pub stdout: String,
    /// Process exit code: 0, or 1 when an import found problems (nothing was written).
    pub exit_code: u8,
}

fn ok(stdout: String) -> Outcome {
    Outcome {
        stdout,
        exit_code: 0,
    }
}

/// Builds the read options from settings and `--sheet`/`--map`.
pub fn read_options(settings: &RosterSettings, args: &ImportArgs) -> Result<ReadOptions, String> {
    let mut opts = ReadOptions::from_settings(settings);
    opts.sheet = args.sheet.clone();
    for m in &args.map {
        let (field, header) = m
            .split_once('=')
            .ok_or_else(|| format!("--map {m:?}: write FIELD=HEADER, e.g. student_no=学生编号"))?;
        let field = Field::parse(field).ok_or_else(|| {
            format!(
                "--map {m:?}: unknown field {field:?}; use one of {}",
                super::columns::ALL_FIELDS.map(Field::key).join(", ")
            )
        })?;
        if header.trim().is_empty() {
            return Err(format!("--map {m:?}: the header is empty"));
        }
        opts.columns.set(field, header.trim().to_string());
    }
    Ok(opts)
}

/// Human-readable import report.
pub fn render_report(r: &ImportReport, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut out = String::new();
    let mut say = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    for s in &r.sheets {
        let cols: Vec<String> = s
            .columns
            .iter()
            .map(|c| format!("{}={}({})", c.field.key(), c.header, c.letter))
            .collect();
        let sheet = s.sheet.as_deref().unwrap_or("csv");
        say(if zh {
            format!(
                "{} [{sheet}] 表头在第 {} 行：{}",
                r.file,
                s.header_row,
                cols.join(", ")
            )
        } else {
            format!(
                "{} [{sheet}] header on row {}: {}",
                r.file,
                s.header_row,
                cols.join(", ")
            )
        });
    }
    if let Some(e) = &r.encoding {
        say(format!("{}{e}", if zh { "编码：" } else { "encoding: " }));
    }
    for p in &r.problems {
        let level = match (p.severity, zh) {
            (Severity::Error, true) => "错误",
            (Severity::Error, false) => "error",
            (Severity::Warning, true) => "提示",
            (Severity::Warning, false) => "warning",
        };
        say(format!(
            "{level}: {}: {}",
            p.location(lang),
            p.message.get(lang)
        ));
    }
    for a in &r.added {
        say(format!("+ {} {} ({})", a.student_no, a.name, a.class));
    }
    for c in &r.changed {
        let what: Vec<String> = c
            .changes
            .iter()
            .map(|f| format!("{}: {:?} → {:?}", f.field, f.old, f.new))
            .collect();
        say(format!(
            "~ {} {}: {}",
            c.student.student_no,
            c.student.name,
            what.join("; ")
        ));
    }
    for m in &r.missing_from_file {
        say(if zh {
            format!(
                "? {} {}（{}）不在此文件中，已保留",
                m.student_no, m.name, m.class
            )
        } else {
            format!(
                "? {} {} ({}) is not in this file; kept",
                m.student_no, m.name, m.class
            )
        });
    }
    let errors = r.error_count();
    say(match (zh, errors > 0, r.written) {
        (true, true, _) => format!("发现 {errors} 个错误，未写入任何数据。请修改文件后重新导入。"),
        (false, true, _) => {
            format!("{errors} error(s) found; nothing was written. Fix the file and import again.")
        }
        (true, false, true) => format!(
            "已导入：新增 {}，修改 {}，未变 {}，文件中缺少 {}；新班级 {}。",
            r.added.len(),
            r.changed.len(),
            r.unchanged,
            r.missing_from_file.len(),
            r.new_classes.len()
        ),
        (false, false, true) => format!(
            "imported: {} added, {} changed, {} unchanged, {} missing from the file; {} new classes.",
            r.added.len(),
            r.changed.len(),
            r.unchanged,
            r.missing_from_file.len(),
            r.new_classes.len()
        ),
        (true, false, false) => format!(
            "检查通过（试运行，未写入）：将新增 {}，修改 {}，未变 {}。",
            r.added.len(),
            r.changed.len(),
            r.unchanged
        ),
        (false, false, false) => format!(
            "check passed (dry run, nothing written): {} to add, {} to change, {} unchanged.",
            r.added.len(),
            r.changed.len(),
            r.unchanged
        ),
    });
    out
}

fn status_label(s: StudentStatus, zh: bool) -> &'static str {
    match (s, zh) {
        (StudentStatus::Normal, _) => "",
        (s, true) => s.zh(),
        (s, false) => s.as_str(),
    }
}

fn state_label(s: Option<PhotoState>) -> &'static str {
    s.map_or("-", PhotoState::as_str)
}

/// Runs a `roster` subcommand on an unlocked store. `Err` is a usage or runtime error (exit 2).
pub fn run(
    store: &mut Store,
    settings: &RosterSettings,
    cmd: &RosterCommand,
    actor: &str,
    lang: Lang,
) -> Result<Outcome, String> {
    let zh = lang == Lang::Zh;
    match cmd {
        RosterCommand::Import(args) => {
            let opts = read_options(settings, args)?;
            let encoding = args.encoding.unwrap_or(settings.encoding);
            let parsed = read_file(&args.file, encoding, &opts)
                .map_err(|e| e.text().get(lang).to_string())?;
            store.set_confirm_identity_changes(args.confirm_identity_changes);
            let report = store
                .import_roster(&parsed, args.dry_run, actor)
                .map_err(|e| e.to_string())?;
            let stdout = if args.json {
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"
            } else {
                render_report(&report, lang)
            };
            Ok(Outcome {
                stdout,
                exit_code: if report.has_errors() { 1 } else { 0 },
            })
        }
        RosterCommand::List { class, json } => {
            let queue = store
                .shooting_queue(class.as_deref())
                .map_err(|e| e.to_string())?;
            let mut out = String::new();
            for e in &queue {
                if *json {
                    out.push_str(&serde_json::to_string(e).map_err(|e| e.to_string())?);
                } else {
                    out.push_str(&format!(
                        "{:>5}  {:<14} {:<16} {:<10} {:<4} {:<10} {}",
                        e.position,
                        e.class,
                        e.student_no,
                        e.name,
                        status_label(e.status, zh),
                        e.id_no_masked.as_deref().unwrap_or(""),
                        state_label(e.photo_state)
                    ));
                }
                out.push('\n');
            }
            Ok(ok(out))
        }
        RosterCommand::Progress { json, group: true } => {
            let p = store.group_progress().map_err(|e| e.to_string())?;
            if *json {
                return Ok(ok(serde_json::to_string_pretty(&p)
                    .map_err(|e| e.to_string())?
                    + "\n"));
            }
            let head = if zh {
                ["班级", "总数", "已通过", "未通过", "各站点"]
            } else {
                ["class", "total", "accepted", "missing", "by station"]
            };
            let mut out = format!(
                "{:<20} {:>6} {:>8} {:>8}  {}\n",
                head[0], head[1], head[2], head[3], head[4]
            );
            let overall = crate::store::GroupClassProgress {
                class: if zh { "合计" } else { "all" }.into(),
                ..p.overall.clone()
            };
            for c in p.classes.iter().chain(std::iter::once(&overall)) {
                let by: Vec<String> = c
                    .by_station
                    .iter()
                    .map(|(s, n)| format!("{s} {n}"))
                    .collect();
                out.push_str(&format!(
                    "{:<20} {:>6} {:>8} {:>8}  {}\n",
                    c.class,
                    c.total,
                    c.accepted,
                    c.missing,
                    by.join(", ")
                ));
            }
            Ok(ok(out))
        }
        RosterCommand::Progress { json, group: false } => {
            let p = store.roster_progress().map_err(|e| e.to_string())?;
            if *json {
                return Ok(ok(serde_json::to_string_pretty(&p)
                    .map_err(|e| e.to_string())?
                    + "\n"));
            }
            let head = if zh {
                ["班级", "总数", "已通过", "待审核", "需重拍", "未拍摄"]
            } else {
                ["class", "total", "accepted", "review", "reshoot", "missing"]
            };
            let mut out = format!(
                "{:<20} {:>6} {:>8} {:>8} {:>8} {:>8}\n",
                head[0], head[1], head[2], head[3], head[4], head[5]
            );
            let overall = if zh { "合计" } else { "all" };
            for (name, c) in p
                .classes
                .iter()
                .map(|c| (c.class.as_str(), &c.counts))
                .chain(std::iter::once((overall, &p.overall)))
            {
                out.push_str(&format!(
                    "{:<20} {:>6} {:>8} {:>8} {:>8} {:>8}\n",
                    name,
                    c.total,
                    c.accepted,
                    c.awaiting_review,
                    c.reshoot_requested,
                    c.not_photographed
                ));
            }
            Ok(ok(out))
        }
        RosterCommand::ExportMissing { out } => {
            let queue = store.shooting_queue(None).map_err(|e| e.to_string())?;
            let s = write_follow_up(&queue, out).map_err(|e| e.to_string())?;
            Ok(ok(if zh {
                format!(
                    "已写入 {}：未拍摄 {} 人，需重拍 {} 人，涉及 {} 个班级\n",
                    out.display(),
                    s.not_photographed,
                    s.reshoot,
                    s.classes
                )
            } else {
                format!(
                    "wrote {}: {} not yet photographed, {} re-shoot, in {} classes\n",
                    out.display(),
                    s.not_photographed,
                    s.reshoot,
                    s.classes
                )
            }))
        }
        RosterCommand::Order { classes } => {
            let names: Vec<&str> = classes.iter().map(String::as_str).collect();
            let order = store
                .set_class_order(&names, actor)
                .map_err(|e| e.to_string())?;
            let mut out = String::new();
            for c in order {
                out.push_str(&format!("{:>3}. {} ({})\n", c.position, c.name, c.students));
            }
            Ok(ok(out))
        }
    }
}
