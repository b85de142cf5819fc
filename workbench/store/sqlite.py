"""The local store: learners and plans a family and advocate edit, kept in one SQLite file.

The catalogue stays in the data directory's files (read-only); what people change — learners and
their plans — lives here, seeded once from the data directory and then never overwritten from it.
Every save serialises first and writes in one short transaction, so a failed save leaves the
previous version intact; replaced and deleted versions go to a small history table so a user's
work is never lost.

Two people at once (two tabs, two advocates, the app and a ``workbench import``):

- every learner and plan has a ``version``, bumped by every save that changes it;
- a save carries the version it was based on (:class:`Stored`, from ``read_learner`` /
  ``read_plans``; without one, the version this ``Store`` last read or wrote of that record). A
  save based on the current version is written; one based on an older version is merged field by
  field with what changed elsewhere, or — when both changed the same field to different values —
  refused: :class:`SaveRefused` says in plain words what changed, and nothing is written (the rule
  is in :mod:`workbench.store.merge` and ``docs/data-format.md``);
- deleted stays deleted: a deletion leaves a tombstone, and a save of a deleted learner or plan
  is refused;
- a plan limit passed to ``save_plan`` is checked inside the write transaction, so two sessions
  cannot both add "the fifth" plan.

Locks and durability: WAL with ``synchronous=FULL`` (an acknowledged save survives a power loss);
a short busy timeout with a few retries, so a store another program holds locked costs a click
about a second, then :class:`StoreBusy`, never a frozen server. Every error leaves this module as
a :class:`StoreError` whose text is plain words (no SQL, no library text).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import random
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import platformdirs
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.schema import CreateIndex, CreateTable

from ..domain.dataset import Dataset, Learner, Plan
from ..domain.words import ENGLISH, Words
from ..i18n import M_, Message, text_of
from .merge import Change, describe, field_message, field_words, three_way

APP_NAME = "anywhere-learning-workbench"
#: Set this environment variable to a file path to use that store instead of the default one.
DB_ENV = "WORKBENCH_DB"
#: How many previous versions of each learner or plan the history table keeps.
HISTORY_PER_RECORD = 50
#: How long one attempt waits for another writer's lock (seconds), and how many attempts a save
#: makes: a locked store costs a click about a second, never the server's event loop for long.
BUSY_TIMEOUT = 0.25
BUSY_ATTEMPTS = 3
#: Opening a store that still needs its tables (first open, an upgrade) may wait longer: several
#: processes creating one store at once take turns.
OPEN_ATTEMPTS = 40
#: ``PRAGMA user_version`` of the current layout (1: versions and tombstones).
SCHEMA_VERSION = 1

metadata = MetaData()

learners_table = Table(
    "learners", metadata,
    Column("learner_id", String, primary_key=True),
    Column("data", Text, nullable=False),
    Column("updated_at", String, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
)
plans_table = Table(
    "plans", metadata,
    Column("plan_id", String, primary_key=True),
    Column("learner_id", String, nullable=False, index=True),
    Column("data", Text, nullable=False),
    # creation order: a plan keeps its position when it is saved again
    Column("position", Integer, nullable=False),
    Column("updated_at", String, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
)
meta_table = Table(
    "meta", metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)
history_table = Table(
    "history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String, nullable=False),  # "learner" or "plan"
    Column("record_id", String, nullable=False, index=True),
    Column("data", Text, nullable=False),
    Column("saved_at", String, nullable=False),  # when this version was written
    Column("replaced_at", String, nullable=False),  # when it was replaced or deleted
    Column("reason", String, nullable=False),  # "changed" or "deleted"
    Column("version", Integer, nullable=True),  # the version this was (None: before versions)
)
tombstones_table = Table(
    "tombstones", metadata,
    Column("kind", String, nullable=False),
    Column("record_id", String, nullable=False),
    Column("learner_id", String, nullable=False),
    Column("version", Integer, nullable=False),  # the version that was deleted
    Column("deleted_at", String, nullable=False),
    PrimaryKeyConstraint("kind", "record_id"),
)
# columns added after the first release: (table, column, SQL type and default)
_ADDED_COLUMNS = [
    ("learners", "version", "INTEGER NOT NULL DEFAULT 1"),
    ("plans", "version", "INTEGER NOT NULL DEFAULT 1"),
    ("history", "version", "INTEGER"),
]


# ---- errors, in plain words ------------------------------------------------------------------
class NotFoundError(KeyError):
    """A learner or plan that is not in the store; ``str()`` is a readable sentence, and
    ``text(words)`` the same in the reader's language."""

    def __str__(self) -> str:
        # KeyError's own str() wraps the message in quotes
        return str(self.args[0]) if self.args else "not found"

    def text(self, words: Words = ENGLISH) -> str:
        return text_of(self.args[0], words) if self.args else str(self)


class StoreError(Exception):
    """The store could not do what was asked; ``str()`` is one plain sentence for a person (in
    English), ``text(words)`` the same sentence in the reader's language."""

    def __init__(self, message: str | Message, path: Path | None = None):
        super().__init__(str(message))
        self.said = message if isinstance(message, Message) else None
        self.path = path

    def text(self, words: Words = ENGLISH) -> str:
        return self.said.render(words) if self.said is not None else str(self)


class StoreBusy(StoreError):
    """Another window or program held the store's write lock for longer than a save waits."""


class SaveRefused(StoreError):
    """A save that was not written because the record changed or went away elsewhere.

    ``reason`` is ``"changed"`` (both edits changed the same field), ``"deleted"`` (the learner
    or plan was deleted elsewhere) or ``"limit"`` (the learner already has the most plans
    allowed); ``current`` is what the store holds now (None when deleted or for ``"limit"``),
    ``elsewhere`` the changes made elsewhere since the save's base, ``clashes`` the fields both
    changed.
    """

    def __init__(self, message: str | Message, *, reason: str, kind: str, record_id: str,
                 current: Stored | None = None, elsewhere: tuple[Change, ...] = (),
                 clashes: tuple[str, ...] = (), path: Path | None = None):
        super().__init__(message, path)
        self.reason = reason
        self.kind = kind
        self.record_id = record_id
        self.current = current
        self.elsewhere = elsewhere
        self.clashes = clashes


_BUSY = M_("The saved work is busy (another window or program is saving). Your change was "
           "not saved; please try again.")
#: The busy message in English (``StoreBusy.text(words)`` says it in the session's language).
BUSY_MESSAGE = str(_BUSY)
_PLAIN = {
    # SQLite's primary result codes -> what a family is told
    5: _BUSY,  # SQLITE_BUSY
    6: _BUSY,  # SQLITE_LOCKED
    13: M_("There is no room left on the disk for the saved work. Your change was not saved; "
           "free some space and try again."),  # SQLITE_FULL
    11: M_("The saved-work file is damaged and cannot be read. Nothing was changed; restore it "
           "from a backup or start a new one with --db."),  # SQLITE_CORRUPT
    26: M_("The saved-work file is not a workbench store (it may be damaged). Nothing was "
           "changed; choose another file with --db."),  # SQLITE_NOTADB
    8: M_("The saved-work file can only be read, not written. Your change was not saved."),
    3: M_("The workbench is not allowed to use the saved-work file. Your change was not saved."),
    14: M_("The saved-work file cannot be opened (its folder may be missing or not writable). "
           "Nothing was changed."),  # SQLITE_CANTOPEN
    10: M_("The disk could not read or write the saved work. Your change was not saved; please "
           "try again."),  # SQLITE_IOERR
}
_GENERIC = M_("The saved work could not be read or written (an unexpected problem with the "
              "file). Your change was not saved.")


def plain_error(err: BaseException, path: Path | None = None) -> StoreError:
    """The StoreError to show for a database or file error, in plain words."""
    if isinstance(err, StoreError):
        return err
    orig = getattr(err, "orig", None) or err
    code = getattr(orig, "sqlite_errorcode", None)
    text = str(orig).lower()
    if code is None:
        if "locked" in text or "busy" in text:
            code = 5
        elif "full" in text:
            code = 13
        elif "not a database" in text:
            code = 26
        elif "malformed" in text:
            code = 11
        elif "readonly" in text or "read-only" in text:
            code = 8
        elif "unable to open" in text:
            code = 14
    if isinstance(orig, OSError) and not isinstance(orig, sqlite3.Error):
        import errno

        code = {errno.ENOSPC: 13, errno.EACCES: 3, errno.EPERM: 3, errno.EROFS: 8}.get(
            orig.errno, 10)
    message = _PLAIN.get((code or 0) & 0xFF, _GENERIC)
    cls = StoreBusy if message is _BUSY else StoreError
    return cls(message, path)


def _is_busy(err: BaseException) -> bool:
    orig = getattr(err, "orig", None) or err
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (5, 6)
    return "locked" in str(orig).lower() or "busy" in str(orig).lower()


# ---- what a read gives and a save returns ------------------------------------------------------
R = TypeVar("R", Learner, Plan)


@dataclasses.dataclass(frozen=True)
class Stored:
    """A learner or plan as the store holds it, with its version: what a later save is based on."""

    record: Learner | Plan
    version: int


@dataclasses.dataclass(frozen=True)
class Saved:
    """A save that was written (or had nothing to write).

    ``stored`` is what the store holds now; ``elsewhere`` what had changed elsewhere since the
    save's base and was kept alongside it (empty for an ordinary save); ``said`` says so as a
    sentence (None for an ordinary save): ``message`` in English, ``text(words)`` in any
    language.
    """

    stored: Stored
    elsewhere: tuple[Change, ...] = ()
    said: Message | None = None

    @property
    def message(self) -> str:
        return str(self.said) if self.said is not None else ""

    def text(self, words: Words = ENGLISH) -> str:
        return self.said.render(words) if self.said is not None else ""

    @property
    def merged(self) -> bool:
        return bool(self.elsewhere)


def default_db_path(data_dir: str | os.PathLike) -> Path:
    """The store file for a data directory: one per directory, under the user's data folder.

    Parameters
    ----------
    data_dir
        The data directory whose learners and plans the store keeps.

    Returns
    -------
    Path
        ``$WORKBENCH_DB`` when set; else ``<user data dir>/<dir name>-<hash>.sqlite``, where the
        short hash of the resolved path keeps two directories with the same name apart. The file
        and its folder are not created here.
    """
    override = os.environ.get(DB_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    resolved = Path(data_dir).expanduser().resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:10]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", resolved.name).strip("-.") or "data"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / f"{stem}-{digest}.sqlite"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _serialise(obj: Learner | Plan) -> str:
    # allow_nan=False: NaN is not JSON, and a store that other tools read must stay valid JSON
    return json.dumps(obj.to_dict(), ensure_ascii=False, allow_nan=False, sort_keys=True)


def _dumps(d: dict) -> str:
    return json.dumps(d, ensure_ascii=False, allow_nan=False, sort_keys=True)


# One engine per file, shared by every Store on it (a Panel server opens one Store per session);
# the count lets the last close() dispose of the engine.
_ENGINES: dict[str, tuple[Engine, int]] = {}
_ENGINES_LOCK = threading.Lock()


def _acquire_engine(path: Path) -> Engine:
    key = str(path)
    with _ENGINES_LOCK:
        if key in _ENGINES:
            engine, count = _ENGINES[key]
            _ENGINES[key] = (engine, count + 1)
            return engine
        engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT},
        )
        _configure(engine)
        _ENGINES[key] = (engine, 1)
        return engine


def _release_engine(path: Path) -> None:
    key = str(path)
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            return
        engine, count = _ENGINES[key]
        if count <= 1:
            del _ENGINES[key]
            engine.dispose()
        else:
            _ENGINES[key] = (engine, count - 1)


def _configure(engine: Engine) -> None:
    """Durable commits, short lock waits, and transactions SQLAlchemy controls."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # take transaction control from the sqlite3 module so BEGIN is emitted by us, below
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # FULL: with WAL, each commit syncs the log, so an acknowledged save survives power loss
        # (NORMAL only promises the file stays whole). journal_mode=WAL is set once, in the file,
        # when the store is created (see _ensure_schema): changing it needs an exclusive lock.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # writers take the write lock at BEGIN, so read-then-write (versions, limits, history) is
        # atomic across threads and processes; readers never block anyone under WAL
        immediate = conn.get_execution_options().get("workbench_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


T = TypeVar("T")


class Store:
    """Learners and plans in a local SQLite file; safe to share across a Panel server's sessions
    and with other processes (the CLI, another server) on the same file.

    Parameters
    ----------
    path
        The SQLite file; it and its folder are created when missing.
    attempts
        How many times a read or save tries when another program holds the store locked (each
        try waits up to ``BUSY_TIMEOUT`` seconds) before :class:`StoreBusy`.

    Raises
    ------
    StoreError
        The file cannot be opened or created, in plain words.

    Examples
    --------
    >>> with Store(tmp_path / "work.sqlite") as store:  # doctest: +SKIP
    ...     store.seed_from(load_dataset(SAMPLE_DATA))
    ...     store.learners()[0].name
    """

    def __init__(self, path: str | os.PathLike, attempts: int = BUSY_ATTEMPTS):
        self.path = Path(path).expanduser().resolve()
        self.attempts = max(1, int(attempts))
        # (kind, id) -> (version, stored dict) this Store last read or wrote: the base of a save
        # that does not name one, so read-change-save code is versioned without bookkeeping
        self._seen: dict[tuple[str, str], tuple[int, dict]] = {}
        self._seen_lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise plain_error(err, self.path) from None
        self._engine: Engine | None = _acquire_engine(self.path)
        try:
            self._ensure_schema()
        except BaseException:
            self.close()
            raise

    # ---- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Release the file (the engine is disposed when the last Store on it closes)."""
        if self._engine is not None:
            self._engine = None
            _release_engine(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError(f"The store {self.path} is closed.")
        return self._engine

    def _transact(self, work: Callable[..., T], *, write: bool, attempts: int | None = None) -> T:
        """Run ``work(conn)`` in one transaction, retrying while the store is locked.

        A write takes the write lock at BEGIN (IMMEDIATE). Errors leave as StoreError in plain
        words; SaveRefused and NotFoundError pass through (the transaction is rolled back).
        """
        attempts = attempts or self.attempts
        for attempt in range(attempts):
            try:
                conn = self.engine.connect()
                try:
                    if write:
                        conn.execution_options(workbench_write=True)
                    with conn.begin():
                        return work(conn)
                finally:
                    conn.close()
            except (StoreError, NotFoundError, RuntimeError, ValueError, TypeError):
                raise
            except (sa_exc.DBAPIError, sqlite3.Error, OSError) as err:
                if _is_busy(err) and attempt + 1 < attempts:
                    # back off a little, with jitter, so two waiting writers do not collide again
                    time.sleep(0.02 * (attempt + 1) + random.uniform(0, 0.03))
                    continue
                raise plain_error(err, self.path) from None
        raise StoreBusy(_BUSY, self.path)  # pragma: no cover - the loop returns or raises

    def _ensure_schema(self) -> None:
        """Create or upgrade the tables once, under the write lock; a current store needs none."""

        def current(conn) -> bool:
            version = conn.exec_driver_sql("PRAGMA user_version").scalar()
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            return version == SCHEMA_VERSION and str(mode).lower() == "wal"

        if self._transact(current, write=False, attempts=OPEN_ATTEMPTS):
            return
        self._set_wal()
        self._transact(self._create_tables, write=True, attempts=OPEN_ATTEMPTS)

    def _set_wal(self) -> None:
        """Put the file in WAL mode (kept in the file); retried while another opener holds it."""
        for attempt in range(OPEN_ATTEMPTS):
            try:
                raw = self.engine.raw_connection()
                try:
                    # outside any transaction: the mode cannot change inside one
                    mode = raw.driver_connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                finally:
                    raw.close()
                if str(mode).lower() == "wal":
                    return
            except (sa_exc.DBAPIError, sqlite3.Error, OSError) as err:
                if not _is_busy(err):
                    raise plain_error(err, self.path) from None
            time.sleep(0.02 * (attempt % 5 + 1) + random.uniform(0, 0.03))
        raise StoreBusy(_BUSY, self.path)

    @staticmethod
    def _create_tables(conn) -> None:
        # every statement is idempotent, and all run under one write lock, so any number of
        # processes may open (and create) the same new store at once
        if conn.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION:
            return
        for table in metadata.sorted_tables:
            conn.execute(CreateTable(table, if_not_exists=True))
        for table, column, decl in _ADDED_COLUMNS:
            have = {r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({table})")}
            if column not in have:
                conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
        for table in metadata.sorted_tables:
            for index in table.indexes:
                conn.execute(CreateIndex(index, if_not_exists=True))
        conn.exec_driver_sql(f"PRAGMA user_version={SCHEMA_VERSION}")

    # ---- seeding ---------------------------------------------------------------------------
    def seed_from(self, dataset: Dataset) -> bool:
        """Copy a dataset's learners and plans in, the first time only.

        Later calls do nothing (and take no lock), so edits made in the app are never overwritten
        by the files.

        Returns
        -------
        bool
            True if this call seeded the store.
        """
        if self.seeded:
            return False
        learners = [(lr.learner_id, _serialise(lr)) for lr in dataset.learners.values()]
        plans = [(p.plan_id, p.learner_id, _serialise(p)) for p in dataset.plans.values()]

        def work(conn) -> bool:
            if conn.execute(select(meta_table.c.value).where(
                    meta_table.c.key == "seeded_at")).first() is not None:
                return False
            now = _now()
            for learner_id, data in learners:
                conn.execute(sqlite_insert(learners_table).values(
                    learner_id=learner_id, data=data, updated_at=now, version=1,
                ).on_conflict_do_nothing())
            position = self._next_position(conn)
            for plan_id, learner_id, data in plans:
                result = conn.execute(sqlite_insert(plans_table).values(
                    plan_id=plan_id, learner_id=learner_id, data=data, position=position,
                    updated_at=now, version=1,
                ).on_conflict_do_nothing())
                position += result.rowcount
            self._set_meta(conn, "seeded_at", now)
            self._set_meta(conn, "seeded_from", str(dataset.root or ""))
            return True

        return self._transact(work, write=True)

    @property
    def seeded(self) -> bool:
        """Whether the store has been seeded from a data directory."""
        return self.get_meta("seeded_at") is not None

    def get_meta(self, key: str) -> str | None:
        """A value recorded about the store (e.g. ``seeded_from``), or None."""

        def work(conn):
            return conn.execute(select(meta_table.c.value).where(meta_table.c.key == key)).first()

        row = self._transact(work, write=False)
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Record a value about the store (e.g. the catalogue a user imported)."""
        self._transact(lambda conn: self._set_meta(conn, key, value), write=True)

    @staticmethod
    def _set_meta(conn, key: str, value: str) -> None:
        stmt = sqlite_insert(meta_table).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"],
                                                set_={"value": stmt.excluded.value}))

    # ---- reading ---------------------------------------------------------------------------
    def _remember(self, kind: str, record_id: str, version: int, data: dict) -> None:
        with self._seen_lock:
            self._seen[(kind, record_id)] = (version, data)

    def _forget(self, kind: str, record_id: str) -> None:
        with self._seen_lock:
            self._seen.pop((kind, record_id), None)

    def _rows(self, kind: str, where=None, order=None) -> list[tuple[str, int, dict]]:
        table, key = self._table(kind)

        def work(conn):
            stmt = select(key, table.c.version, table.c.data)
            if where is not None:
                stmt = stmt.where(where)
            if order is not None:
                stmt = stmt.order_by(order)
            return conn.execute(stmt).all()

        out = []
        for record_id, version, data in self._transact(work, write=False):
            d = json.loads(data)
            self._remember(kind, record_id, int(version), d)
            out.append((record_id, int(version), d))
        return out

    def read_learner(self, learner_id: str) -> Stored:
        """One learner with its version (what a later ``save_learner(..., base=)`` is based on).

        Raises
        ------
        NotFoundError
            (a KeyError) when there is no such learner.
        """
        rows = self._rows("learner", learners_table.c.learner_id == learner_id)
        if not rows:
            raise NotFoundError(M_("There is no learner {learner} in the local store {path}.",
                                   learner=repr(learner_id), path=str(self.path)))
        return Stored(Learner.from_dict(rows[0][2]), rows[0][1])

    def read_plans(self, learner_id: str) -> list[Stored]:
        """A learner's plans with their versions, in the order they were created."""
        rows = self._rows("plan", plans_table.c.learner_id == learner_id, plans_table.c.position)
        return [Stored(Plan.from_dict(d), v) for _, v, d in rows]

    def read_plan(self, plan_id: str) -> Stored:
        """One plan with its version.

        Raises
        ------
        NotFoundError
            (a KeyError) when there is no such plan.
        """
        rows = self._rows("plan", plans_table.c.plan_id == plan_id)
        if not rows:
            raise NotFoundError(M_("There is no plan {plan} in the local store {path}.",
                                   plan=repr(plan_id), path=str(self.path)))
        return Stored(Plan.from_dict(rows[0][2]), rows[0][1])

    def learners(self) -> list[Learner]:
        """Every learner, sorted by name."""
        out = [Learner.from_dict(d) for _, _, d in self._rows("learner")]
        return sorted(out, key=lambda lr: (lr.name.casefold(), lr.learner_id))

    def learner(self, learner_id: str) -> Learner:
        """One learner.

        Raises
        ------
        NotFoundError
            (a KeyError) when there is no such learner.
        """
        return self.read_learner(learner_id).record

    def plans_for(self, learner_id: str) -> list[Plan]:
        """A learner's plans in the order they were created (empty for an unknown learner)."""
        return [s.record for s in self.read_plans(learner_id)]

    def plans(self) -> list[Plan]:
        """Every plan of every learner, in creation order."""
        return [Plan.from_dict(d) for _, _, d in self._rows("plan", order=plans_table.c.position)]

    def plan(self, plan_id: str) -> Plan:
        """One plan.

        Raises
        ------
        NotFoundError
            (a KeyError) when there is no such plan.
        """
        return self.read_plan(plan_id).record

    def was_deleted(self, kind: str, record_id: str) -> bool:
        """Whether a learner or plan (``kind`` "learner" or "plan") was deleted from this store."""
        t = tombstones_table.c

        def work(conn):
            return conn.execute(select(t.record_id).where(
                t.kind == kind, t.record_id == record_id)).first()

        return self._transact(work, write=False) is not None

    # ---- saving ----------------------------------------------------------------------------
    def save_learner(self, learner: Learner, base: Stored | None = None) -> Saved:
        """Save a learner based on the version ``base`` (see the module docstring).

        Parameters
        ----------
        learner
            The learner as this save wants it.
        base
            The version the change was made to; None: the version this Store last read or wrote
            of that learner (a learner it never read is written as given).

        Returns
        -------
        Saved
            What the store holds now, and what changed elsewhere that was merged in.

        Raises
        ------
        SaveRefused
            The learner was deleted elsewhere, or both edits changed the same field.
        StoreError
            The store is busy, full or damaged; nothing was written.
        """
        return self._save([("learner", learner, base, None)])[0]

    def save_plan(self, plan: Plan, base: Stored | None = None,
                  limit: int | None = None) -> Saved:
        """Save a plan based on the version ``base``; its learner must already be in the store.

        ``limit``: the most plans a learner may have; adding one beyond it is refused (counted
        inside the write transaction, so sessions racing each other cannot pass it). Raises as
        :meth:`save_learner`, plus NotFoundError when the plan's learner is not in the store.
        """
        return self._save([("plan", plan, base, limit)])[0]

    def save_many(self, learners: Iterable[Learner] = (), plans: Iterable[Plan] = (),
                  *, restore: bool = False) -> list[Saved]:
        """Save learners and plans in one transaction: all of them, or none.

        Everything is serialised before the transaction starts; any failure (an object that
        cannot be serialised, a plan whose learner is not in the store, a refused save) rolls
        back and leaves the previous versions intact. Each is based on the version this Store
        last read or wrote of it. ``restore=True`` brings back deleted records (e.g. from
        :meth:`history`).

        Raises
        ------
        NotFoundError
            A plan's learner is neither in the store nor among ``learners``.
        SaveRefused, StoreError
            As :meth:`save_learner`.
        """
        items = [("learner", lr, None, None) for lr in learners]
        items += [("plan", p, None, None) for p in plans]
        return self._save(items, restore=restore)

    def _save(self, items, restore: bool = False) -> list[Saved]:
        # serialise before the transaction: a NaN or an unserialisable value changes nothing
        prepared = []
        for kind, obj, base, limit in items:
            data = _serialise(obj)
            record_id = obj.learner_id if kind == "learner" else obj.plan_id
            if base is None:
                with self._seen_lock:
                    seen = self._seen.get((kind, record_id))
            else:
                seen = (int(base.version), base.record.to_dict())
            prepared.append((kind, record_id, obj, data, seen, limit))
        if not prepared:
            return []
        written: list[tuple[str, str, int, dict]] = []

        def work(conn) -> list[Saved]:
            written.clear()
            now = _now()
            position = self._next_position(conn)
            out = []
            for kind, record_id, obj, data, seen, limit in prepared:
                saved, new_position = self._save_one(conn, kind, record_id, obj, data, seen,
                                                     limit, now, position, restore)
                position = new_position
                written.append((kind, record_id, saved.stored.version,
                                saved.stored.record.to_dict()))
                out.append(saved)
            return out

        result = self._transact(work, write=True)
        for kind, record_id, version, d in written:
            self._remember(kind, record_id, version, d)
        return result

    def _save_one(self, conn, kind, record_id, obj, data, seen, limit, now, position, restore):
        table, key = self._table(kind)
        cls = Learner if kind == "learner" else Plan
        row = conn.execute(select(table.c.data, table.c.version, table.c.updated_at).where(
            key == record_id)).first()
        if row is None:
            t = tombstones_table.c
            gone = conn.execute(select(t.version).where(
                t.kind == kind, t.record_id == record_id)).first()
            if (gone is not None or seen is not None) and not restore:
                # deleted elsewhere (a tombstone), or gone without one (a store from before
                # tombstones): either way a save must not bring it back
                self._forget(kind, record_id)
                raise SaveRefused(self._deleted_words(kind, obj), reason="deleted", kind=kind,
                                  record_id=record_id, path=self.path)
            if kind == "plan":
                self._check_learner(conn, obj)
                if limit is not None:
                    count = conn.execute(select(func.count()).select_from(plans_table).where(
                        plans_table.c.learner_id == obj.learner_id)).scalar_one()
                    if count >= limit:
                        learner = self._learner_name(conn, obj.learner_id)
                        raise SaveRefused(
                            M_("{learner} already has {count} plans (some were made in another "
                               "window or program), and {limit} is the most; delete one "
                               "first. Nothing was added.", learner=learner, count=count,
                               limit=limit), reason="limit", kind=kind,
                            record_id=record_id, path=self.path)
            conn.execute(delete(tombstones_table).where(
                tombstones_table.c.kind == kind, tombstones_table.c.record_id == record_id))
            values = {key.name: record_id, "data": data, "updated_at": now, "version": 1}
            if kind == "plan":
                values.update(learner_id=obj.learner_id, position=position)
                position += 1
            conn.execute(table.insert().values(**values))
            return Saved(Stored(obj, 1)), position

        current_version = int(row.version)
        current = json.loads(row.data)
        new_data, elsewhere, message = data, (), None
        if seen is not None and seen[0] != current_version:
            merge = three_way(kind, seen[1], json.loads(data), current)
            if merge.data is None:
                owner = self._owner_words(kind, current)
                mine = tuple(field_message(kind, f) for f in sorted(
                    {f.partition(".")[0] for f in merge.clashes}
                    | {c.field.partition(".")[0] for c in merge.mine},
                    key=lambda f: field_words(kind, f)))
                raise SaveRefused(
                    M_("Someone else changed {what} while you were editing; your change to the "
                       "{fields} was not saved. The newer version is shown.",
                       what=describe(kind, owner, merge.elsewhere), fields=mine),
                    reason="changed", kind=kind, record_id=record_id,
                    current=Stored(cls.from_dict(current), current_version),
                    elsewhere=merge.elsewhere, clashes=merge.clashes, path=self.path)
            new_data, elsewhere = _dumps(merge.data), merge.elsewhere
            if merge.mine:
                owner = self._owner_words(kind, current)
                message = M_("Saved. Meanwhile someone else changed {what}; both changes are "
                             "kept.", what=describe(kind, owner, elsewhere))
        if kind == "plan":
            self._check_learner(conn, cls.from_dict(json.loads(new_data)))
        if new_data == row.data or json.loads(new_data) == current:
            # nothing new to write (an autosave, or a change already made elsewhere)
            if elsewhere and not message:
                owner = self._owner_words(kind, current)
                message = M_("Someone else changed {what}; the newer version is shown.",
                             what=describe(kind, owner, elsewhere))
            return Saved(Stored(cls.from_dict(current), current_version), elsewhere,
                         message), position
        version = current_version + 1
        self._keep_previous(conn, kind, record_id, row, now, "changed")
        values = {"data": new_data, "updated_at": now, "version": version}
        if kind == "plan":
            values["learner_id"] = json.loads(new_data)["learner_id"]
        conn.execute(table.update().where(key == record_id).values(**values))
        return Saved(Stored(cls.from_dict(json.loads(new_data)), version), elsewhere,
                     message), position

    @staticmethod
    def _check_learner(conn, plan: Plan) -> None:
        known = conn.execute(select(learners_table.c.learner_id).where(
            learners_table.c.learner_id == plan.learner_id)).first()
        if known is None:
            raise NotFoundError(M_("Plan {plan} belongs to learner {learner}, who is not in the "
                                   "local store; save the learner first.",
                                   plan=repr(plan.plan_id), learner=repr(plan.learner_id)))

    @staticmethod
    def _learner_name(conn, learner_id: str) -> str:
        row = conn.execute(select(learners_table.c.data).where(
            learners_table.c.learner_id == learner_id)).first()
        name = json.loads(row[0]).get("name") if row else None
        return name or M_("This learner")

    @staticmethod
    def _owner_words(kind: str, data: dict) -> str | Message:
        if kind == "learner":
            return data.get("name") or M_("this learner")
        return M_('the plan "{name}"', name=data.get("name", ""))

    @staticmethod
    def _deleted_words(kind: str, obj) -> Message:
        if kind == "learner":
            return M_("{name} was deleted in another window or program; your change was not "
                      "saved.", name=obj.name)
        return M_('This plan ("{name}") was deleted in another window or program; your change '
                  "was not saved.", name=obj.name)

    # ---- deleting --------------------------------------------------------------------------
    def delete_learner(self, learner_id: str) -> bool:
        """Delete a learner and all their plans (kept in history); False if there was none.

        The deletion leaves tombstones: a stale save of the learner or a plan is refused.
        """

        def work(conn) -> bool:
            now = _now()
            plan_ids = conn.execute(select(plans_table.c.plan_id).where(
                plans_table.c.learner_id == learner_id)).scalars().all()
            for plan_id in plan_ids:
                self._delete_row(conn, "plan", plan_id, now)
            return self._delete_row(conn, "learner", learner_id, now)

        done = self._transact(work, write=True)
        self._forget("learner", learner_id)
        return done

    def delete_plan(self, plan_id: str) -> bool:
        """Delete a plan (kept in history, with a tombstone); False if there was none."""
        done = self._transact(lambda conn: self._delete_row(conn, "plan", plan_id, _now()),
                              write=True)
        self._forget("plan", plan_id)
        return done

    def new_id(self, prefix: str) -> str:
        """A new id like ``L-3f9c2a1b`` never used by any learner or plan in the store."""
        t = tombstones_table.c
        while True:
            candidate = f"{prefix}-{uuid.uuid4().hex[:8]}"

            def work(conn, candidate=candidate):
                return conn.execute(select(learners_table.c.learner_id).where(
                    learners_table.c.learner_id == candidate)).first() or conn.execute(
                    select(plans_table.c.plan_id).where(
                        plans_table.c.plan_id == candidate)).first() or conn.execute(
                    select(t.record_id).where(t.record_id == candidate)).first()

            if not self._transact(work, write=False):
                return candidate

    # ---- history ---------------------------------------------------------------------------
    def history(self, record_id: str) -> list[dict]:
        """Previous versions of a learner or plan, newest first.

        Each item has ``kind``, ``data`` (the stored dict), ``version``, ``saved_at``,
        ``replaced_at`` and ``reason`` (``"changed"`` or ``"deleted"``). Pass ``data`` to
        ``Learner.from_dict`` or ``Plan.from_dict`` and save with ``save_many(...,
        restore=True)`` to bring a version back.
        """
        h = history_table.c

        def work(conn):
            return conn.execute(select(h.kind, h.data, h.version, h.saved_at, h.replaced_at,
                                       h.reason).where(h.record_id == record_id)
                                .order_by(h.id.desc())).all()

        return [{"kind": r.kind, "data": json.loads(r.data), "version": r.version,
                 "saved_at": r.saved_at, "replaced_at": r.replaced_at, "reason": r.reason}
                for r in self._transact(work, write=False)]

    # ---- helpers (inside a write transaction) ----------------------------------------------
    @staticmethod
    def _next_position(conn) -> int:
        return int(conn.execute(select(func.coalesce(func.max(plans_table.c.position), -1))
                                ).scalar_one()) + 1

    @staticmethod
    def _table(kind: str):
        table = learners_table if kind == "learner" else plans_table
        key = table.c.learner_id if kind == "learner" else table.c.plan_id
        return table, key

    def _keep_previous(self, conn, kind: str, record_id: str, row, now: str,
                       reason: str) -> None:
        """Copy the stored version of a record (``row``) to history, keeping the newest few."""
        conn.execute(history_table.insert().values(
            kind=kind, record_id=record_id, data=row.data, saved_at=row.updated_at,
            replaced_at=now, reason=reason, version=row.version))
        h = history_table.c
        keep = select(h.id).where(h.record_id == record_id).order_by(h.id.desc()).limit(
            HISTORY_PER_RECORD).scalar_subquery()
        conn.execute(delete(history_table).where(h.record_id == record_id, h.id.not_in(keep)))

    def _delete_row(self, conn, kind: str, record_id: str, now: str) -> bool:
        table, key = self._table(kind)
        row = conn.execute(select(table.c.data, table.c.version, table.c.updated_at).where(
            key == record_id)).first()
        if row is None:
            return False
        self._keep_previous(conn, kind, record_id, row, now, "deleted")
        learner_id = json.loads(row.data).get("learner_id", record_id)
        stmt = sqlite_insert(tombstones_table).values(
            kind=kind, record_id=record_id, learner_id=learner_id, version=row.version,
            deleted_at=now)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["kind", "record_id"],
            set_={"version": stmt.excluded.version, "deleted_at": stmt.excluded.deleted_at}))
        conn.execute(delete(table).where(key == record_id))
        return True
