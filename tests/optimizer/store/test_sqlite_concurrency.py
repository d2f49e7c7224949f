"""SQLite as a shared file: readers see the last commit during a long write, writers queue, none fail."""

from __future__ import annotations

import threading
from pathlib import Path

from optimizer.store import DailyInsight, Store
from tests.optimizer.store.seed import ACCOUNT, seed, window_rows


def test_reader_sees_the_last_commit_while_a_sync_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with Store(url) as writer, Store(url) as dashboard:
        seed(writer)
        with writer.transaction() as session:
            writer.upsert_insights(session, window_rows(days=3))
            # Mid-transaction: the dashboard reads without waiting and without seeing half a run.
            assert dashboard.count(DailyInsight) == 0
            assert dashboard.history(ACCOUNT).empty
        assert dashboard.count(DailyInsight) == 9


def test_concurrent_writers_queue_instead_of_failing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with Store(url) as first:
        seed(first)
    errors: list[BaseException] = []
    inside = threading.Event()
    release = threading.Event()

    def slow_writer() -> None:
        try:
            with Store(url) as store, store.transaction() as session:
                store.upsert_insights(session, window_rows(days=5))
                inside.set()
                release.wait(timeout=30)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inside.wait(timeout=30)
    with Store(url) as second:
        done = threading.Event()

        def second_writer() -> None:
            try:
                with second.transaction() as session:
                    second.upsert_insights(session, window_rows(days=8, scale=3))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            done.set()

        other = threading.Thread(target=second_writer)
        other.start()
        release.set()  # the first writer commits; the second one, waiting on the lock, goes next
        thread.join(timeout=60)
        other.join(timeout=60)
        assert done.is_set() and not errors
        assert second.count(DailyInsight) == 24
        spends = second.insights_frame(ACCOUNT)["spend"]
        assert str(spends.iloc[0]) == "3.15"  # the second (later) writer's restated values won
