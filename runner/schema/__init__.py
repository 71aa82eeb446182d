"""What the replayed schema state knows, apart from the operations that change it.

`references` reads and writes names and foreign-key targets, `constraints` finds and names
a table's constraints as the database would, `renames` follows a rename through every
table. The operations (runner.operations), review (runner.semantics, runner.lint) and
autogenerate (runner.compare) share these, so each fact has one home. The state itself is
still runner.state.
"""
