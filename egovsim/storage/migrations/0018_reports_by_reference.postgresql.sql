-- PostgreSQL's form of 0018_reports_by_reference.sql (the same change; text becomes bytes with
-- convert_to, not CAST AS BLOB, a timeline entry's report is read and removed with jsonb's
-- operators, not json_extract and json_remove, and the empty bytes are ''::bytea).

-- The verifier's reports, the applicant's CMS and e-document, and the landed result's document
-- kept once in `message_bodies` (by their SHA-256, deflated) and referred to: a report was kept
-- four times an application, in the application, the timeline, the provider's result and the
-- portal's copy of it. The backfill moves the values there are, as they are (a timeline entry's
-- report is its `report` member, kept as JSON), and empties the columns they were in.

ALTER TABLE portal_applications ADD COLUMN edocument_body INTEGER REFERENCES message_bodies (id);
ALTER TABLE portal_applications ADD COLUMN signature_body INTEGER REFERENCES message_bodies (id);
ALTER TABLE portal_applications ADD COLUMN verification_body INTEGER REFERENCES message_bodies (id);
ALTER TABLE results ADD COLUMN verification_body INTEGER REFERENCES message_bodies (id);
ALTER TABLE portal_results ADD COLUMN document_body INTEGER REFERENCES message_bodies (id);
ALTER TABLE portal_results ADD COLUMN verification_body INTEGER REFERENCES message_bodies (id);
-- A timeline entry's report (its details' `report` member) kept apart from its other details.
ALTER TABLE portal_timeline ADD COLUMN report_body INTEGER REFERENCES message_bodies (id);

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(edocument), length(edocument), 'identity', edocument FROM portal_applications
WHERE edocument IS NOT NULL
ON CONFLICT (digest) DO NOTHING;

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(signature), length(signature), 'identity', signature FROM portal_applications
WHERE signature IS NOT NULL
ON CONFLICT (digest) DO NOTHING;

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(convert_to(verification_json, 'UTF8')), length(convert_to(verification_json, 'UTF8')),
    'identity', convert_to(verification_json, 'UTF8')
FROM portal_applications WHERE verification_json IS NOT NULL AND verification_json <> ''
ON CONFLICT (digest) DO NOTHING;

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(convert_to(verification_json, 'UTF8')), length(convert_to(verification_json, 'UTF8')),
    'identity', convert_to(verification_json, 'UTF8')
FROM results WHERE verification_json IS NOT NULL AND verification_json <> ''
ON CONFLICT (digest) DO NOTHING;

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(document), length(document), 'identity', document FROM portal_results
WHERE length(document) > 0
ON CONFLICT (digest) DO NOTHING;

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(convert_to(verification_json, 'UTF8')), length(convert_to(verification_json, 'UTF8')),
    'identity', convert_to(verification_json, 'UTF8')
FROM portal_results WHERE length(verification_json) > 0
ON CONFLICT (digest) DO NOTHING;

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(convert_to((details_json::jsonb -> 'report')::text, 'UTF8')),
    length(convert_to((details_json::jsonb -> 'report')::text, 'UTF8')), 'identity',
    convert_to((details_json::jsonb -> 'report')::text, 'UTF8')
FROM portal_timeline WHERE jsonb_typeof(details_json::jsonb -> 'report') = 'object'
ON CONFLICT (digest) DO NOTHING;

UPDATE portal_applications SET
    edocument_body = (SELECT b.id FROM message_bodies b WHERE b.digest = sha256(edocument)),
    edocument = NULL
WHERE edocument IS NOT NULL;

UPDATE portal_applications SET
    signature_body = (SELECT b.id FROM message_bodies b WHERE b.digest = sha256(signature)),
    signature = NULL
WHERE signature IS NOT NULL;

UPDATE portal_applications SET
    verification_body = (
        SELECT b.id FROM message_bodies b
        WHERE b.digest = sha256(convert_to(verification_json, 'UTF8'))
    ),
    verification_json = NULL
WHERE verification_json IS NOT NULL AND verification_json <> '';

UPDATE results SET
    verification_body = (
        SELECT b.id FROM message_bodies b
        WHERE b.digest = sha256(convert_to(verification_json, 'UTF8'))
    ),
    verification_json = NULL
WHERE verification_json IS NOT NULL AND verification_json <> '';

UPDATE portal_results SET
    document_body = (SELECT b.id FROM message_bodies b WHERE b.digest = sha256(document)),
    document = ''::bytea
WHERE length(document) > 0;

UPDATE portal_results SET
    verification_body = (
        SELECT b.id FROM message_bodies b
        WHERE b.digest = sha256(convert_to(verification_json, 'UTF8'))
    ),
    verification_json = ''
WHERE length(verification_json) > 0;

-- The timeline is never rewritten, but for this once: its reports move out of its rows.
DROP TRIGGER portal_timeline_never_updated ON portal_timeline;
DROP FUNCTION portal_timeline_never_updated();

UPDATE portal_timeline SET
    report_body = (
        SELECT b.id FROM message_bodies b
        WHERE b.digest = sha256(convert_to((details_json::jsonb -> 'report')::text, 'UTF8'))
    ),
    details_json = (details_json::jsonb - 'report')::text
WHERE jsonb_typeof(details_json::jsonb -> 'report') = 'object';

CREATE TRIGGER portal_timeline_never_updated BEFORE UPDATE ON portal_timeline
BEGIN
    SELECT RAISE(ABORT, 'the timeline is never rewritten');
END;
