"""Rewriting the history itself: `squash` (a linear stretch of revisions as one, derived from the
replayed schema state) and `rebase` (a branch moved onto the current head)."""
