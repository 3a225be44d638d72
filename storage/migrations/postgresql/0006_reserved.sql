-- memoryd schema 6, PostgreSQL: reserved for the compact code storage,
-- which is written in parallel. This placeholder changes nothing; it is
-- replaced when that migration lands (a database migrated with it only
-- ever held test data).
SELECT 1;
