-- Reminders that end after a count, never pile up, and can be shared with a caregiver.
-- fired_count: occurrences claimed to send (late ones included; skipped ones and snoozes not), which a
-- rule ending after a count reads. The last message sent (its channel and id) is edited to "skipped"
-- when the next occurrence goes out unanswered; unanswered counts those since the member last answered.
ALTER TABLE reminders ADD COLUMN fired_count INTEGER NOT NULL DEFAULT 0 CHECK (fired_count >= 0);
ALTER TABLE reminders ADD COLUMN last_channel_id INTEGER;
ALTER TABLE reminders ADD COLUMN last_message_id INTEGER;
ALTER TABLE reminders ADD COLUMN last_answered INTEGER NOT NULL DEFAULT 1 CHECK (last_answered IN (0, 1));
ALTER TABLE reminders ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0 CHECK (unanswered >= 0);

-- A caregiver who receives a reminder's nudges too, by consent. Only the pair of people, which
-- reminder, whether nights only, and when the caregiver accepted (NULL: invited, not yet accepted).
CREATE TABLE reminder_shares (
    reminder_id      INTEGER PRIMARY KEY REFERENCES reminders (id) ON DELETE CASCADE,
    owner_id         INTEGER NOT NULL,
    caregiver_id     INTEGER NOT NULL,
    nights_only      INTEGER NOT NULL DEFAULT 0 CHECK (nights_only IN (0, 1)),
    consented_at     TEXT
) STRICT;
CREATE INDEX reminder_shares_by_caregiver ON reminder_shares (caregiver_id);
CREATE INDEX reminder_shares_by_owner ON reminder_shares (owner_id);

-- When someone declined to be a caregiver: two declines within 24 hours stop new invitations from the
-- same person, so an invitation cannot be used to pester. Rows older than a day are deleted.
CREATE TABLE share_declines (
    owner_id      INTEGER NOT NULL,
    caregiver_id  INTEGER NOT NULL,
    declined_at   TEXT NOT NULL
) STRICT;
CREATE INDEX share_declines_by_pair ON share_declines (owner_id, caregiver_id, declined_at);
