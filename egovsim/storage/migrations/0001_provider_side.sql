-- The provider's side: the simulator's clock, providers and their staff, applications with their
-- route, the append-only log of transitions, the C3 document checks, and the signed results.

CREATE TABLE clock_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    frozen_at TEXT,
    offset_seconds REAL NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    bin TEXT NOT NULL UNIQUE,
    name_kk TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    region TEXT NOT NULL
);

CREATE TABLE provider_services (
    provider_id TEXT NOT NULL REFERENCES providers (id),
    regulation_id TEXT NOT NULL,
    PRIMARY KEY (provider_id, regulation_id)
);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    iin TEXT NOT NULL,
    keystore TEXT,
    keystore_password TEXT
);

CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    regulation_id TEXT NOT NULL,
    variant TEXT,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    applicant_iin TEXT,
    applicant_bin TEXT,
    applicant_name TEXT NOT NULL,
    form_json TEXT NOT NULL,
    documents_json TEXT NOT NULL,
    received_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'completed', 'refused')),
    current_seq INTEGER
);

CREATE INDEX applications_by_provider ON applications (provider_id, status);

CREATE TABLE application_steps (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    seq INTEGER NOT NULL,
    step_id TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    started_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    finished_at TEXT,
    finished_by INTEGER REFERENCES staff (id),
    outcome TEXT,
    PRIMARY KEY (application_id, seq)
);

CREATE TABLE transitions (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT,
    action TEXT NOT NULL,
    step_id TEXT,
    channel TEXT NOT NULL,
    details_json TEXT NOT NULL
);

CREATE INDEX transitions_by_application ON transitions (application_id, id);

-- Every transition is history: never rewritten, never removed.
CREATE TRIGGER transitions_never_updated BEFORE UPDATE ON transitions
BEGIN
    SELECT RAISE(ABORT, 'transitions are never rewritten');
END;

CREATE TRIGGER transitions_never_deleted BEFORE DELETE ON transitions
BEGIN
    SELECT RAISE(ABORT, 'transitions are never removed');
END;

CREATE TABLE document_checks (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    document_id TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('compliant', 'missing', 'non_compliant')),
    note TEXT NOT NULL DEFAULT '',
    checked_at TEXT NOT NULL,
    checked_by INTEGER NOT NULL REFERENCES staff (id),
    PRIMARY KEY (application_id, document_id)
);

CREATE TABLE results (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    kind TEXT NOT NULL,
    refusal INTEGER NOT NULL,
    grounds TEXT NOT NULL DEFAULT '',
    document_json TEXT NOT NULL,
    prepared_at TEXT NOT NULL,
    prepared_by INTEGER NOT NULL REFERENCES staff (id),
    signature BLOB,
    signed_at TEXT,
    signed_by INTEGER REFERENCES staff (id),
    verification_json TEXT
);
