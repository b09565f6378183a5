-- PostgreSQL's form of 0012_lists_at_scale.sql (the same change; JSON is read with ->>, not
-- SQLite's json_extract). Column types are mapped as for every migration.

-- Lists that cost what they show, and a start that does not read the whole history: each
-- application carries its open step (who acts on it, by when, and the executor it was assigned
-- to), so the inbox is one indexed range in deadline order; and whether the gateway still owes
-- the portal or the centre an answer about it, so the catch-up reads only those.

ALTER TABLE applications ADD COLUMN current_step_id TEXT;
ALTER TABLE applications ADD COLUMN "current_role" TEXT;
ALTER TABLE applications ADD COLUMN current_action TEXT;
ALTER TABLE applications ADD COLUMN current_deadline TEXT;
ALTER TABLE applications ADD COLUMN assigned_to TEXT;
-- Counts the transitions since its answers were last handed to the gateway (0: none owed);
-- the start's catch-up and the gateway switched back on answer only those above 0.
ALTER TABLE applications ADD COLUMN answers_pending INTEGER NOT NULL DEFAULT 0;

UPDATE applications SET
    current_step_id = (SELECT step_id FROM application_steps s
        WHERE s.application_id = applications.id AND s.seq = applications.current_seq),
    "current_role" = (SELECT role FROM application_steps s
        WHERE s.application_id = applications.id AND s.seq = applications.current_seq),
    current_action = (SELECT action FROM application_steps s
        WHERE s.application_id = applications.id AND s.seq = applications.current_seq),
    current_deadline = (SELECT deadline FROM application_steps s
        WHERE s.application_id = applications.id AND s.seq = applications.current_seq),
    assigned_to = (SELECT t.details_json::jsonb ->> 'executor' FROM transitions t
        WHERE t.application_id = applications.id AND t.action = 'assign'
        ORDER BY t.id DESC LIMIT 1)
WHERE status = 'in_progress';

-- What a database kept before this change is caught up once at the next start.
UPDATE applications SET answers_pending = 1
    WHERE channel IN ('portal', 'state_corporation', 'provider_office');

-- The inbox of a role, nearest deadline first; a signer's (every "sign" step) by action.
CREATE INDEX applications_inbox_by_role
    ON applications (provider_id, "current_role", current_deadline, id)
    WHERE status = 'in_progress';
CREATE INDEX applications_inbox_by_action
    ON applications (provider_id, current_action, current_deadline, id)
    WHERE status = 'in_progress';
-- Every application of a provider, newest first, and of one status.
CREATE INDEX applications_by_provider_newest ON applications (provider_id, id);
CREATE INDEX applications_by_provider_status ON applications (provider_id, status, id);
DROP INDEX applications_by_provider;
-- The catch-up's work: the applications whose answers the gateway does not hold yet.
CREATE INDEX applications_answers_pending ON applications (id) WHERE answers_pending > 0;

-- A centre's packages newest first (of one status), the results due back to storage, and a
-- package found by the provider's application number.
CREATE INDEX statecorp_packages_by_centre ON statecorp_packages (centre_id, id);
CREATE INDEX statecorp_packages_by_centre_status ON statecorp_packages (centre_id, status, id);
CREATE INDEX statecorp_packages_due_back ON statecorp_packages (kept_until)
    WHERE status = 'at_centre';
CREATE INDEX statecorp_packages_by_provider_number ON statecorp_packages (provider_number);

-- The gateway's message log, newest first, of one service or one sender.
CREATE INDEX gateway_messages_by_service_newest ON gateway_messages (service_id, id);
CREATE INDEX gateway_messages_by_sender_newest ON gateway_messages (sender_id, id);
