-- Keyed MACs (HMAC-SHA256 under a subkey of the data key) that let `queue verify` name any edit of the
-- database file: a photo's state and identity, a student's number, name and ID number, and the audit log,
-- whose rows form a chain (each MAC covers the previous row's). The chain's head is kept in `settings`.

ALTER TABLE photos ADD COLUMN mac BLOB;
ALTER TABLE students ADD COLUMN mac BLOB;
ALTER TABLE audit_log ADD COLUMN mac BLOB;
