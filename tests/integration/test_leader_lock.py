"""The timer leader's lock on PostgreSQL: followers keep one connection between their tries, instead of opening
one a second each; the leader is named in pg_stat_activity; a follower takes over when the leader goes."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from bot.scheduling import leader as leader_module
from bot.scheduling.leader import LEADER_NAME, PostgresLeadership
from tests.conftest import is_postgres


class FakePostgres:
    """Just enough of PostgreSQL's advisory locks: one holder, freed when its connection closes."""

    def __init__(self) -> None:
        self.connections: list[FakeConnection] = []
        self.holder: FakeConnection | None = None

    def connect(self, _conninfo: str, **params: Any) -> FakeConnection:
        connection = FakeConnection(self, params["application_name"])
        self.connections.append(connection)
        return connection


class FakeConnection:
    def __init__(self, server: FakePostgres, name: str) -> None:
        self.server, self.name, self.closed = server, name, False

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> FakeConnection:
        if self.closed:
            raise psycopg.OperationalError("the connection is closed")
        if "pg_try_advisory_lock" in sql:
            if self.server.holder in (None, self):
                self.server.holder = self
            self._row: tuple[Any, ...] = (self.server.holder is self,)
        elif "set_config" in sql:
            self.name = params[0]
            self._row = (params[0],)
        else:  # is the lock still held by this session?
            self._row = (1 if self.server.holder is self else 0,)
        return self

    def fetchone(self) -> tuple[Any, ...]:
        return self._row

    def close(self) -> None:
        self.closed = True
        if self.server.holder is self:
            self.server.holder = None


def tries(processes: list[PostgresLeadership], count: int) -> list[bool]:
    results = []
    for _ in range(count):
        for process in processes:
            process._last_try = 0.0  # as if a second had passed since its last try
            results.append(process.check())
    return results


def test_followers_reuse_one_connection_each_while_they_wait() -> None:
    server = FakePostgres()
    processes = [PostgresLeadership("postgresql+psycopg://codev@db/codev", connect=server.connect) for _ in range(3)]
    tries(processes, 30)  # half a minute of an idle 3-process cluster
    assert len(server.connections) == 3, "one connection per process, not one per try"
    assert [c.name for c in server.connections] == [LEADER_NAME, "codev-timer-follower", "codev-timer-follower"]
    assert [p.check() for p in processes] == [True, False, False]


def test_a_follower_takes_over_on_its_own_connection_when_the_leader_goes() -> None:
    server = FakePostgres()
    processes = [PostgresLeadership("postgresql+psycopg://codev@db/codev", connect=server.connect) for _ in range(3)]
    tries(processes, 2)
    processes[0]._connection.close()  # the leader's session ends (the process died, the network dropped)
    assert processes[0].check() is False
    tries(processes[1:], 1)
    assert [p._leading for p in processes] == [False, True, False]
    assert len(server.connections) == 3, "the new leader took the lock on the connection it had"
    assert server.connections[1].name == LEADER_NAME


def test_a_failed_connection_is_replaced_at_the_next_try() -> None:
    server = FakePostgres()
    leader, follower = (PostgresLeadership("postgresql+psycopg://codev@db/codev", connect=server.connect) for _ in "ab")
    tries([leader, follower], 1)
    follower._connection.closed = True  # broken under it
    assert tries([follower], 1) == [False]  # the try fails and drops it
    tries([follower], 1)
    assert len(server.connections) == 3 and not server.connections[-1].closed


@pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL (CI runs the suite on it too)")
def test_on_postgresql_the_leader_is_named_and_followers_connect_once(database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    opened: list[str] = []
    real_connect = psycopg.connect

    def counting(*args: Any, **kwargs: Any) -> Any:
        opened.append(kwargs.get("application_name", ""))
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(leader_module.psycopg, "connect", counting)
    processes = [PostgresLeadership(database_url) for _ in range(3)]
    try:
        results = tries(processes, 10)
        assert results.count(True) == 10 and len(opened) == 3
        with real_connect(processes[0].conninfo, autocommit=True) as connection:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 1 AND l.objid = 3118298706"
                ).fetchall()
            ]
        assert names == [LEADER_NAME]
    finally:
        for process in processes:
            process.release()
