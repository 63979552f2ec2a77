-- A server tip's number is shown to moderators ("#2") and kept in the audit, so a number must never
-- come back after a removal. SQLite reuses the largest rowid once that row is gone; this counter keeps
-- the highest number ever given out, seeded from the tips there are now.
CREATE TABLE server_tip_numbers (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    last_number  INTEGER NOT NULL
) STRICT;
INSERT INTO server_tip_numbers (singleton, last_number)
VALUES (1, COALESCE((SELECT MAX(id) FROM server_tips), 0));
