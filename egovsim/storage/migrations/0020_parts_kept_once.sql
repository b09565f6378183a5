-- The parts of stored JSON that recur (a text in three languages, a certificate holder's
-- details, a chain), kept once by their digest; a timeline entry, a notice or a package's result
-- refers to them as {"$p": key}. Rows written before keep their values in place and read as
-- they did (egovsim.storage.json_parts).
CREATE TABLE json_parts (
    key TEXT PRIMARY KEY,
    content TEXT NOT NULL
) WITHOUT ROWID;
