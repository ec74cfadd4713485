-- capture-station schema, version 1.
-- Plaintext photos, collection codes and ID numbers never appear here: blobs are AES-256-GCM sealed with the
-- station's data key; codes are found through a keyed digest.

CREATE TABLE key_material (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    kdf           TEXT    NOT NULL CHECK (kdf = 'argon2id-v19'),
    salt          BLOB    NOT NULL,
    memory_kib    INTEGER NOT NULL,
    iterations    INTEGER NOT NULL,
    parallelism   INTEGER NOT NULL,
    nonce         BLOB    NOT NULL,
    wrapped_key   BLOB    NOT NULL,
    kcv           BLOB    NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE stations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    is_local    INTEGER NOT NULL DEFAULT 0 CHECK (is_local IN (0, 1)),
    created_at  TEXT NOT NULL
);

CREATE TABLE classes (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    school      TEXT,
    major       TEXT,
    sort_order  INTEGER NOT NULL
);

CREATE TABLE students (
    id           INTEGER PRIMARY KEY,
    student_no   TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    class_id     INTEGER NOT NULL REFERENCES classes(id),
    status       TEXT NOT NULL DEFAULT 'normal' CHECK (status IN ('normal', 'held_back', 'repeating')),
    school       TEXT,
    major        TEXT,
    id_no_enc    BLOB,
    id_no_tail   TEXT,
    code_digest  BLOB UNIQUE,
    source       TEXT NOT NULL CHECK (source IN ('walk_in', 'roster')),
    file_order   INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX students_class ON students(class_id);

CREATE TABLE photos (
    id             INTEGER PRIMARY KEY,
    student_id     INTEGER NOT NULL REFERENCES students(id),
    station_id     TEXT    NOT NULL REFERENCES stations(id),
    state          TEXT    NOT NULL CHECK (state IN ('captured', 'accepted', 'rejected', 'override_accepted',
                                                     'reshoot_requested', 'uploaded', 'purged')),
    code_digest    BLOB    NOT NULL,
    code_enc       BLOB    NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    jpeg_bytes     INTEGER NOT NULL,
    jpeg_quality   INTEGER NOT NULL,
    verdict_pass   INTEGER CHECK (verdict_pass IN (0, 1)),
    captured_at    TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    superseded_by  INTEGER REFERENCES photos(id)
);
CREATE INDEX photos_state ON photos(state, id);
CREATE INDEX photos_student ON photos(student_id, id);
CREATE INDEX photos_code ON photos(code_digest);

-- Kept apart from `photos` so that listing and counting never read ciphertext pages.
CREATE TABLE photo_blobs (
    photo_id  INTEGER PRIMARY KEY REFERENCES photos(id),
    blob      BLOB NOT NULL
);

CREATE TABLE check_results (
    photo_id   INTEGER NOT NULL REFERENCES photos(id),
    check_id   TEXT    NOT NULL,
    outcome    TEXT    NOT NULL CHECK (outcome IN ('pass', 'warn', 'fail')),
    value      REAL,
    threshold  TEXT    NOT NULL,
    reason_zh  TEXT    NOT NULL,
    reason_en  TEXT    NOT NULL,
    PRIMARY KEY (photo_id, check_id)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL,
    station_id  TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    photo_id    INTEGER REFERENCES photos(id),
    student_id  INTEGER REFERENCES students(id),
    from_state  TEXT,
    to_state    TEXT,
    reason      TEXT
);
CREATE INDEX audit_photo ON audit_log(photo_id);

CREATE TABLE upload_state (
    photo_id         INTEGER PRIMARY KEY REFERENCES photos(id),
    target           TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'confirmed', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    next_attempt_at  TEXT,
    confirmed_at     TEXT,
    remote_key       TEXT,
    remote_checksum  TEXT
);
