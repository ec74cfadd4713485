-- Students marked absent (缺席) at the station: they leave the shooting queue and are listed for recall.
-- A row exists while the student is absent; recalling or photographing the student deletes it.

CREATE TABLE absences (
    student_id  INTEGER PRIMARY KEY REFERENCES students(id),
    marked_at   TEXT NOT NULL,
    actor       TEXT NOT NULL
);
