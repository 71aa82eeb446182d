"""One error type for everything a user can get wrong.

The CLI prints these as `location: message` plus a hint and exits non-zero;
anything that is not a YamigError is a bug in yamig, not in the user's input.
"""

from __future__ import annotations


class YamigError(Exception):
    """A problem with the user's input, files, configuration or database.

    `location` is `file:line:column` (or just `file`) when the problem is in a
    file; `hint` says what to do about it.
    """

    exit_code = 1

    def __init__(self, message: str, *, location: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class RevisionFileError(YamigError):
    """A revision file cannot be read or does not follow the contract.

    `errors`: every problem found in the file, in file order, this one first: `validate`
    reports them all, the other commands stop at the first (see several()).
    """

    def __init__(self, message: str, *, location: str | None = None, hint: str | None = None):
        super().__init__(message, location=location, hint=hint)
        self.errors: list[RevisionFileError] = [self]


def several(errors: list[RevisionFileError]) -> RevisionFileError:
    """The first of a file's problems, carrying them all."""
    first = errors[0]
    first.errors = list(errors)
    return first


class GraphError(YamigError):
    """The revision graph is broken: duplicate ids, missing parents, cycles."""


class ResolutionError(YamigError):
    """A revision identifier given by the user does not name what it should."""


class MigrationError(YamigError):
    """An operation failed against the database; the revision was rolled back."""


class ConfigError(YamigError):
    """The configuration file or a command-line option is wrong."""
