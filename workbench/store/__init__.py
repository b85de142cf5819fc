"""Persistence: the local SQLite store of learners and plans (the catalogue stays in files)."""

from .merge import Change
from .sqlite import (
    BUSY_MESSAGE,
    DB_ENV,
    NotFoundError,
    Saved,
    SaveRefused,
    Store,
    StoreBusy,
    Stored,
    StoreError,
    default_db_path,
)

__all__ = ["BUSY_MESSAGE", "DB_ENV", "Change", "NotFoundError", "SaveRefused", "Saved", "Store",
           "StoreBusy", "StoreError", "Stored", "default_db_path"]
