-- Servers Latch has left. Thirty days after `left_at` the daily retention job erases everything the
-- bot holds for that server, then this row. If the bot returns before then, the row is removed and
-- nothing is erased.
CREATE TABLE departed_guilds (
    guild_id  INTEGER PRIMARY KEY,
    left_at   TEXT NOT NULL
) STRICT;
CREATE INDEX departed_guilds_by_left_at ON departed_guilds (left_at);
