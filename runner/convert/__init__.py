"""Coming from Alembic: `yamig convert` reads Alembic scripts with `ast` (never imported or
run) and writes yamig revisions, what cannot be mapped faithfully reported and marked, never
guessed; `verify` runs both histories and compares the schemas."""
