"""yamig's pytest plugin (runner.testing.plugin) and what it runs: throwaway databases
(databases) and the built-in migration tests (checks), which know nothing of pytest."""
