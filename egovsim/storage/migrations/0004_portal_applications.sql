-- The portal's requests and the personal cabinet: each application an account made (P3), its
-- attachments (stored by their SHA-256 in the data directory, never under the user's name), the
-- append-only timeline of the portal sequence, the provider's answers that landed (each once),
-- the cabinet's notifications, and the signed result (P9).

CREATE TABLE portal_applications (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    -- The portal account (an individual's or a legal entity's), and who acted for it.
    account_id INTEGER NOT NULL,
    applicant_kind TEXT NOT NULL CHECK (applicant_kind IN ('individual', 'legal_entity')),
    applicant_iin TEXT,
    applicant_bin TEXT,
    applicant_name TEXT NOT NULL,
    person_iin TEXT NOT NULL,
    person_name TEXT NOT NULL,
    regulation_id TEXT NOT NULL,
    variant TEXT,
    category TEXT NOT NULL,
    form_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'signed', 'sent', 'delivered',
        'not_delivered', 'in_progress', 'completed', 'refused')),
    created_at TEXT NOT NULL,
    -- When the e-document to sign was frozen; NULL again whenever the draft changes.
    frozen_at TEXT,
    -- P6: the signed e-document, the applicant's CMS and the verifier's report.
    edocument BLOB,
    signature BLOB,
    verification_json TEXT,
    signed_at TEXT,
    -- P7: the gateway REQUEST's messageId, chosen before sending so a resend is the same message.
    message_id TEXT UNIQUE,
    sent_at TEXT,
    -- What the provider said last.
    provider_number TEXT,
    provider_status TEXT,
    updated_at TEXT NOT NULL
);

CREATE INDEX portal_applications_by_account ON portal_applications (account_id, id);
CREATE INDEX portal_applications_by_status ON portal_applications (status);

CREATE TABLE portal_attachments (
    application_id INTEGER NOT NULL REFERENCES portal_applications (id),
    document_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    attached_at TEXT NOT NULL,
    PRIMARY KEY (application_id, document_id)
);

CREATE TABLE portal_timeline (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES portal_applications (id),
    at TEXT NOT NULL,
    step TEXT NOT NULL,
    event TEXT NOT NULL,
    code TEXT,
    details_json TEXT NOT NULL
);

CREATE INDEX portal_timeline_by_application ON portal_timeline (application_id, id);

-- The timeline is history, like the provider's transitions: never rewritten, never removed.
CREATE TRIGGER portal_timeline_never_updated BEFORE UPDATE ON portal_timeline
BEGIN
    SELECT RAISE(ABORT, 'the timeline is never rewritten');
END;

CREATE TRIGGER portal_timeline_never_deleted BEFORE DELETE ON portal_timeline
BEGIN
    SELECT RAISE(ABORT, 'the timeline is never removed');
END;

-- Every answer of the provider that landed, by its gateway messageId: a redelivery lands once.
CREATE TABLE portal_answers (
    message_id TEXT PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES portal_applications (id),
    message_type TEXT NOT NULL,
    landed_at TEXT NOT NULL
);

CREATE TABLE portal_notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    application_id INTEGER REFERENCES portal_applications (id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    text_json TEXT NOT NULL,
    details_json TEXT NOT NULL
);

CREATE INDEX portal_notifications_by_account ON portal_notifications (account_id, id);

CREATE TABLE portal_results (
    application_id INTEGER PRIMARY KEY REFERENCES portal_applications (id),
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    refusal INTEGER NOT NULL,
    grounds TEXT,
    provider_number TEXT,
    cms BLOB NOT NULL,
    document BLOB NOT NULL,
    verification_json TEXT NOT NULL,
    received_at TEXT NOT NULL
);
