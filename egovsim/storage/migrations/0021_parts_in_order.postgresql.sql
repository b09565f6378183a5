-- The message log is read by service through gateway_messages_by_service_newest (service_id,
-- id); the older index by (service_id, accepted_at) served no query.
DROP INDEX IF EXISTS gateway_messages_by_service;
