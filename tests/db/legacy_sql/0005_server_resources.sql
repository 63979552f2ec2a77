-- Support resources a server's moderators add with /curate resource add; shown by /resources in that
-- server only, after the built-in ones. Who added each one is in audit_log, not here.
CREATE TABLE server_resources (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    url          TEXT NOT NULL,
    description  TEXT NOT NULL,
    topic        TEXT NOT NULL,
    region       TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX server_resources_name ON server_resources (guild_id, name COLLATE NOCASE);
