//! `[roster]` configuration: CSV encoding, column-name overrides and extra status words.

use serde::{Deserialize, Serialize};

use super::columns::Field;
use super::csv::CsvEncoding;

/// Header overrides per field: the exact header text used by the school's files (`[roster.columns]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ColumnNames {
    /// Header of the student-number column (学号).
    pub student_no: Option<String>,
    /// Header of the name column (姓名).
    pub name: Option<String>,
    /// Header of the class column (班级).
    pub class: Option<String>,
    /// Header of the school column (学院).
    pub school: Option<String>,
    /// Header of the major column (专业).
    pub major: Option<String>,
    /// Header of the ID-number column (身份证号).
    pub id_no: Option<String>,
    /// Header of the 降级/复读 column (备注, 类别, 学籍异动, 状态).
    pub status: Option<String>,
    /// Header of the collection-code column (采集码).
    pub code: Option<String>,
}

impl ColumnNames {
    /// The override for `field`.
    pub fn get(&self, field: Field) -> Option<&str> {
        match field {
            Field::StudentNo => self.student_no.as_deref(),
            Field::Name => self.name.as_deref(),
            Field::Class => self.class.as_deref(),
            Field::School => self.school.as_deref(),
            Field::Major => self.major.as_deref(),
            Field::IdNo => self.id_no.as_deref(),
            Field::Status => self.status.as_deref(),
            Field::Code => self.code.as_deref(),
        }
    }

    /// Sets the override for `field`.
    pub fn set(&mut self, field: Field, header: String) {
        let slot = match field {
            Field::StudentNo => &mut self.student_no,
            Field::Name => &mut self.name,
            Field::Class => &mut self.class,
            Field::School => &mut self.school,
            Field::Major => &mut self.major,
            Field::IdNo => &mut self.id_no,
            Field::Status => &mut self.status,
            Field::Code => &mut self.code,
        };
        *slot = Some(header);
    }
}

/// The `[roster]` section of the station configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RosterSettings {
    /// CSV encoding: `auto` (default), `utf-8`, `gbk` or `gb18030`.
    pub encoding: CsvEncoding,
    /// Header overrides (`[roster.columns]`, e.g. `student_no = "学生编号"`).
    pub columns: ColumnNames,
    /// Extra words in the status column that mean a regular student (besides empty, 正常, 无, 应届, 在读, 在籍).
    pub normal_words: Vec<String>,
    /// Extra words meaning 降级 (besides anything containing 降级, and "held back").
    pub held_back_words: Vec<String>,
    /// Extra words meaning 复读 (besides anything containing 复读, and "repeating").
    pub repeating_words: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round_trip_and_unknown_keys() {
        let s: RosterSettings = toml::from_str(
            "encoding = \"gbk\"\nnormal_words = [\"转专业\"]\n[columns]\nstudent_no = \"学生编号\"\n",
        )
        .unwrap();
        assert_eq!(s.encoding, CsvEncoding::Gbk);
        assert_eq!(s.columns.get(Field::StudentNo), Some("学生编号"));
        assert_eq!(s.normal_words, vec!["转专业".to_string()]);
        let back: RosterSettings = toml::from_str(&toml::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert!(toml::from_str::<RosterSettings>("encodng = \"gbk\"").is_err());
        assert!(toml::from_str::<RosterSettings>("[columns]\nfoo = \"x\"").is_err());
        assert_eq!(
            toml::from_str::<RosterSettings>("").unwrap(),
            RosterSettings::default()
        );
    }
}
