"""Passwords out of every message: a URL's password masked before an error can carry it.

`mask_url` is for a URL yamig holds (any shape, parsed or not); `mask` finds URL-shaped text
and `password=` pairs inside free text (a driver's message). Both work on the text alone, as
a URL that SQLAlchemy cannot parse is the one most likely to be printed. `remember` keeps the
secrets of each URL read in this run, and `redact` — the CLI's last line of defence on
stderr — replaces them wherever they appear, in any spelling the URL gave them.
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus, unquote, unquote_plus

HIDDEN = "***"
PLACEHOLDERS = (HIDDEN, "password", "PASSWORD")  # what examples in messages show, kept as they are
SHORTEST = 4  # a shorter password is not searched for in whole messages: it would mangle them

# a query or DSN key that holds a secret: password, passwd, pwd, sslpassword, secret, token...
_SECRET_KEY = r"[\w.-]*(?:pass|pwd|secret|token)[\w.-]*"
_SECRET_PAIR = re.compile(rf"(?i)(?P<key>(?:^|(?<=[?&;\s'\"])){_SECRET_KEY}\s*=\s*)(?P<value>[^&;\s'\"#]*)")
# scheme://user:password@ in free text; the password runs to the last @ of the token, since an
# unencoded @ in it is common (SQLAlchemy itself stops at the first one)
_USERINFO = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^\s:/@'\"]*:)(?P<password>[^\s'\"]*)@")

_known: set[str] = set()


def mask(text: str) -> str:
    """`text` with the password of every URL in it and every secret `key=value` masked; the
    placeholder of an example (`user:password@host`) is left as it is, and a value's trailing
    punctuation stays the sentence's (masking twice changes nothing)."""
    def userinfo(m: re.Match) -> str:
        return m[0] if m["password"] in PLACEHOLDERS else m["head"] + HIDDEN + "@"

    def pair(m: re.Match) -> str:
        value = m["value"].rstrip(":,.)")
        if not value or value in PLACEHOLDERS:
            return m[0]
        return m["key"] + HIDDEN + m["value"][len(value):]

    return _SECRET_PAIR.sub(pair, _USERINFO.sub(userinfo, text))


def mask_url(url: str) -> str:
    """A URL as it may be shown: its password and secret query values masked, whatever its shape
    (an unencoded @ or / in the password, a port that is not a number); without `://`, all of
    it but the host and database after an @."""
    head, sep, rest = url.partition("://")
    if not sep:  # no URL SQLAlchemy reads: what it holds before an @ may all be the password
        userinfo, at, host = url.rpartition("@")
        return mask(f"{HIDDEN}@{host}" if at else HIDDEN)
    userinfo, at, host = rest.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    if at and colon and "/" not in user:
        rest = f"{user}:{HIDDEN}@{host}"
    return mask(head + sep + rest)


def secrets_in(url: str) -> set[str]:
    """The secrets `url` holds, as written and percent-decoded: its password read up to the last @,
    and each run of the pieces an unencoded @ : / ? # in it makes (SQLAlchemy reads them as the
    password, the host, the port...); and the values of secret query keys."""
    head, sep, rest = url.partition("://")
    found = set()
    user, colon, password = (rest if sep else url).rpartition("@")[0].partition(":")
    if colon and ("/" not in user or not sep):
        # an unencoded @ : / ? # splits it: SQLAlchemy reads the pieces as password, host, port...
        tokens = re.split(r"([@:/?#])", password)
        found.update("".join(tokens[i:j + 1]) for i in range(0, len(tokens), 2)
                     for j in range(i, len(tokens), 2))
    found.update(m["value"] for m in _SECRET_PAIR.finditer(url))
    spelled = set()
    for secret in found:
        plain = unquote(secret)
        spelled |= {secret, plain, unquote_plus(secret), quote(plain, safe=""), quote_plus(plain)}
    return {secret for secret in spelled if len(secret) >= SHORTEST}


def remember(url: str) -> None:
    """Keep the secrets of a URL this run reads, for `redact`."""
    _known.update(secrets_in(url))


def forget() -> None:
    """A new run (the CLI's main) starts with no secrets known."""
    _known.clear()


def redact(text: str) -> str:
    """`text` masked (`mask`), then with every remembered secret replaced, longest first."""
    text = mask(text)
    for secret in sorted(_known, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text
