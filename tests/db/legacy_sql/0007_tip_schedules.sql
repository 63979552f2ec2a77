-- Scheduled tip posts: at most one schedule per server (/curate schedule set). The post time is local
-- to `timezone`; next_post_at is the next post in UTC, NULL while the schedule is paused (a post failed:
-- paused_reason says why). The database is the truth; the scheduler is armed from it at start.
CREATE TABLE tip_schedules (
    guild_id        INTEGER PRIMARY KEY,
    channel_id      INTEGER NOT NULL,
    cadence         TEXT NOT NULL CHECK (cadence IN ('daily', 'weekdays', 'weekly')),
    post_time       TEXT NOT NULL,
    weekday         INTEGER CHECK (weekday BETWEEN 0 AND 6),
    timezone        TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('library', 'server', 'both')),
    next_post_at    TEXT,
    paused_reason   TEXT,
    last_posted_at  TEXT,
    updated_at      TEXT NOT NULL,
    CHECK ((cadence = 'weekly') = (weekday IS NOT NULL)),
    CHECK ((next_post_at IS NULL) = (paused_reason IS NOT NULL))
) STRICT;
CREATE INDEX tip_schedules_due ON tip_schedules (next_post_at) WHERE next_post_at IS NOT NULL;

-- The tips a server has had posted in its current rotation cycle (scheduled or /curate post-now).
-- A tip is not posted again until every tip of the pool has been; then the cycle starts over.
CREATE TABLE tip_rotation (
    guild_id   INTEGER NOT NULL,
    card_id    TEXT NOT NULL,
    posted_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, card_id)
) STRICT, WITHOUT ROWID;
