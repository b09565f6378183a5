-- The parts of stored JSON that recur, kept once by their digest (see 0020_parts_kept_once.sql).
CREATE TABLE json_parts (
    key TEXT PRIMARY KEY,
    content TEXT NOT NULL
);
