"""The SQLModel store: tables, engine from a URL, idempotent upserts, the audit log."""
