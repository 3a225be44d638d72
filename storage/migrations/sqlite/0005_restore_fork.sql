-- memoryd schema 5, SQLite. Keep in step with postgresql/0005_restore_fork.sql.
--
-- Where a version or a site came from. A restored version records the
-- number it copied; a forked site records the site and version it was
-- forked from. No foreign keys: the source may be deleted later, and the
-- record of where this came from stays true.
ALTER TABLE site_versions ADD COLUMN restored_from INTEGER NULL
    CHECK (restored_from >= 1 AND restored_from < version);
ALTER TABLE sites ADD COLUMN forked_from_site_id TEXT NULL;
ALTER TABLE sites ADD COLUMN forked_from_version INTEGER NULL
    CHECK (forked_from_version >= 1);
