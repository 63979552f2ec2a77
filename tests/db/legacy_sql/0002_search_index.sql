-- Full-text index behind /search: library facts, tips and resources, plus (later) each server's own tips.
--
-- The library rows (guild_id NULL) are rebuilt from the content files on every start, in one
-- transaction; nothing here is the source of truth. A server's curated tips are indexed with that
-- server's guild_id and only appear in that server's search. guild_id, kind and ref are UNINDEXED:
-- stored and filterable, never matched as text.
--
-- Tokenizer: unicode61 folds case and strips diacritics ("galáctorrhea" finds "galactorrhea");
-- porter stems English words ("pumping" finds "pump"). Every query word of 3 or more characters is a
-- prefix term ("galac"*); the 3- and 4-character prefix indexes keep the widest of those fast.
CREATE VIRTUAL TABLE search_index USING fts5(
    title,
    aliases,
    summary,
    body,
    kind UNINDEXED,
    ref UNINDEXED,
    guild_id UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '3 4'
);
