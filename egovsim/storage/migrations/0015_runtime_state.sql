-- The NCALayer signer's current key set, chosen by the trainer: kept so a restart, and another
-- instance on the same database, signs with the same persona. No row: the default persona.
CREATE TABLE ncalayer_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    persona TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Runs that must be alone across requests, and across the instances on one database (the
-- console's try-it runs, tour steps and resets): a lease per name, taken by one holder until it
-- is given back or ends. The end is in seconds since 1970 on the machine's clock (not the
-- simulator's, which the trainer moves), so a holder that died frees the name by itself.
CREATE TABLE run_locks (
    name TEXT PRIMARY KEY,
    doing TEXT NOT NULL,
    holder TEXT NOT NULL,
    ends_at REAL NOT NULL
);
