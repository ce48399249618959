"""The mission's analysis as pure functions: facts in, typed results out (no I/O, no SQL)."""
