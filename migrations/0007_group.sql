-- A station group (several cameras, one roster): events merged from the other stations' journal segments,
-- what each station has published and when it was last heard from, and this station's own claims waiting to
-- be published. Merging is idempotent: one row per (station, segment, event index).

CREATE TABLE group_events (
    station     TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    idx         INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    student_no  TEXT,
    digest      TEXT,
    photo_id    INTEGER,
    state       TEXT,
    at          TEXT    NOT NULL,
    PRIMARY KEY (station, seq, idx)
);
CREATE INDEX group_events_student ON group_events(student_no, kind);
CREATE INDEX group_events_digest ON group_events(digest);
CREATE INDEX group_events_photo ON group_events(kind, station, photo_id, at);

CREATE TABLE group_stations (
    station     TEXT    PRIMARY KEY,
    public_key  TEXT    NOT NULL,
    last_seq    INTEGER NOT NULL DEFAULT 0,
    last_seen   TEXT,
    refused     TEXT
);

CREATE TABLE group_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event       TEXT    NOT NULL
);
