"""SQLAlchemy 2 (Core, async) adapters: one code path for SQLite and Postgres."""
