"""URL rules for links that moderators add (server resources, server tips' sources).

``check_url`` is pure: it never touches the network. It accepts a URL only when a member can see where
it leads before clicking:
- https only, at most 512 characters, no spaces or control characters;
- no credentials (``user:pass@host``), which can disguise the real host;
- a domain name, never an IP address in any spelling (dotted, decimal, hex, octal, IPv6);
- no known URL shortener, which hides the destination;
- Discord invites only when the server allows them (``allow_invites``).

International domain names are accepted in either form; the URL is normalised to the ASCII
(punycode) host, and ``CheckedUrl.display_host`` gives the readable, decoded form to show members.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from bot.errors import Refusal

MAX_URL_LENGTH = 512
MAX_HOST_LENGTH = 253


# Link shorteners hide where a link leads. Matched on the host and every subdomain of it.
URL_SHORTENERS: frozenset[str] = frozenset(
    {
        "adf.ly",
        "amzn.to",
        "bit.do",
        "bit.ly",
        "bitly.com",
        "bl.ink",
        "buff.ly",
        "chilp.it",
        "cli.gs",
        "clck.ru",
        "cutt.ly",
        "db.tt",
        "dlvr.it",
        "dsc.gg",
        "discord.io",
        "discord.me",
        "fb.me",
        "gg.gg",
        "goo.gl",
        "goo.su",
        "invite.gg",
        "is.gd",
        "j.mp",
        "lnkd.in",
        "mcaf.ee",
        "ow.ly",
        "po.st",
        "qr.ae",
        "qrco.de",
        "rb.gy",
        "rebrand.ly",
        "s.id",
        "shorte.st",
        "short.io",
        "shorturl.at",
        "snip.ly",
        "surl.li",
        "t.co",
        "t.ly",
        "tiny.cc",
        "tiny.one",
        "tinyurl.com",
        "tr.im",
        "trib.al",
        "u.to",
        "urlz.fr",
        "v.gd",
        "x.co",
    }
)

# Hosts whose links are Discord server invites: every path on the first, /invite/… on the others.
INVITE_ONLY_HOSTS: frozenset[str] = frozenset({"discord.gg"})
INVITE_PATH_HOSTS: frozenset[str] = frozenset(
    {"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"}
)

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# A top-level domain is letters (or an IDN "xn--" label); a numeric last label makes browsers read the
# whole host as an IPv4 address ("127.1", "0x7f000001", "2130706433", "0177.0.0.1").
_TOP_LEVEL = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_UNSAFE_CHARACTER = re.compile(r"[\s\\]")
# Characters kept as they are when re-quoting a path or query (existing %XX escapes included).
_SAFE_IN_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_IN_QUERY = _SAFE_IN_PATH + "?"


class InvalidUrl(Refusal):
    """The link breaks a rule: ``reason`` says which (the message adds what is accepted)."""

    def __init__(self, reason: str, **data: object) -> None:
        super().__init__(f"url.{reason}", **data)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CheckedUrl:
    """A URL that passed the rules.

    ``url``: normalised (https, lowercase ASCII host, no default port), safe to store and to put on a
    link button. ``host``: the ASCII host. ``display_host``: the host as members read it, IDN decoded,
    without a leading ``www.``. ``is_invite``: it is a Discord invite (only accepted when allowed).
    """

    url: str
    host: str
    display_host: str
    is_invite: bool = False


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in text)


def _ascii_host(raw_host: str) -> str:
    """The lowercase ASCII (punycode) form of a host, or InvalidUrl when it is not a domain name."""
    host = raw_host.rstrip(".")
    if not host:
        raise InvalidUrl("no_host")
    if host.startswith("[") or ":" in host:
        raise InvalidUrl("ip_address")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidUrl("bad_host") from None
    labels = ascii_host.split(".")
    if _TOP_LEVEL.match(labels[-1]) is None:
        if re.fullmatch(r"0x[0-9a-f]*|[0-9]+", labels[-1]):
            raise InvalidUrl("ip_address")
        raise InvalidUrl("bad_host")
    if len(labels) < 2 or len(ascii_host) > MAX_HOST_LENGTH:
        raise InvalidUrl("bad_host")
    if any(_LABEL.match(label) is None or not _decodes(label) for label in labels):
        raise InvalidUrl("bad_host")
    return ascii_host


def _decodes(label: str) -> bool:
    """An ASCII label is fine as it is; an IDN ("xn--") label must be valid punycode that round-trips."""
    if not label.startswith("xn--"):
        return True
    try:
        return label.encode("ascii").decode("idna").encode("idna").decode("ascii") == label
    except UnicodeError:
        return False


def display_host(ascii_host: str) -> str:
    """The host as a member reads it: IDN labels decoded, a leading ``www.`` dropped."""
    try:
        readable = ascii_host.encode("ascii").decode("idna")
    except UnicodeError:
        readable = ascii_host
    return readable.removeprefix("www.")


def _is_under(host: str, domains: frozenset[str]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one."""
    labels = host.split(".")
    return any(".".join(labels[index:]) in domains for index in range(len(labels) - 1))


def _is_invite(host: str, path: str) -> bool:
    bare = host.removeprefix("www.")
    if bare in INVITE_ONLY_HOSTS:
        return True
    return bare in INVITE_PATH_HOSTS and path.lower().rstrip("/").split("/")[1:2] == ["invite"]


def check_url(text: str, *, allow_invites: bool) -> CheckedUrl:
    """Check a URL a moderator typed against the rules; return it normalised, or raise InvalidUrl."""
    candidate = text.strip()
    if not candidate:
        raise InvalidUrl("empty")
    if len(candidate) > MAX_URL_LENGTH:
        raise InvalidUrl("too_long", length=len(candidate), limit=MAX_URL_LENGTH)
    if _UNSAFE_CHARACTER.search(candidate) or _has_control_character(candidate):
        raise InvalidUrl("bad_characters")
    scheme, separator, _rest = candidate.partition("://")
    if not separator or scheme.lower() != "https":
        raise InvalidUrl("not_https")
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        raise InvalidUrl("malformed") from None
    if "@" in parts.netloc:
        raise InvalidUrl("credentials")
    if port is not None and port != 443:
        raise InvalidUrl("port")
    if parts.netloc.startswith("["):
        raise InvalidUrl("ip_address")
    host = _ascii_host(parts.hostname or "")
    if _is_under(host, URL_SHORTENERS):
        raise InvalidUrl("shortener", host=display_host(host))
    invite = _is_invite(host, parts.path)
    if invite and not allow_invites:
        raise InvalidUrl("invite_off")
    path = quote(parts.path, safe=_SAFE_IN_PATH) or "/"
    query = quote(parts.query, safe=_SAFE_IN_QUERY)
    fragment = quote(parts.fragment, safe=_SAFE_IN_QUERY + "#")
    url = urlunsplit(("https", host, path, query, fragment))
    if len(url) > MAX_URL_LENGTH:
        raise InvalidUrl("too_long_written_out", length=len(url), limit=MAX_URL_LENGTH)
    return CheckedUrl(url=url, host=host, display_host=display_host(host), is_invite=invite)
