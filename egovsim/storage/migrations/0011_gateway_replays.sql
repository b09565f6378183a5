-- The signatures the gateway accepted, kept until their Timestamp's window ends, so that one
-- sent again is refused (WSS_REPLAYED) after a restart too. A row is written in the transaction
-- that accepts its message; rows whose window has ended are pruned as new ones come.
CREATE TABLE gateway_replays (
    -- SHA-256 of the SignatureValue (its base64 text, whitespace aside).
    signature_hash BLOB PRIMARY KEY,
    -- The end of the window, in seconds since 1970 on the machine's clock (not the simulator's:
    -- a trainer moving the clock must not make a replay fresh again).
    fresh_until REAL NOT NULL
);

CREATE INDEX gateway_replays_by_end ON gateway_replays (fresh_until);
