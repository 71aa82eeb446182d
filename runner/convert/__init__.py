"""`yamig convert`: Alembic scripts read with `ast` (never imported or run) and written as
yamig revisions; what cannot be mapped faithfully is reported and marked, never guessed."""
