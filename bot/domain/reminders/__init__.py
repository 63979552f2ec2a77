"""Pumping reminders as pure rules: schedule kinds, parsing what members type, the next fire, edits."""
