-- The message log filtered by the HTTP request that brought the messages in (`?request_id=` on
-- the log's API and page): from a JSON log line to its messages without reading the whole log.
-- Only the messages a request brought are indexed (the delivery worker's own have none).
CREATE INDEX gateway_messages_by_request_id ON gateway_messages (http_request_id)
    WHERE http_request_id IS NOT NULL;
