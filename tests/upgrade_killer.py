"""Upgrade copies of a SQLite database, each killed by SIGKILL at a random point.

Run as ``python -m tests.upgrade_killer MODE SEED DB...``. It upgrades the first copy
whole, counting the SQL statements the upgrade runs; then upgrades each further copy
in a forked child that SIGKILLs itself just before or just after a statement drawn
at random (``random.Random(SEED)``), and prints what happened as JSON. ``MODE`` is
``kam`` (this kam's upgrade) or ``older`` (the upgrade of kam before it ran in one
transaction: the same migrations in a plain ``engine.begin()``, where Python's
sqlite3 driver commits DDL on its own).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
from collections.abc import Callable
from typing import Any

from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlmodel import SQLModel

from core.db import Engine, _alembic_config, make_engine, upgrade


def older_upgrade(engine: Engine) -> None:
    """What an older kam's env.py did."""
    config = _alembic_config(engine)
    script = ScriptDirectory.from_config(config)
    with (
        EnvironmentContext(
            config, script, fn=lambda rev, _ctx: script._upgrade_revs("head", rev)
        ) as context,
        engine.begin() as connection,
    ):
        context.configure(
            connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True
        )
        context.run_migrations()


def on_statement(engine: Engine, hook: Callable[[str], None]) -> None:
    """Call ``hook("before")`` and ``hook("after")`` around each statement."""
    event.listen(engine, "before_cursor_execute", lambda *_a: hook("before"))
    event.listen(engine, "after_cursor_execute", lambda *_a: hook("after"))


def killer(point: tuple[int, str]) -> Callable[[str], None]:
    """A statement hook that SIGKILLs this process at ``point`` (statement n, before or after)."""
    seen: list[str] = []

    def kill_at(moment: str) -> None:
        seen.append(moment)
        if (seen.count("before"), moment) == point:
            os.kill(os.getpid(), signal.SIGKILL)

    return kill_at


def main(mode: str, seed: int, paths: list[str]) -> None:
    work: Callable[[Engine], Any] = older_upgrade if mode == "older" else upgrade
    counted: list[str] = []
    first = make_engine(f"sqlite:///{paths[0]}")
    on_statement(first, counted.append)
    work(first)
    first.dispose()
    statements = counted.count("before")
    pick = random.Random(seed)
    outcomes = []
    for path in paths[1:]:
        point = (pick.randrange(statements) + 1, pick.choice(["before", "after"]))
        pid = os.fork()
        if pid == 0:
            engine = make_engine(f"sqlite:///{path}")
            on_statement(engine, killer(point))
            try:
                work(engine)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        outcomes.append({"path": path, "point": point, "killed": os.WIFSIGNALED(status)})
    print(json.dumps({"statements": statements, "outcomes": outcomes}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
