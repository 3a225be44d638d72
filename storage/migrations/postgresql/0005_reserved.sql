-- Placeholder for schema 5 (restore and fork, on another branch), PostgreSQL:
-- numbers have no gaps. Delete this file when that branch's 0005 is merged.
SELECT 1;
