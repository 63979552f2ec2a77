"""Discord's limits that shape what Latch shows (DESIGN.md §7), in one place."""

LIST_LIMIT = 25  # choices in an autocomplete, options in a select menu, fields in an embed
BUTTON_LIMIT = 25  # buttons on one message: 5 rows of 5
