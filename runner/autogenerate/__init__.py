"""`revision --autogenerate` and `check`: the models (models) and the database or replayed
state (compare) in one shape, their differences (diff), made operations (generate)."""
