"""The /about card."""

from __future__ import annotations

import discord

LATCH_COLOUR = discord.Colour.from_rgb(214, 122, 150)
DISCLAIMER = "Peer support, not medical advice."
PRIVACY_NOTICE_LABEL = "Privacy notice"


def _privacy_summary(privacy_url: str | None) -> str:
    notice = (
        f"The full notice: [PRIVACY.md]({privacy_url})."
        if privacy_url is not None
        else "The full notice is PRIVACY.md, which ships with Latch."
    )
    return (
        "Latch answers privately and stores only what a feature needs, such as your reminder "
        "schedule. It never stores what you type into a search, your symptoms or your volumes. "
        f"`/privacy` shows, exports or erases what it keeps about you. {notice}"
    )


def about_embed(
    *, version: str, fact_count: int, tip_count: int, privacy_url: str | None = None
) -> discord.Embed:
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
    embed.add_field(name="Your privacy", value=_privacy_summary(privacy_url), inline=False)
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


def about_links(privacy_url: str | None) -> discord.ui.View | None:
    """A link button to the privacy notice, when this instance says where it is."""
    if privacy_url is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label=PRIVACY_NOTICE_LABEL, url=privacy_url))
    return view
