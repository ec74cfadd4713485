//! Store errors as bilingual messages for the operator.

use crate::i18n::Text;
use crate::store::StoreError;

/// Says what went wrong and what to do, in both languages.
pub fn describe(e: &StoreError) -> Text {
    match e {
        StoreError::WrongPassphrase => {
            Text::new("口令错误，请重新输入。", "Wrong passphrase; try again.")
        }
        StoreError::Throttled { wait } => Text::new(
            format!("口令连续输错，请等 {} 秒再试。", wait.as_secs().max(1)),
            format!(
                "Too many wrong passphrases: wait {} s before the next try.",
                wait.as_secs().max(1)
            ),
        ),
        StoreError::RecordTampered { photo_id, problem } => Text::new(
            format!(
                "照片 #{photo_id} 的记录未通过校验（数据库文件在本程序之外被改动）：{problem}。请运行“校验”并交主管处理。"
            ),
            format!(
                "Photo #{photo_id}'s record does not verify (the database file was edited outside the station): \
                 {problem}. Run Verify and have a supervisor investigate."
            ),
        ),
        StoreError::GroupAccepted {
            student_no,
            station,
            at,
        } => Text::new(
            format!("{student_no} 已在 {station} 拍摄并通过（{at}），本站未保存。"),
            format!(
                "{student_no} was already photographed and accepted at {station} ({at}); nothing was stored here."
            ),
        ),
        StoreError::GroupCodeBound {
            station,
            student_no,
        } => Text::new(
            format!(
                "该采集码已在 {station} 绑定给 {student_no}，本站未保存。请核对学生本人的采集码。"
            ),
            format!(
                "This collection code is already bound at {station} to {student_no}; nothing was stored. Check the student's own code."
            ),
        ),
        StoreError::Locked => Text::new(
            "数据库正被其他程序使用（是否已打开另一个采集站？），请关闭后重试。",
            "The database is in use by another program (another capture-station?); close it and retry.",
        ),
        StoreError::UnknownStudent { student_no } => Text::new(
            format!("名单中没有学号 {student_no}，请先导入名单或添加学生。"),
            format!("No student {student_no}; import the roster or add the student first."),
        ),
        StoreError::CodeBoundToOther {
            other_no,
            other_name,
            this_no,
            this_name,
        } => Text::new(
            format!(
                "该采集码已属于 {other_no} {other_name}，不能用于 {this_no} {this_name}。请让学生出示本人的采集码。"
            ),
            format!(
                "This collection code belongs to {other_no} {other_name}; it cannot be used for {this_no} {this_name}. \
                 Ask for the student's own code."
            ),
        ),
        StoreError::AlreadyPhotographed {
            student_no,
            photo_id,
            ..
        } => Text::new(
            format!("{student_no} 已有通过的照片 #{photo_id}；如需替换请选择“重拍替换”。"),
            format!(
                "{student_no} already has accepted photo #{photo_id}; choose “replace” to supersede it."
            ),
        ),
        StoreError::IllegalTransition { photo_id, from, to } => Text::new(
            format!("照片 #{photo_id} 当前为 {from}，不能变为 {to}（可能已被其他人处理）。"),
            format!(
                "Photo #{photo_id} is {from} and cannot become {to} (someone may have handled it already)."
            ),
        ),
        other => Text::new(format!("操作失败：{other}"), format!("Failed: {other}")),
    }
}
