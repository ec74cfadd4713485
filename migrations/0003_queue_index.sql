-- A covering index for the queue counts: `queue stats` and the progress views read only this index,
-- never the photo rows (20,000 photos: a few milliseconds instead of tens).

CREATE INDEX photos_current ON photos(superseded_by, state, student_id, jpeg_bytes);
