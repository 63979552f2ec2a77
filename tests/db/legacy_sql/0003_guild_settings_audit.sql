-- Per-server settings changed with /curate settings; a server without a row uses the defaults.
CREATE TABLE guild_settings (
    guild_id                 INTEGER PRIMARY KEY,
    review_channel_id        INTEGER,
    mod_role_id              INTEGER,
    timezone                 TEXT NOT NULL DEFAULT 'UTC',
    region                   TEXT NOT NULL DEFAULT 'global',
    allow_channel_reminders  INTEGER NOT NULL DEFAULT 0 CHECK (allow_channel_reminders IN (0, 1)),
    allow_invites            INTEGER NOT NULL DEFAULT 0 CHECK (allow_invites IN (0, 1)),
    updated_at               TEXT NOT NULL
) STRICT;

-- Every content or settings change in a server, written in the same transaction as the change.
-- actor_id becomes NULL when that member erases their data with /privacy delete.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    actor_id    INTEGER,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_by_guild ON audit_log (guild_id, id DESC);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id) WHERE actor_id IS NOT NULL;
