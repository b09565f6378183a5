-- The id of the HTTP request that brought each message into the gateway (the caller's
-- X-Request-Id, or the one the simulator made and returned), so an operator goes from a log line
-- to the messages it led to and back. NULL for messages no request brought (the delivery
-- worker's own, and those accepted before this column).
ALTER TABLE gateway_messages ADD COLUMN http_request_id TEXT;
