-- The portal's applicant accounts (an individual by IIN, a legal entity by BIN, with its
-- employees), the one-time login challenges, and the applicants' sessions (P1, C1).

CREATE TABLE portal_accounts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('individual', 'legal_entity')),
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE portal_employees (
    account_id INTEGER NOT NULL REFERENCES portal_accounts (id) ON DELETE CASCADE,
    iin TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT,
    PRIMARY KEY (account_id, iin)
);

CREATE TABLE portal_challenges (
    id TEXT PRIMARY KEY,
    nonce BLOB NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

CREATE TABLE portal_sessions (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES portal_accounts (id) ON DELETE CASCADE,
    person_iin TEXT NOT NULL,
    person_name TEXT NOT NULL,
    role TEXT,
    csrf_token TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX portal_sessions_by_expiry ON portal_sessions (expires_at);
CREATE INDEX portal_challenges_by_expiry ON portal_challenges (expires_at);
