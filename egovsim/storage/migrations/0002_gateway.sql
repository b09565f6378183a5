-- The e-government gateway (SHEP): registered senders, the routing table, every message that
-- crossed it with its state, and every delivery attempt.

CREATE TABLE gateway_senders (
    sender_id TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    signature_policy TEXT NOT NULL CHECK (signature_policy IN ('required', 'optional')),
    name TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE gateway_routes (
    service_id TEXT PRIMARY KEY,
    receiver TEXT NOT NULL CHECK (receiver IN ('workstation', 'external')),
    url TEXT,
    provider_id TEXT,
    sender_id TEXT REFERENCES gateway_senders (sender_id),
    -- A fault switched on for this receiver: {"kind": ..., "seconds": ...}, or NULL.
    fault_json TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE gateway_messages (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    correlation_id TEXT,
    service_id TEXT NOT NULL,
    message_type TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('sync', 'async')),
    sender_id TEXT NOT NULL,
    -- Who takes it: the route's receiver, or the portal for an answer to the portal's request.
    receiver TEXT NOT NULL DEFAULT 'route',
    content_hash TEXT NOT NULL,
    envelope BLOB NOT NULL,
    data_xml BLOB NOT NULL,
    security_json TEXT NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('ON_DELIVERY', 'DELIVERED', 'NOT_DELIVERED', 'DELIVERY_STOPPED')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    accepted_at TEXT NOT NULL,
    delivered_at TEXT,
    answer_json TEXT NOT NULL
);

CREATE INDEX gateway_messages_pending ON gateway_messages (state, next_attempt_at);
CREATE INDEX gateway_messages_by_correlation ON gateway_messages (correlation_id);
CREATE INDEX gateway_messages_by_service ON gateway_messages (service_id, accepted_at);

CREATE TABLE gateway_attempts (
    id INTEGER PRIMARY KEY,
    message INTEGER NOT NULL REFERENCES gateway_messages (id),
    at TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    request BLOB,
    response BLOB
);

CREATE INDEX gateway_attempts_by_message ON gateway_attempts (message, id);

-- An application delivered by the gateway remembers its message, so a redelivery after a crash
-- finds it instead of registering it twice.
ALTER TABLE applications ADD COLUMN gateway_message_id TEXT;

CREATE UNIQUE INDEX applications_by_gateway_message ON applications (gateway_message_id);
