-- Workers that share the work: a row a worker is busy with is leased to it (`claimed_by`, the
-- worker's instance id) until `claimed_until` (seconds since 1970 on the machine's clock, as the
-- run locks'), renewed while it works. Another instance's worker skips a row whose lease runs,
-- and takes it over once the lease has ended: a worker that died frees its rows by itself.
ALTER TABLE gateway_messages ADD COLUMN claimed_by TEXT;
ALTER TABLE gateway_messages ADD COLUMN claimed_until REAL;
ALTER TABLE statecorp_packages ADD COLUMN claimed_by TEXT;
ALTER TABLE statecorp_packages ADD COLUMN claimed_until REAL;
