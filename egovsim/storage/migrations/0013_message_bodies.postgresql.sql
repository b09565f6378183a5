-- PostgreSQL's form of 0013_message_bodies.sql (the same change; text becomes bytes with
-- convert_to, not CAST AS BLOB, and the empty bytes are ''::bytea). Column types are mapped as
-- for every migration.

-- The gateway's message bodies stored once: each envelope, delivery request and response, and
-- WS-Security report is kept by its SHA-256 in `message_bodies`, deflated, and the messages and
-- attempts refer to it; a message's data (a part of its envelope) is kept deflated with its
-- envelope as the dictionary, in the message's own row. What the log shows is the bytes as sent.

CREATE TABLE message_bodies (
    id INTEGER PRIMARY KEY,
    -- SHA-256 of the body as sent: the same bytes are stored once.
    digest BLOB NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    encoding TEXT NOT NULL CHECK (encoding IN ('identity', 'deflate')),
    content BLOB NOT NULL
);

ALTER TABLE gateway_messages ADD COLUMN envelope_body INTEGER REFERENCES message_bodies (id);
ALTER TABLE gateway_messages ADD COLUMN security_body INTEGER REFERENCES message_bodies (id);
-- How `data_xml` is kept: as is, or deflated with the envelope as the preset dictionary.
ALTER TABLE gateway_messages ADD COLUMN data_encoding TEXT NOT NULL DEFAULT 'identity'
    CHECK (data_encoding IN ('identity', 'deflate-envelope'));
ALTER TABLE gateway_attempts ADD COLUMN request_body INTEGER REFERENCES message_bodies (id);
ALTER TABLE gateway_attempts ADD COLUMN response_body INTEGER REFERENCES message_bodies (id);

-- The backfill: every body there is moves to `message_bodies` as it is (the next writes
-- deflate theirs; these stay as they are), and its row keeps a reference.
INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(envelope), length(envelope), 'identity', envelope FROM gateway_messages
WHERE length(envelope) > 0
ON CONFLICT (digest) DO NOTHING;

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(convert_to(security_json, 'UTF8')), length(convert_to(security_json, 'UTF8')), 'identity',
    convert_to(security_json, 'UTF8')
FROM gateway_messages WHERE length(security_json) > 0
ON CONFLICT (digest) DO NOTHING;

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(request), length(request), 'identity', request FROM gateway_attempts
WHERE request IS NOT NULL
ON CONFLICT (digest) DO NOTHING;

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(response), length(response), 'identity', response FROM gateway_attempts
WHERE response IS NOT NULL
ON CONFLICT (digest) DO NOTHING;

UPDATE gateway_messages SET
    envelope_body = (SELECT b.id FROM message_bodies b WHERE b.digest = sha256(envelope)),
    envelope = ''::bytea
WHERE length(envelope) > 0;

UPDATE gateway_messages SET
    security_body = (
        SELECT b.id FROM message_bodies b WHERE b.digest = sha256(convert_to(security_json, 'UTF8'))
    ),
    security_json = ''
WHERE length(security_json) > 0;

UPDATE gateway_attempts SET
    request_body = (SELECT b.id FROM message_bodies b WHERE b.digest = sha256(request)),
    request = NULL
WHERE request IS NOT NULL;

UPDATE gateway_attempts SET
    response_body = (SELECT b.id FROM message_bodies b WHERE b.digest = sha256(response)),
    response = NULL
WHERE response IS NOT NULL;

-- The cabinet of one status, newest first, and the count of an account's drafts.
CREATE INDEX portal_applications_by_account_status ON portal_applications (account_id, status, id);
