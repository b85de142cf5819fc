"""Persistence: the local SQLite store of learners and plans (the catalogue stays in files)."""

from .sqlite import DB_ENV, NotFoundError, Store, default_db_path

__all__ = ["DB_ENV", "NotFoundError", "Store", "default_db_path"]
