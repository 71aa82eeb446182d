"""`python -m runner` is the same as the `yamig` console script."""

from runner.cli import main

raise SystemExit(main())
