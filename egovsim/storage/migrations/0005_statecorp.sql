-- The State Corporation's front office: its operators and their sessions, the packages taken at
-- the counter (accepted or refused, forwarded, their paper result held, handed out or returned),
-- and each package's steps on the centre's side with their deadlines.

CREATE TABLE statecorp_operators (
    id INTEGER PRIMARY KEY,
    centre_id TEXT NOT NULL,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    iin TEXT NOT NULL
);

CREATE TABLE statecorp_sessions (
    token_hash TEXT PRIMARY KEY,
    operator_id INTEGER NOT NULL REFERENCES statecorp_operators (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE statecorp_packages (
    id INTEGER PRIMARY KEY,
    number TEXT UNIQUE,
    centre_id TEXT NOT NULL,
    operator_login TEXT NOT NULL,
    regulation_id TEXT NOT NULL,
    variant TEXT,
    category TEXT NOT NULL,
    applicant_iin TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    form_json TEXT NOT NULL,
    checklist_json TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL CHECK (status IN ('at_counter', 'accepted', 'refused', 'forwarded',
        'at_centre', 'handed_out', 'returned', 'requested_again')),
    opened_at TEXT NOT NULL,
    decided_at TEXT,
    ready_by TEXT,
    request_message_id TEXT UNIQUE,
    provider_number TEXT,
    result_json TEXT,
    arrived_at TEXT,
    kept_until TEXT,
    handout_json TEXT
);

CREATE TABLE statecorp_steps (
    id INTEGER PRIMARY KEY,
    package_id INTEGER NOT NULL REFERENCES statecorp_packages (id),
    step TEXT NOT NULL,
    started_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT,
    actor TEXT,
    details_json TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX statecorp_steps_package ON statecorp_steps (package_id, id);
