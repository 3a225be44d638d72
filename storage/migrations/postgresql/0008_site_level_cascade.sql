-- Audits and deployments cascade from their site, no longer from their
-- version. Versions are deleted only with their site (the site's cascade),
-- so the rows that go are the same; but the version-level keys fired one
-- trigger per deleted version into each table, which was most of what a
-- retention cleanup batch cost beyond the rows themselves (see
-- docs/operations.md, "Retention cleanup"). The version an audit or a
-- deployment names is checked when it is written, in the transaction that
-- writes it (site_repository, archive_repository).
ALTER TABLE audits
    DROP CONSTRAINT audits_site_id_version_fkey,
    ADD CONSTRAINT audits_site_id_fkey
        FOREIGN KEY (site_id) REFERENCES sites (site_id) ON DELETE CASCADE;
ALTER TABLE deployments
    DROP CONSTRAINT deployments_site_id_version_fkey,
    ADD CONSTRAINT deployments_site_id_fkey
        FOREIGN KEY (site_id) REFERENCES sites (site_id) ON DELETE CASCADE;
