-- Two more of the trainer's switches: `signer-key-missing` (the provider's authorized person has
-- no key at hand) and `effective-period` (the regulations' effective periods are enforced).
-- SQLite cannot widen a CHECK, so the table is made anew and the switches that are on move over.

CREATE TABLE fault_switches_new (
    name TEXT PRIMARY KEY
        CHECK (name IN ('ocsp-down', 'ocsp-slow', 'ocsp-unknown', 'crl-stale', 'gateway-down',
                        'signer-key-missing', 'effective-period')),
    -- How long the responder waits before answering (ocsp-slow), or NULL.
    seconds REAL,
    switched_at TEXT NOT NULL
);

INSERT INTO fault_switches_new (name, seconds, switched_at)
    SELECT name, seconds, switched_at FROM fault_switches;

DROP TABLE fault_switches;
ALTER TABLE fault_switches_new RENAME TO fault_switches;
