-- json_parts as a table with a rowid, like every other: `egovsim db export` and the history's
-- capture read a table's rows in the order they were written (by rowid), which a WITHOUT ROWID
-- table has not.
CREATE TABLE json_parts_in_order (
    key TEXT PRIMARY KEY,
    content TEXT NOT NULL
);
INSERT INTO json_parts_in_order (key, content) SELECT key, content FROM json_parts;
DROP TABLE json_parts;
ALTER TABLE json_parts_in_order RENAME TO json_parts;

-- The message log is read by service through gateway_messages_by_service_newest (service_id,
-- id); the older index by (service_id, accepted_at) served no query and cost 0.7 KB an
-- application.
DROP INDEX IF EXISTS gateway_messages_by_service;
