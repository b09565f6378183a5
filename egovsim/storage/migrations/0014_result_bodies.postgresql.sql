-- PostgreSQL's form of 0014_result_bodies.sql (the same change; the empty bytes are
-- ''::bytea). Column types are mapped as for every migration.

-- The signed result's CMS kept once in `message_bodies`: the provider's result and the portal's
-- copy of it are the same bytes. The backfill moves those there are, as they are.

ALTER TABLE results ADD COLUMN signature_body INTEGER REFERENCES message_bodies (id);
ALTER TABLE portal_results ADD COLUMN cms_body INTEGER REFERENCES message_bodies (id);

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(signature), length(signature), 'identity', signature FROM results
WHERE signature IS NOT NULL
ON CONFLICT (digest) DO NOTHING;

INSERT INTO message_bodies (digest, size, encoding, content)
SELECT sha256(cms), length(cms), 'identity', cms FROM portal_results
WHERE length(cms) > 0
ON CONFLICT (digest) DO NOTHING;

UPDATE results SET
    signature_body = (SELECT b.id FROM message_bodies b WHERE b.digest = sha256(signature)),
    signature = NULL
WHERE signature IS NOT NULL;

UPDATE portal_results SET
    cms_body = (SELECT b.id FROM message_bodies b WHERE b.digest = sha256(cms)),
    cms = ''::bytea
WHERE length(cms) > 0;
