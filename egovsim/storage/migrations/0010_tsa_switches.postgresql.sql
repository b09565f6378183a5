-- PostgreSQL's form of 0010_tsa_switches.sql: PostgreSQL widens a CHECK in place, where
-- SQLite makes the table anew.

ALTER TABLE fault_switches DROP CONSTRAINT fault_switches_name_check;
ALTER TABLE fault_switches ADD CONSTRAINT fault_switches_name_check
    CHECK (name IN ('ocsp-down', 'ocsp-slow', 'ocsp-unknown', 'crl-stale', 'gateway-down',
                    'signer-key-missing', 'effective-period',
                    'tsa-down', 'tsa-slow', 'tsa-wrong-imprint', 'tsa-untrusted'));
