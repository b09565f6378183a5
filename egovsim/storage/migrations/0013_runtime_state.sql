-- The NCALayer signer's current key set, chosen by the trainer: kept so a restart, and another
-- instance on the same database, signs with the same persona. No row: the default persona.
CREATE TABLE ncalayer_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    persona TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
