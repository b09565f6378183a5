-- portal_answers is found by its messageId alone: kept WITHOUT ROWID, each row lives once in
-- its key's B-tree, not in a table plus an index repeating every messageId (about 0.4 KB an
-- application). Rows from before are carried over as they are.
CREATE TABLE portal_answers_by_key (
    message_id TEXT PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES portal_applications (id),
    message_type TEXT NOT NULL,
    landed_at TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO portal_answers_by_key (message_id, application_id, message_type, landed_at)
    SELECT message_id, application_id, message_type, landed_at FROM portal_answers;
DROP TABLE portal_answers;
ALTER TABLE portal_answers_by_key RENAME TO portal_answers;
