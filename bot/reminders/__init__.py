"""Pumping reminders: the pure schedule rules, the dispatcher engine and their storage."""
