"""Use cases: each takes a session, checks, changes rows and flushes; the caller commits."""
