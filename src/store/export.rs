//! `queue export`: write the current accepted photos, decrypted, named by the configured template.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{OnStep, Store, StoreError, error, records};

/// A parsed file-name template such as `{student_no}.jpg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTemplate(String);

const PLACEHOLDERS: [&str; 4] = ["student_no", "id_no", "name", "class"];

impl NameTemplate {
    /// Checks that every `{…}` is a known placeholder and that the name stays inside the export folder (no
    /// path separator, no `..`).
    pub fn parse(template: &str) -> Result<NameTemplate, String> {
        if template.contains(['/', '\\']) || template.contains("..") {
            return Err(format!(
                "{template:?} must be a plain file name: no '/', '\\' or '..' (files are always written inside the chosen folder)"
            ));
        }
        if template.chars().any(crate::text::is_unsafe_char) {
            return Err(format!(
                "{template:?} contains a control or text-direction character"
            ));
        }
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                return Err(format!("unclosed '{{' in {template:?}"));
            };
            let name = &rest[start + 1..start + len];
            if !PLACEHOLDERS.contains(&name) {
                return Err(format!(
                    "unknown placeholder {{{name}}}; use one of {{student_no}}, {{id_no}}, {{name}}, {{class}}"
                ));
            }
            rest = &rest[start + len + 1..];
        }
        Ok(NameTemplate(template.to_string()))
    }

    /// True when the template needs the decrypted ID number.
    pub fn needs_id_no(&self) -> bool {
        self.0.contains("{id_no}")
    }

    /// Renders a file name; values are made safe for every file system.
    pub fn render(&self, student_no: &str, id_no: &str, name: &str, class: &str) -> String {
        let safe = |s: &str| -> String {
            s.trim()
                .chars()
                .map(|c| {
                    if crate::text::is_unsafe_char(c) || "/\\:*?\"<>|".contains(c) {
                        '_'
                    } else {
                        c
                    }
                })
                .collect()
        };
        let file = self
            .0
            .replace("{student_no}", &safe(student_no))
            .replace("{id_no}", &safe(id_no))
            .replace("{name}", &safe(name))
            .replace("{class}", &safe(class));
        // Values cannot add a separator; a run of dots is flattened so no name reads as `..`.
        file.replace("..", "_.")
    }
}

/// What `export_accepted` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    /// Files written.
    pub written: Vec<PathBuf>,
}

impl Store {
    /// Decrypts every current accepted photo (accepted, override-accepted or uploaded, not superseded) into
    /// `out`. Refuses, before writing anything, when names would collide or an ID number is missing.
    pub fn export_accepted(
        &self,
        out: &Path,
        template: &NameTemplate,
        force: bool,
    ) -> Result<ExportReport, StoreError> {
        self.export_accepted_with(out, template, force, &mut |_, _| true)
    }

    /// [`Store::export_accepted`] reporting (files written, files to write); when `on_step` returns `false` it
    /// deletes the files it wrote and fails with [`StoreError::Cancelled`]. Files are created private (0600);
    /// unless `force`, nothing is written when any of them exists already, and a symbolic link is never
    /// followed.
    pub fn export_accepted_with(
        &self,
        out: &Path,
        template: &NameTemplate,
        force: bool,
        on_step: OnStep,
    ) -> Result<ExportReport, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.id, s.student_no, s.name, c.name FROM photos p
                 JOIN students s ON s.id = p.student_id JOIN classes c ON c.id = s.class_id
                 JOIN photo_blobs b ON b.photo_id = p.id
                 WHERE p.superseded_by IS NULL AND p.state IN ('accepted', 'override_accepted', 'uploaded')
                 ORDER BY s.student_no",
            )
            .map_err(|e| error::sql(e, "list accepted photos"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            })
            .map_err(|e| error::sql(e, "list accepted photos"))?
            .collect::<Result<Vec<(i64, String, String, String)>, _>>()
            .map_err(|e| error::sql(e, "list accepted photos"))?;
        let mut planned: Vec<(i64, PathBuf)> = Vec::with_capacity(rows.len());
        let mut seen: HashMap<String, String> = HashMap::new();
        for (id, no, name, class) in &rows {
            if let Err(problem) = records::check_photo_and_student(&self.conn, &self.key, *id)? {
                return Err(StoreError::RecordTampered {
                    photo_id: *id,
                    problem,
                });
            }
            let id_no = if template.needs_id_no() {
                self.student_id_no(no)?.ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "student {no} {name} has no ID number on file, but the export name template uses {{id_no}}; \
                         import a roster with ID numbers or change export.file_name"
                    ))
                })?
            } else {
                String::new()
            };
            let file = template.render(no, &id_no, name, class);
            if let Some(first) = seen.insert(file.to_lowercase(), no.clone()) {
                return Err(StoreError::Invalid(format!(
                    "students {first} and {no} would both be exported as {file}; change export.file_name"
                )));
            }
            planned.push((*id, out.join(file)));
        }
        if !force {
            let existing: Vec<&PathBuf> = planned
                .iter()
                .map(|(_, p)| p)
                .filter(|p| std::fs::symlink_metadata(p).is_ok())
                .collect();
            if let Some(first) = existing.first() {
                return Err(StoreError::Invalid(format!(
                    "{} of the files to export exist already in {} (e.g. {}); nothing was written. \
                     Choose an empty folder, or replace them with --force",
                    existing.len(),
                    out.display(),
                    first.display()
                )));
            }
        }
        crate::files::create_private_dir(out).map_err(|source| StoreError::Io {
            path: out.to_path_buf(),
            source,
        })?;
        let total = planned.len() as u64;
        let mut written: Vec<PathBuf> = Vec::with_capacity(planned.len());
        for (id, path) in planned {
            if !on_step(written.len() as u64, total) {
                for file in &written {
                    if let Err(e) = std::fs::remove_file(file) {
                        tracing::warn!(file = %file.display(), error = %e, "cannot remove a cancelled export file");
                    }
                }
                return Err(StoreError::Cancelled);
            }
            let jpeg = self.photo_jpeg(id)?;
            crate::files::write_new_private(&path, jpeg.as_slice(), force).map_err(|source| {
                StoreError::Io {
                    path: path.clone(),
                    source,
                }
            })?;
            written.push(path);
        }
        on_step(total, total);
        Ok(ExportReport { written })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_validation_and_rendering() {
        assert!(NameTemplate::parse("{student_no}.jpg").is_ok());
        assert!(
            NameTemplate::parse("{sid}.jpg")
                .unwrap_err()
                .contains("{sid}")
        );
        assert!(NameTemplate::parse("{student_no.jpg").is_err());
        let t = NameTemplate::parse("{class}_{name}.jpg").unwrap();
        assert_eq!(
            t.render("1", "", "张/三", "计科 2001"),
            "计科 2001_张_三.jpg"
        );
    }
}
