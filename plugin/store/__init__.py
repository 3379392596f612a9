"""The store: schema and migrations, the run lock, runs, account state and history (SQLAlchemy)."""
