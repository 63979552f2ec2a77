"""Process-level tests: the bot against a loopback fake Discord (see fake_discord.py)."""
