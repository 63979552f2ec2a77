"""URL rules for moderator-added links: examples for each rule, and properties over generated URLs."""

from __future__ import annotations

import ipaddress
import string

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from bot.domain.urls import MAX_URL_LENGTH, URL_SHORTENERS, CheckedUrl, InvalidUrl, check_url
from bot.errors import Refusal
from bot.ui.messages import refusal_text

# ------------------------------------------------------------------------------------------ strategies

_LABEL_CHARS = string.ascii_lowercase + string.digits
labels = st.text(_LABEL_CHARS, min_size=1, max_size=20)
top_levels = st.sampled_from(["org", "com", "uk", "au", "de", "info", "health", "xn--p1ai"])
hosts = st.builds(
    lambda parts, top: ".".join([*parts, top]), st.lists(labels, min_size=1, max_size=3), top_levels
).filter(lambda host: not any(host.endswith(s) for s in URL_SHORTENERS) and "discord" not in host)
paths = st.lists(st.text(_LABEL_CHARS + "-_.~", min_size=1, max_size=12), max_size=4).map(
    lambda segments: "/" + "/".join(segments)
)
queries = st.one_of(st.just(""), st.text(_LABEL_CHARS + "=&", min_size=1, max_size=20).map("?".__add__))


@st.composite
def good_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https", "HTTPS", "Https"]))
    host = draw(hosts)
    if draw(st.booleans()):
        host = host.upper()
    return f"{scheme}://{host}{draw(paths)}{draw(queries)}"


def rejected(url: str, *, allow_invites: bool = False) -> str:
    with pytest.raises(InvalidUrl) as caught:
        check_url(url, allow_invites=allow_invites)
    return refusal_text(caught.value)


# ------------------------------------------------------------------------------------------ examples


def test_a_plain_https_url_is_normalised() -> None:
    checked = check_url("  HTTPS://WWW.LLLI.org:443/breastfeeding-info/  ", allow_invites=False)

    assert checked == CheckedUrl(
        url="https://www.llli.org/breastfeeding-info/",
        host="www.llli.org",
        display_host="llli.org",
        is_invite=False,
    )


def test_an_empty_path_becomes_a_slash() -> None:
    assert check_url("https://988lifeline.org", allow_invites=False).url == "https://988lifeline.org/"


def test_the_error_is_a_user_facing_error_that_says_what_is_accepted() -> None:
    with pytest.raises(Refusal) as caught:
        check_url("ftp://example.org", allow_invites=False)
    assert "https://" in refusal_text(caught.value)
    assert "for example" in refusal_text(caught.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://llli.org/", "Only https://"),
        ("llli.org", "Only https://"),
        ("javascript:alert(1)", "Only https://"),
        ("https:/llli.org", "Only https://"),
        ("https://", "no website name"),
        ("https:///path", "no website name"),
        ("https://user:secret@llli.org/", "user name or password"),
        ("https://llli.org@evil.example/", "user name or password"),
        ("https://llli.org:8443/", "port number"),
        ("https://llli.org:abc/", "valid web address"),
        ("https://llli .org/", "spaces"),
        ("https://evil.example\\@llli.org/", "spaces or characters"),
        ("https://llli.org/\u202eevil", "characters links can't have"),
        ("https://localhost/", "isn't valid"),
        ("https://exa_mple.org/", "isn't valid"),
        ("https://-llli.org/", "isn't valid"),
        ("https://xn--zz.org/", "isn't valid"),
        ("", "empty"),
    ],
)
def test_each_rule_names_its_reason(url: str, reason: str) -> None:
    assert reason in rejected(url)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.1.2.3",
        "2130706433",  # 127.0.0.1 as one decimal number
        "0x7f000001",  # and in hex
        "0x7f.0.0.1",
        "0177.0.0.1",  # octal first part
        "127.1",  # short form
        "[::1]",
        "[2001:db8::1]",
        "[::ffff:127.0.0.1]",
        "1.2.3.4.",
    ],
)
def test_ip_literal_hosts_are_refused(host: str) -> None:
    assert "IP address" in rejected(f"https://{host}/page")


@pytest.mark.parametrize(
    "url",
    [
        "https://bit.ly/3abc",
        "https://BIT.LY/3abc",
        "https://www.bit.ly/3abc",
        "https://tinyurl.com/x",
        "https://t.co/x",
        "https://goo.gl/x",
        "https://ow.ly/x",
        "https://is.gd/x",
        "https://buff.ly/x",
        "https://rebrand.ly/x",
        "https://cutt.ly/x",
        "https://shorturl.at/x",
        "https://tiny.cc/x",
        "https://lnkd.in/x",
        "https://rb.gy/x",
        "https://\uff42\uff49\uff54\u3002\uff4c\uff59/x",  # full-width "bit.ly" folds to bit.ly
    ],
)
def test_url_shorteners_are_refused(url: str) -> None:
    assert "Short links" in rejected(url)


def test_a_domain_that_only_ends_like_a_shortener_is_fine() -> None:
    assert check_url("https://habit.ly/x", allow_invites=False).host == "habit.ly"


def test_idn_hosts_are_stored_as_ascii_and_shown_decoded() -> None:
    typed = check_url("https://Bücher.de/stillen", allow_invites=False)
    punycode = check_url("https://xn--bcher-kva.de/stillen", allow_invites=False)

    assert typed == punycode
    assert typed.url == "https://xn--bcher-kva.de/stillen"
    assert typed.display_host == "bücher.de"


def test_non_ascii_paths_are_percent_encoded() -> None:
    checked = check_url("https://llli.org/ä?q=é#top", allow_invites=False)
    assert checked.url == "https://llli.org/%C3%A4?q=%C3%A9#top"


@pytest.mark.parametrize(
    "url",
    [
        "https://discord.gg/abc123",
        "https://discord.gg/",
        "https://www.discord.gg/abc123",
        "https://discord.com/invite/abc123",
        "https://DISCORD.com/Invite/abc123",
        "https://discordapp.com/invite/abc123",
        "https://ptb.discord.com/invite/abc123",
    ],
)
def test_discord_invites_follow_the_server_setting(url: str) -> None:
    assert "invite links are off" in rejected(url, allow_invites=False)
    assert check_url(url, allow_invites=True).is_invite


def test_other_discord_links_are_not_invites() -> None:
    checked = check_url("https://discord.com/channels/1/2", allow_invites=False)
    assert not checked.is_invite


def test_the_length_limit_is_512() -> None:
    prefix = "https://llli.org/"
    assert check_url(prefix + "a" * (MAX_URL_LENGTH - len(prefix)), allow_invites=False)
    assert "513 characters" in rejected(prefix + "a" * (MAX_URL_LENGTH - len(prefix) + 1))


def test_a_url_that_grows_past_the_limit_when_encoded_is_refused() -> None:
    prefix = "https://llli.org/"
    assert "once written out" in rejected(prefix + "ä" * (MAX_URL_LENGTH - len(prefix)))


# ------------------------------------------------------------------------------------------ properties


@given(good_urls(), st.booleans())
def test_good_urls_are_accepted_and_normalised(url: str, allow_invites: bool) -> None:
    checked = check_url(url, allow_invites=allow_invites)

    assert checked.url.startswith(f"https://{checked.host}/")
    assert checked.host == checked.host.lower()
    assert checked.url == url.lower()  # the generated paths are lowercase already
    assert len(checked.url) <= MAX_URL_LENGTH
    assert not checked.is_invite


@given(good_urls())
def test_normalising_twice_changes_nothing(url: str) -> None:
    checked = check_url(url, allow_invites=False)
    assert check_url(checked.url, allow_invites=False) == checked


@given(st.text(max_size=600), st.booleans())
@example("https://0x7f.1/", False)
@example("https://[::1]:443/", True)
def test_any_text_is_accepted_or_refused_with_a_message(text: str, allow_invites: bool) -> None:
    try:
        checked = check_url(text, allow_invites=allow_invites)
    except InvalidUrl as problem:
        assert refusal_text(problem)
        return
    # Whatever passes keeps every promise of the rules.
    assert checked.url.startswith("https://")
    assert len(checked.url) <= MAX_URL_LENGTH
    assert "@" not in checked.url.split("/")[2]
    assert not checked.host.replace(".", "").isdigit()
    assert allow_invites or not checked.is_invite


@given(st.ip_addresses(v=4), st.sampled_from(["dotted", "decimal", "hex"]), paths)
def test_ipv4_in_any_spelling_is_refused(address: ipaddress.IPv4Address, form: str, path: str) -> None:
    host = {"dotted": str(address), "decimal": str(int(address)), "hex": hex(int(address))}[form]
    assert "IP address" in rejected(f"https://{host}{path}")


@given(st.ip_addresses(v=6), paths)
def test_ipv6_is_refused(address: ipaddress.IPv6Address, path: str) -> None:
    assert "IP address" in rejected(f"https://[{address}]{path}")


@given(hosts, labels, st.one_of(st.none(), labels), paths)
def test_credentials_are_refused(host: str, user: str, password: str | None, path: str) -> None:
    userinfo = user if password is None else f"{user}:{password}"
    assert "user name or password" in rejected(f"https://{userinfo}@{host}{path}")


@given(st.sampled_from(sorted(URL_SHORTENERS)), st.sampled_from(["", "www.", "go."]), paths, st.booleans())
def test_every_listed_shortener_is_refused(shortener: str, sub: str, path: str, upper: bool) -> None:
    host = sub + shortener
    assert "Short links" in rejected(f"https://{host.upper() if upper else host}{path}")


@given(hosts, paths)
def test_only_https_is_accepted(host: str, path: str) -> None:
    for scheme in ("http", "ftp", "file", "data", "ws"):
        assert "Only https://" in rejected(f"{scheme}://{host}{path}")


@given(st.integers(min_value=MAX_URL_LENGTH + 1, max_value=4000))
def test_anything_over_512_characters_is_refused(length: int) -> None:
    prefix = "https://llli.org/"
    assert "characters long" in rejected(prefix + "a" * (length - len(prefix)))


_IDN_LETTERS = "äöüéèçñøåßłżšđēīōūαβγдежзあいう"


@given(
    st.text(_IDN_LETTERS + string.ascii_lowercase, min_size=1, max_size=15).filter(
        lambda label: any(char in _IDN_LETTERS for char in label)
    ),
    top_levels,
)
def test_idn_hosts_round_trip_between_ascii_and_display(label: str, top: str) -> None:
    try:
        ascii_label = label.encode("idna").decode("ascii")
    except UnicodeError:
        assume(False)
        raise
    checked = check_url(f"https://{label}.{top}/", allow_invites=False)

    assert checked.host == f"{ascii_label}.{top}".lower()
    assert checked.host.isascii()
    assert checked.display_host.encode("idna").decode("ascii") == checked.host
    assert check_url(f"https://{checked.host}/", allow_invites=False) == checked


@given(labels, st.booleans())
def test_invites_are_refused_unless_allowed(code: str, app_domain: bool) -> None:
    url = f"https://discordapp.com/invite/{code}" if app_domain else f"https://discord.gg/{code}"
    assert "invite links are off" in rejected(url)
    assert check_url(url, allow_invites=True).is_invite
