-- The test PKI's fault switches (OCSP responder down, slow or answering "unknown"; CRLs stale),
-- kept so a switch survives a restart and is seen by the command line.

CREATE TABLE pki_faults (
    name TEXT PRIMARY KEY
        CHECK (name IN ('ocsp-down', 'ocsp-slow', 'ocsp-unknown', 'crl-stale')),
    -- How long the responder waits before answering (ocsp-slow), or NULL.
    seconds REAL,
    switched_at TEXT NOT NULL
);

-- The CRLs as published when crl-stale was switched on: served instead of new ones while it is.
CREATE TABLE pki_frozen_crls (
    name TEXT PRIMARY KEY,
    der BLOB NOT NULL
);
