"""Pure rules and values: what members type, schedules, URL rules, the privacy declarations.

Nothing here imports Discord or the database, so every rule is a plain function with unit tests. Refusals
are `bot.errors.Refusal`s carrying a code and data; `bot.ui.messages` words them.
"""
