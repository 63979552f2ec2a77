-- The database keeps codes and facts, never sentences: bot/ui words them in the member's language.
-- Audit entries become JSON facts; entries written before this keep their old sentence as "text".
UPDATE audit_log SET detail = json_object('text', detail)
WHERE json_valid(detail) = 0 OR json_type(detail) <> 'object';

-- Why a schedule is paused: a code, with the facts in paused_detail (JSON). The sentences earlier
-- versions stored are read back into their codes (every SET reads the row as it was).
ALTER TABLE tip_schedules ADD COLUMN paused_detail TEXT;
UPDATE tip_schedules
SET paused_reason = CASE
        WHEN paused_reason LIKE '%I''m missing the%' THEN 'missing_permissions'
        WHEN paused_reason LIKE '%no longer exists%' THEN 'channel_gone'
        WHEN paused_reason LIKE '%could not find%' THEN 'not_found'
        WHEN paused_reason LIKE '%has no tips of its own%' THEN 'no_server_tips'
        WHEN paused_reason LIKE '%no tips to post%' THEN 'no_tips'
        ELSE 'post_refused'
    END,
    paused_detail = CASE
        WHEN paused_reason LIKE '%I''m missing the%' THEN json_object(
            'channel_id', channel_id,
            'missing', json('[' || rtrim(
                (CASE WHEN paused_reason LIKE '%View Channel%' THEN '"view_channel",' ELSE '' END)
                || (CASE WHEN paused_reason LIKE '%Send Messages%' THEN '"send_messages",' ELSE '' END)
                || (CASE WHEN paused_reason LIKE '%Embed Links%' THEN '"embed_links",' ELSE '' END),
                ',') || ']'))
        ELSE json_object('channel_id', channel_id)
    END
WHERE paused_reason IS NOT NULL;
