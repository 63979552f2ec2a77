"""Pumping reminders as pure rules: the schedule kinds, parsing what members type, the next fire time."""
