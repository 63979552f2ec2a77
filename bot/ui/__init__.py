"""Embed rendering and persistent views shared by cogs."""
