"""The /about card."""

from __future__ import annotations

import discord

LATCH_COLOUR = discord.Colour.from_rgb(214, 122, 150)
DISCLAIMER = "Peer support, not medical advice."


def about_embed(*, version: str, fact_count: int, tip_count: int) -> discord.Embed:
    embed = discord.Embed(
        title="About Latch",
        colour=LATCH_COLOUR,
        description=(
            "Latch helps breastfeeding, chestfeeding and pumping communities: short, sourced fact cards, "
            "tips for letdown, private pumping reminders, and links to real people who can help.\n\n"
            f"**{DISCLAIMER}** Latch shares peer-support information. For anything about your health or "
            "your baby's, talk to an IBCLC (lactation consultant) or your doctor."
        ),
    )
    embed.add_field(
        name="Your privacy",
        value=(
            "Latch answers privately and stores only what a feature needs, such as your reminder "
            "schedule. It never stores what you type into a search, your symptoms or your volumes."
        ),
        inline=False,
    )
    embed.add_field(
        name="Content",
        value=(
            f"{fact_count} fact cards and {tip_count} letdown tips, written in our own words; "
            "every card names the research or organisation it draws on."
        ),
        inline=False,
    )
    embed.set_footer(text=f"Latch {version} · {DISCLAIMER}")
    return embed
