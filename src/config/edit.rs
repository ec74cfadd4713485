//! Saving settings changed in the GUI back into the config file: only the named sections are rewritten,
//! value by value, so the operator's comments, layout and other sections stay as they were.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table};

use super::{Config, ConfigError};

/// Writes `config`'s `sections` (e.g. `["camera", "spec"]`) into the file at `path`, creating it if needed.
/// The result is parsed and validated before it replaces the file (write to a sibling file, then rename).
pub fn save_sections(path: &Path, config: &Config, sections: &[&str]) -> Result<(), ConfigError> {
    let parse_err = |message: String| ConfigError::Parse {
        path: path.to_path_buf(),
        line: 0,
        message,
    };
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(ConfigError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut doc: DocumentMut = old
        .parse()
        .map_err(|e: toml_edit::TomlError| parse_err(e.message().to_string()))?;
    let new_text = toml::to_string(config).map_err(|e| parse_err(e.to_string()))?;
    let new: DocumentMut = new_text
        .parse()
        .map_err(|e: toml_edit::TomlError| parse_err(e.message().to_string()))?;
    for section in sections {
        let src = new.get(section).and_then(Item::as_table);
        match (src, doc.get_mut(section).and_then(Item::as_table_mut)) {
            (Some(src), Some(dst)) => merge(dst, src),
            (Some(src), None) => {
                doc.insert(section, Item::Table(src.clone()));
            }
            (None, _) => {
                doc.remove(section);
            }
        }
    }
    let text = doc.to_string();
    Config::parse(&text, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ConfigError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let tmp = path.with_extension("toml.saving");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Makes `dst` hold `src`'s values, keeping each kept key's comments and formatting; keys that `src` no
/// longer has (options switched off) are removed.
fn merge(dst: &mut Table, src: &Table) {
    let gone: Vec<String> = dst
        .iter()
        .filter(|(k, _)| !src.contains_key(k))
        .map(|(k, _)| k.to_string())
        .collect();
    for k in gone {
        dst.remove(&k);
    }
    for (key, item) in src.iter() {
        match (item, dst.get_mut(key)) {
            (Item::Table(s), Some(Item::Table(d))) => merge(d, s),
            (Item::Value(s), Some(Item::Value(d))) => {
                if s.to_string().trim() != d.to_string().trim() {
                    let decor = d.decor().clone();
                    *d = s.clone();
                    *d.decor_mut() = decor;
                }
            }
            (_, _) => {
                dst.insert(key, item.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_comments_and_other_sections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "# my station\n[station]\nid = \"A\" # left door\n\n[camera]\n# the good one\nwidth = 1920\nheight = 1080\ndevice = 2\n";
        std::fs::write(&path, original).unwrap();
        let mut cfg = Config::load(&path).unwrap();
        cfg.camera.width = 1280;
        cfg.camera.height = 720;
        cfg.camera.device = None;
        cfg.station.id = "changed-but-not-saved".into();
        save_sections(&path, &cfg, &["camera"]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# my station"), "{text}");
        assert!(text.contains("id = \"A\" # left door"), "{text}");
        assert!(text.contains("# the good one\nwidth = 1280"), "{text}");
        assert!(!text.contains("device"), "{text}");
        let back = Config::load(&path).unwrap();
        assert_eq!((back.camera.width, back.camera.height), (1280, 720));
        assert_eq!(back.station.id, "A");
    }

    #[test]
    fn creates_a_missing_file_and_refuses_invalid_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config.toml");
        let mut cfg = Config::default();
        cfg.spec.thresholds.blur.warn = 0.42;
        save_sections(&path, &cfg, &["spec"]).unwrap();
        let back = Config::load(&path).unwrap();
        assert_eq!(back.spec.thresholds.blur.warn, 0.42);

        let before = std::fs::read_to_string(&path).unwrap();
        cfg.spec.width = 1;
        let err = save_sections(&path, &cfg, &["spec"]).unwrap_err();
        assert!(err.to_string().contains("spec.width"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    }
}
