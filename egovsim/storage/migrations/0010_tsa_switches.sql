-- The time-stamping authority's switches: `tsa-down`, `tsa-slow` (with seconds, as `ocsp-slow`),
-- `tsa-wrong-imprint` and `tsa-untrusted`. SQLite cannot widen a CHECK, so the table is made
-- anew and the switches that are on move over.

CREATE TABLE fault_switches_new (
    name TEXT PRIMARY KEY
        CHECK (name IN ('ocsp-down', 'ocsp-slow', 'ocsp-unknown', 'crl-stale', 'gateway-down',
                        'signer-key-missing', 'effective-period',
                        'tsa-down', 'tsa-slow', 'tsa-wrong-imprint', 'tsa-untrusted')),
    -- How long the responder or the TSA waits before answering (ocsp-slow, tsa-slow), or NULL.
    seconds REAL,
    switched_at TEXT NOT NULL
);

INSERT INTO fault_switches_new (name, seconds, switched_at)
    SELECT name, seconds, switched_at FROM fault_switches;

DROP TABLE fault_switches;
ALTER TABLE fault_switches_new RENAME TO fault_switches;
