"""A migration run: the context online and offline share (context), the database run with its
version table, transactions and lock (executor), the printed script (offline), and connections
(engine; runner.engine is its public spelling)."""
