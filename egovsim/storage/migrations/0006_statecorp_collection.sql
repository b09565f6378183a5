-- A package of the kind "collection": the paper result of a portal application that the provider
-- sent to the centre for its applicant to collect (no acceptance, no forwarding), with the
-- portal's request it answers, so the centre can tell the portal when it was handed out.

ALTER TABLE statecorp_packages ADD COLUMN kind TEXT NOT NULL DEFAULT 'counter'
    CHECK (kind IN ('counter', 'collection'));
ALTER TABLE statecorp_packages ADD COLUMN portal_request_id TEXT;

CREATE INDEX statecorp_packages_applicant ON statecorp_packages (centre_id, applicant_iin);
