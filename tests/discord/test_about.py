from __future__ import annotations

from bot import __version__
from tests.conftest import Server, answer


async def test_member_runs_about_and_gets_a_private_card(server: Server) -> None:
    result = await server.member.slash(server.channel, "about")

    assert result.ephemeral
    embed = answer(result).embeds[0]
    assert embed.title == "About Latch"
    assert "Peer support, not medical advice" in (embed.description or "")
    assert __version__ in (embed.footer.text or "")
    assert server.channel.last_message is None  # nothing was posted publicly
