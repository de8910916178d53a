"""Profile jobs (registered here so the worker knows them)."""
