"""What a migration run shares between online and offline (see context.py)."""
