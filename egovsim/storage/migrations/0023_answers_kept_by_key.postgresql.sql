-- SQLite's portal_answers becomes WITHOUT ROWID here (its messageId kept once, not in a table
-- and an index). PostgreSQL keeps a table's rows apart from its primary key's index in any
-- case: nothing to change, the version is recorded so both dialects count alike.
SELECT 1;
