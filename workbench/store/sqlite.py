"""The local store: learners and plans a family and advocate edit, kept in one SQLite file.

The catalogue stays in the data directory's files (read-only); what people change — learners and
their plans — lives here, seeded once from the data directory and then never overwritten from it.
Every save serialises first and writes in one short transaction, so a failed save leaves the
previous version intact; replaced and deleted versions go to a small history table so a user's
work is never lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path

import platformdirs
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain.dataset import Dataset, Learner, Plan

APP_NAME = "anywhere-learning-workbench"
#: Set this environment variable to a file path to use that store instead of the default one.
DB_ENV = "WORKBENCH_DB"
#: How many previous versions of each learner or plan the history table keeps.
HISTORY_PER_RECORD = 50

metadata = MetaData()

learners_table = Table(
    "learners", metadata,
    Column("learner_id", String, primary_key=True),
    Column("data", Text, nullable=False),
    Column("updated_at", String, nullable=False),
)
plans_table = Table(
    "plans", metadata,
    Column("plan_id", String, primary_key=True),
    Column("learner_id", String, nullable=False, index=True),
    Column("data", Text, nullable=False),
    # creation order: a plan keeps its position when it is saved again
    Column("position", Integer, nullable=False),
    Column("updated_at", String, nullable=False),
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
)


class NotFoundError(KeyError):
    """A learner or plan that is not in the store; ``str()`` is a readable sentence."""

    def __str__(self) -> str:
        # KeyError's own str() wraps the message in quotes
        return str(self.args[0]) if self.args else "not found"


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
            connect_args={"check_same_thread": False, "timeout": 30},
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
    """WAL, and transactions SQLAlchemy controls (pysqlite's own BEGIN handling is lazy)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # take transaction control from the sqlite3 module so BEGIN is emitted by us, below
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # writers take the write lock at BEGIN, so read-then-write (positions, history) is atomic
        # across threads and processes; readers never block anyone under WAL
        immediate = conn.get_execution_options().get("workbench_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Store:
    """Learners and plans in a local SQLite file; safe to share across a Panel server's sessions.

    Parameters
    ----------
    path
        The SQLite file; it and its folder are created when missing.

    Examples
    --------
    >>> with Store(tmp_path / "work.sqlite") as store:  # doctest: +SKIP
    ...     store.seed_from(load_dataset(SAMPLE_DATA))
    ...     store.learners()[0].name
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path).expanduser().resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._engine: Engine | None = _acquire_engine(self.path)
        metadata.create_all(self._engine)

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

    def _read(self):
        return self.engine.begin()

    def _write(self):
        conn = self.engine.connect()
        conn.execution_options(workbench_write=True)
        return _WriteTransaction(conn)

    # ---- seeding ---------------------------------------------------------------------------
    def seed_from(self, dataset: Dataset) -> bool:
        """Copy a dataset's learners and plans in, the first time only.

        Later calls do nothing, so edits made in the app are never overwritten by the files.

        Returns
        -------
        bool
            True if this call seeded the store.
        """
        learners = [(lr.learner_id, _serialise(lr)) for lr in dataset.learners.values()]
        plans = [(p.plan_id, p.learner_id, _serialise(p)) for p in dataset.plans.values()]
        with self._write() as conn:
            if conn.execute(select(meta_table.c.value).where(
                    meta_table.c.key == "seeded_at")).first() is not None:
                return False
            now = _now()
            for learner_id, data in learners:
                conn.execute(sqlite_insert(learners_table).values(
                    learner_id=learner_id, data=data, updated_at=now,
                ).on_conflict_do_nothing())
            position = self._next_position(conn)
            for plan_id, learner_id, data in plans:
                result = conn.execute(sqlite_insert(plans_table).values(
                    plan_id=plan_id, learner_id=learner_id, data=data, position=position,
                    updated_at=now,
                ).on_conflict_do_nothing())
                position += result.rowcount
            self._set_meta(conn, "seeded_at", now)
            self._set_meta(conn, "seeded_from", str(dataset.root or ""))
        return True

    @property
    def seeded(self) -> bool:
        """Whether the store has been seeded from a data directory."""
        return self.get_meta("seeded_at") is not None

    def get_meta(self, key: str) -> str | None:
        """A value recorded about the store (e.g. ``seeded_from``), or None."""
        with self._read() as conn:
            row = conn.execute(select(meta_table.c.value).where(meta_table.c.key == key)).first()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Record a value about the store (e.g. the catalogue a user imported)."""
        with self._write() as conn:
            self._set_meta(conn, key, value)

    @staticmethod
    def _set_meta(conn, key: str, value: str) -> None:
        stmt = sqlite_insert(meta_table).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"],
                                                set_={"value": stmt.excluded.value}))

    # ---- learners --------------------------------------------------------------------------
    def learners(self) -> list[Learner]:
        """Every learner, sorted by name."""
        with self._read() as conn:
            rows = conn.execute(select(learners_table.c.data)).scalars().all()
        out = [Learner.from_dict(json.loads(r)) for r in rows]
        return sorted(out, key=lambda lr: (lr.name.casefold(), lr.learner_id))

    def learner(self, learner_id: str) -> Learner:
        """One learner.

        Raises
        ------
        NotFoundError
            (a KeyError) when there is no such learner.
        """
        return Learner.from_dict(self._one(learners_table.c.learner_id, learner_id, "learner"))

    def _one(self, key_column, record_id: str, what: str) -> dict:
        """The stored JSON of one learner or plan, by id; NotFoundError when there is none."""
        with self._read() as conn:
            row = conn.execute(select(key_column.table.c.data).where(
                key_column == record_id)).first()
        if row is None:
            raise NotFoundError(f"There is no {what} {record_id!r} in the local store "
                                f"{self.path}.")
        return json.loads(row[0])

    def save_learner(self, learner: Learner) -> None:
        """Save a learner, replacing the stored version (which goes to history)."""
        self.save_many(learners=[learner])

    def delete_learner(self, learner_id: str) -> bool:
        """Delete a learner and all their plans (kept in history); False if there was none."""
        with self._write() as conn:
            plan_ids = conn.execute(select(plans_table.c.plan_id).where(
                plans_table.c.learner_id == learner_id)).scalars().all()
            for plan_id in plan_ids:
                self._delete_row(conn, "plan", plan_id)
            return self._delete_row(conn, "learner", learner_id)

    # ---- plans -----------------------------------------------------------------------------
    def plans_for(self, learner_id: str) -> list[Plan]:
        """A learner's plans in the order they were created (empty for an unknown learner)."""
        with self._read() as conn:
            rows = conn.execute(select(plans_table.c.data).where(
                plans_table.c.learner_id == learner_id).order_by(plans_table.c.position)
            ).scalars().all()
        return [Plan.from_dict(json.loads(r)) for r in rows]

    def plans(self) -> list[Plan]:
        """Every plan of every learner, in creation order."""
        with self._read() as conn:
            rows = conn.execute(select(plans_table.c.data).order_by(plans_table.c.position)
                                ).scalars().all()
        return [Plan.from_dict(json.loads(r)) for r in rows]

    def plan(self, plan_id: str) -> Plan:
        """One plan.

        Raises
        ------
        NotFoundError
            (a KeyError) when there is no such plan.
        """
        return Plan.from_dict(self._one(plans_table.c.plan_id, plan_id, "plan"))

    def save_plan(self, plan: Plan) -> None:
        """Save a plan; its learner must already be in the store."""
        self.save_many(plans=[plan])

    def delete_plan(self, plan_id: str) -> bool:
        """Delete a plan (kept in history); False if there was none."""
        with self._write() as conn:
            return self._delete_row(conn, "plan", plan_id)

    # ---- writing ---------------------------------------------------------------------------
    def save_many(self, learners: Iterable[Learner] = (), plans: Iterable[Plan] = ()) -> None:
        """Save learners and plans in one transaction: all of them, or none.

        Everything is serialised before the transaction starts; any failure (an object that
        cannot be serialised, a plan whose learner is not in the store) rolls back and leaves the
        previous versions intact.

        Raises
        ------
        NotFoundError
            A plan's learner is neither in the store nor among ``learners``.
        """
        learner_rows = [(lr.learner_id, _serialise(lr)) for lr in learners]
        plan_rows = [(p.plan_id, p.learner_id, _serialise(p)) for p in plans]
        if not learner_rows and not plan_rows:
            return
        with self._write() as conn:
            now = _now()
            for learner_id, data in learner_rows:
                self._keep_previous(conn, "learner", learner_id, now, "changed", data)
                stmt = sqlite_insert(learners_table).values(
                    learner_id=learner_id, data=data, updated_at=now)
                conn.execute(stmt.on_conflict_do_update(
                    index_elements=["learner_id"],
                    set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at}))
            position = self._next_position(conn)
            for plan_id, learner_id, data in plan_rows:
                known = conn.execute(select(learners_table.c.learner_id).where(
                    learners_table.c.learner_id == learner_id)).first()
                if known is None:
                    raise NotFoundError(f"Plan {plan_id!r} belongs to learner {learner_id!r}, "
                                        "who is not in the local store; save the learner first.")
                existed = self._keep_previous(conn, "plan", plan_id, now, "changed", data)
                stmt = sqlite_insert(plans_table).values(
                    plan_id=plan_id, learner_id=learner_id, data=data, position=position,
                    updated_at=now)
                conn.execute(stmt.on_conflict_do_update(
                    index_elements=["plan_id"],
                    set_={"learner_id": stmt.excluded.learner_id, "data": stmt.excluded.data,
                          "updated_at": stmt.excluded.updated_at}))
                position += 0 if existed else 1

    def new_id(self, prefix: str) -> str:
        """A new id like ``L-3f9c2a1b`` not used by any learner or plan in the store."""
        while True:
            candidate = f"{prefix}-{uuid.uuid4().hex[:8]}"
            with self._read() as conn:
                taken = conn.execute(select(learners_table.c.learner_id).where(
                    learners_table.c.learner_id == candidate)).first() or conn.execute(
                    select(plans_table.c.plan_id).where(
                        plans_table.c.plan_id == candidate)).first()
            if not taken:
                return candidate

    # ---- history ---------------------------------------------------------------------------
    def history(self, record_id: str) -> list[dict]:
        """Previous versions of a learner or plan, newest first.

        Each item has ``kind``, ``data`` (the stored dict), ``saved_at``, ``replaced_at`` and
        ``reason`` (``"changed"`` or ``"deleted"``). Pass ``data`` to ``Learner.from_dict`` or
        ``Plan.from_dict`` to bring a version back.
        """
        h = history_table.c
        with self._read() as conn:
            rows = conn.execute(select(h.kind, h.data, h.saved_at, h.replaced_at, h.reason).where(
                h.record_id == record_id).order_by(h.id.desc())).all()
        return [{"kind": r.kind, "data": json.loads(r.data), "saved_at": r.saved_at,
                 "replaced_at": r.replaced_at, "reason": r.reason} for r in rows]

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

    def _keep_previous(self, conn, kind: str, record_id: str, now: str, reason: str,
                       new_data: str | None = None) -> bool:
        """Copy the stored version of a record to history; False when there is none."""
        table, key = self._table(kind)
        row = conn.execute(select(table.c.data, table.c.updated_at).where(key == record_id)
                           ).first()
        if row is None:
            return False
        if row.data == new_data:
            # saving the same content again (autosave) is not a version worth keeping
            return True
        conn.execute(history_table.insert().values(
            kind=kind, record_id=record_id, data=row.data, saved_at=row.updated_at,
            replaced_at=now, reason=reason))
        h = history_table.c
        keep = select(h.id).where(h.record_id == record_id).order_by(h.id.desc()).limit(
            HISTORY_PER_RECORD).scalar_subquery()
        conn.execute(delete(history_table).where(h.record_id == record_id, h.id.not_in(keep)))
        return True

    def _delete_row(self, conn, kind: str, record_id: str) -> bool:
        if not self._keep_previous(conn, kind, record_id, _now(), "deleted"):
            return False
        table, key = self._table(kind)
        conn.execute(delete(table).where(key == record_id))
        return True


class _WriteTransaction:
    """``with``: a connection in a BEGIN IMMEDIATE transaction; commit on success, else roll back."""

    def __init__(self, conn):
        self._conn = conn
        self._tx = None

    def __enter__(self):
        self._tx = self._conn.begin()
        return self._conn

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self._tx.commit()
            else:
                self._tx.rollback()
        finally:
            self._conn.close()
        return False
