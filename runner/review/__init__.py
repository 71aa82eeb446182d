"""`yamig validate`: the review of revision files without a database (validate), the replay that
finds missing and duplicate objects (semantics), the rules by family with their registry (rules)
and the findings they report, in text, JSON, GitHub and SARIF (findings)."""
