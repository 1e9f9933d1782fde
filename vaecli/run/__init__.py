"""The run folder: every file name in it, creating it, the lock, atomic writes, status, provenance, reading back."""
