-- Station settings that belong with the data, e.g. the supervisor PIN's Argon2id hash (never the PIN itself).

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
