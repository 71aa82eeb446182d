"""What the replayed schema state knows, apart from the operations that change it.

`references` reads and writes names and foreign-key targets, `constraints` finds and names
a table's constraints as the database would, `renames` follows a rename through every
table. The operations (runner.operations), review (runner.review.semantics, runner.review.rules) and
autogenerate (runner.autogenerate.compare) share these, so each fact has one home. The state itself is
schema.state, the type grammar schema.types (rendered back by schema.typerender).
"""
