-- What instances on one database keep in memory and must reload when another changes it (the
-- clock, the fault switches, the NCALayer key set, the test PKI, the gateway's senders and
-- routes): one counter per topic, raised in the transaction of the change. Each instance reads
-- this small table at most once per refresh interval and reloads only the topics that moved.
CREATE TABLE shared_versions (
    topic TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);

-- The test PKI's files (CA keys and certificates, issued certificates, CRLs, the state with its
-- serials, revocations and CRL numbers, the personas' key stores), by their path in the certs
-- directory: the shared truth, which each instance's certs directory copies. `version` is the
-- `pki` counter of `shared_versions` when the file last changed, so an instance fetches only
-- the files changed since the copy it holds; a NULL content is a file removed at that version
-- (the PKI made anew), so that the copies remove it too.
CREATE TABLE pki_files (
    path TEXT PRIMARY KEY,
    content BLOB,
    version INTEGER NOT NULL
);
CREATE INDEX pki_files_by_version ON pki_files (version);

-- The copies of documents applicants attach at P3, by the SHA-256 of their content (the same
-- content attached twice is kept once), so that every instance reads what any instance stored.
CREATE TABLE attachment_contents (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    content BLOB NOT NULL
);
