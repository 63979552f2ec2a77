-- Tips a server's moderators wrote (/curate tip) or approved from a member's suggestion (/suggest).
-- They are shown only in their own server. credit_user_id / credit_name are set only when the member
-- who suggested the tip asked to be credited by name; created_by is the moderator who added or approved
-- it. Both become NULL when that person erases their data.
CREATE TABLE server_tips (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    title           TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 80),
    body            TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 1500),
    source_url      TEXT CHECK (source_url IS NULL OR length(source_url) <= 512),
    credit_user_id  INTEGER,
    credit_name     TEXT,
    created_by      INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX server_tips_by_guild ON server_tips (guild_id, id);
CREATE INDEX server_tips_by_credit ON server_tips (credit_user_id) WHERE credit_user_id IS NOT NULL;
CREATE INDEX server_tips_by_creator ON server_tips (created_by) WHERE created_by IS NOT NULL;

-- Tips members suggested with /suggest, waiting for (or past) a moderator's decision. credit_name is
-- the member's display name, stored only when they opted in to credit. user_id becomes NULL (and
-- credit_name with it) when the member erases their data. The review message's ids let
-- the buttons edit it; the rolling 24-hour limit counts rows by (guild_id, user_id, created_at).
CREATE TABLE tip_suggestions (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    user_id            INTEGER,
    title              TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 80),
    body               TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 1500),
    source_url         TEXT CHECK (source_url IS NULL OR length(source_url) <= 512),
    credit_name        TEXT,
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'approved', 'rejected')),
    review_channel_id  INTEGER,
    review_message_id  INTEGER,
    reviewer_id        INTEGER,
    reason             TEXT,
    tip_id             INTEGER REFERENCES server_tips (id) ON DELETE SET NULL,
    created_at         TEXT NOT NULL,
    decided_at         TEXT,
    CHECK ((status = 'pending') = (decided_at IS NULL))
) STRICT;
CREATE INDEX tip_suggestions_by_author ON tip_suggestions (guild_id, user_id, created_at);
CREATE INDEX tip_suggestions_pending ON tip_suggestions (guild_id, id) WHERE status = 'pending';
CREATE INDEX tip_suggestions_by_user ON tip_suggestions (user_id) WHERE user_id IS NOT NULL;
