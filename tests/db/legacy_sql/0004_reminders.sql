-- Pumping reminders. The database is the source of truth: the dispatcher wakes at the earliest
-- next_fire_at (or snoozed_until) of an active reminder, claims what is due, sends and records it.
CREATE TABLE reminders (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL,
    guild_id       INTEGER,
    channel_id     INTEGER,            -- NULL: delivered by DM
    kind           TEXT NOT NULL CHECK (kind IN ('every', 'at', 'once')),
    rule           TEXT NOT NULL,      -- JSON written by bot.reminders.rules.rule_to_json
    timezone       TEXT NOT NULL,      -- IANA name
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'finished')),
    paused_reason  TEXT,               -- NULL when paused by the owner; dm_closed, channel_gone, ...
    next_fire_at   TEXT,               -- the next occurrence of the rule; NULL when there is none
    snoozed_until  TEXT,               -- a one-off fire asked for with a Snooze button
    last_fire_at   TEXT,               -- the last occurrence claimed (since-last reminders count from it)
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX reminders_due ON reminders (next_fire_at) WHERE status = 'active';
CREATE INDEX reminders_snoozed ON reminders (snoozed_until)
    WHERE status = 'active' AND snoozed_until IS NOT NULL;
CREATE INDEX reminders_by_user ON reminders (user_id, status);

-- One row per occurrence handled: the claim (state 'sending') is written before the message is sent,
-- so a crash leaves a row that the next start re-sends with the same nonce (or skips when stale).
CREATE TABLE reminder_deliveries (
    reminder_id    INTEGER NOT NULL REFERENCES reminders (id) ON DELETE CASCADE,
    scheduled_for  TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'skipped')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    late           INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    sent_at        TEXT,
    PRIMARY KEY (reminder_id, scheduled_for)
) STRICT;
CREATE INDEX reminder_deliveries_sending ON reminder_deliveries (scheduled_for) WHERE state = 'sending';

-- Per person, only what reminders need: their default zone, when they last marked a session done,
-- the id of their DM channel with the bot (so a delivery is one request), and a one-time notice.
CREATE TABLE pump_users (
    user_id        INTEGER PRIMARY KEY,
    timezone       TEXT,
    last_done_at   TEXT,
    dm_channel_id  INTEGER,
    notice         TEXT,               -- why a reminder was paused; shown once on the next /pump command
    updated_at     TEXT NOT NULL
) STRICT;
