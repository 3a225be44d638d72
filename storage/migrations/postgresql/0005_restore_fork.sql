-- memoryd schema 5, PostgreSQL. Keep in step with sqlite/0005_restore_fork.sql.
--
-- Where a version or a site came from. A restored version records the
-- number it copied; a forked site records the site and version it was
-- forked from. No foreign keys: the source may be deleted later, and the
-- record of where this came from stays true.
ALTER TABLE site_versions ADD COLUMN restored_from bigint NULL
    CHECK (restored_from >= 1 AND restored_from < version);
ALTER TABLE sites ADD COLUMN forked_from_site_id uuid NULL;
ALTER TABLE sites ADD COLUMN forked_from_version bigint NULL
    CHECK (forked_from_version >= 1);
