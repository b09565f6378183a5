-- The parts of stored JSON that recur, kept once by their digest (see 0020_parts_kept_once.sql).
CREATE TABLE json_parts (
    key TEXT PRIMARY KEY,
    content TEXT NOT NULL
);

-- The message log is read by service through gateway_messages_by_service_newest (service_id,
-- id); the older index by (service_id, accepted_at) served no query.
DROP INDEX gateway_messages_by_service;
