-- The trainer's fault switches beyond the PKI's: `gateway-down` (the e-government gateway takes
-- no messages) is kept beside them, in one table of every switch. SQLite cannot widen a CHECK,
-- so the table is made anew under its new name and the switches that are on move over.

CREATE TABLE fault_switches (
    name TEXT PRIMARY KEY
        CHECK (name IN ('ocsp-down', 'ocsp-slow', 'ocsp-unknown', 'crl-stale', 'gateway-down')),
    -- How long the responder waits before answering (ocsp-slow), or NULL.
    seconds REAL,
    switched_at TEXT NOT NULL
);

INSERT INTO fault_switches (name, seconds, switched_at)
    SELECT name, seconds, switched_at FROM pki_faults;

DROP TABLE pki_faults;
