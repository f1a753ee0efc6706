"""Storage: SQLModel tables, the engine and its sessions, Alembic migrations."""
