-- Small key/value facts the bot keeps about itself, such as the hash of the last synced command tree.
CREATE TABLE app_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
