"""Revision file names from the config's `file_template` (Alembic's keys, default
`%(rev)s_%(slug)s`): `revision` and `merge` write them, `validate` checks them, both here."""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from runner.errors import ConfigError

DEFAULT = "%(rev)s_%(slug)s"
_FIELD = re.compile(r"%%|%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
_NUMBERS = ("year", "month", "day", "hour", "minute", "second", "epoch")


def file_template(config) -> str:
    return config.get_main_option("file_template") or DEFAULT


def render(config, rev_id: str, message: str | None, now: datetime.datetime) -> str:
    """The file name (without extension) of a new revision."""
    template = file_template(config)
    slug = re.sub(r"\W+", "_", (message or "").lower()).strip("_")[:40].rstrip("_")
    values = {"rev": rev_id, "slug": slug, "year": now.year, "month": now.month, "day": now.day,
              "hour": now.hour, "minute": now.minute, "second": now.second,
              "epoch": int(now.timestamp())}
    try:
        name = template % values
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(f"file_template {template!r} is not valid: {exc}",
                          location=config.config_file_name,
                          hint="use %%(rev)s, %%(slug)s, %%(year)d, %%(month).2d, %%(day).2d, "
                               "%%(hour).2d, %%(minute).2d, %%(second).2d, %%(epoch)d") from None
    return name.rstrip("_") or rev_id


def follows(config, rev_id: str, name: str) -> str | None:
    """None when `name` is one `render` could have written for `rev_id` (any slug and date);
    else the name expected, with the parts that vary in angle brackets."""
    template = file_template(config)
    before, after, expected = _parts(template, config)
    stem, dot, extension = name.rpartition(".")
    # render() strips the trailing underscores of an empty slug
    for candidate in (stem, stem + "_"):
        if after is None:
            if before.fullmatch(candidate):
                return None
            continue
        at = candidate.find(rev_id)
        while at >= 0:
            if before.fullmatch(candidate[:at]) and after.fullmatch(candidate[at + len(rev_id):]):
                return None
            at = candidate.find(rev_id, at + 1)
    return f"{expected.replace('%(rev)s', rev_id)}{dot}{extension}"


@lru_cache(maxsize=8)
def _parts(template: str, config) -> tuple[re.Pattern, re.Pattern | None, str]:
    """The patterns before and after `%(rev)s` (compiled once, not per revision: validate asks
    for every file), or the whole pattern and None; and the name expected."""
    render(config, "rev", None, datetime.datetime(2000, 1, 1))  # a bad template: ConfigError
    pieces, expected, end = [""], "", 0
    for match in _FIELD.finditer(template):
        literal = template[end:match.start()] + ("%" if match.group(0) == "%%" else "")
        pieces[-1] += re.escape(literal)
        expected += literal
        field = match.group(1)
        if field == "rev" and len(pieces) == 1:
            pieces.append("")
            expected += "%(rev)s"
        elif field:
            pieces[-1] += r"\d+" if field in _NUMBERS else ".*"
            expected += f"<{field}>"
        end = match.end()
    pieces[-1] += re.escape(template[end:])
    expected += template[end:]
    after = re.compile(pieces[1]) if len(pieces) > 1 else None
    return re.compile(pieces[0]), after, expected
