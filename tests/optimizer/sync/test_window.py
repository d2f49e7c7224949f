from datetime import UTC, date, datetime

import pytest

from optimizer.errors import InputError
from optimizer.sync.window import account_today, sync_window

TODAY = date(2026, 3, 31)


def test_first_run_backfills_and_later_runs_repull_the_lookback() -> None:
    first = sync_window(TODAY)
    assert (first.since, first.until, first.days) == (date(2025, 12, 31), date(2026, 3, 30), 90)
    later = sync_window(TODAY, last_synced=date(2026, 3, 29))
    assert later.until == date(2026, 3, 30) and later.days == 28
    gap = sync_window(TODAY, last_synced=date(2026, 1, 10))
    assert gap.since == date(2026, 1, 11)  # a long gap is filled, not skipped


def test_explicit_bounds_win_and_are_checked() -> None:
    w = sync_window(TODAY, since=date(2026, 3, 1), until=date(2026, 3, 5))
    assert w.days == 5
    with pytest.raises(InputError, match="since"):
        sync_window(TODAY, since=date(2026, 3, 6), until=date(2026, 3, 5))
    with pytest.raises(InputError, match="until"):
        sync_window(TODAY, until=TODAY)


def test_account_today_uses_the_account_time_zone() -> None:
    now = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
    assert account_today("America/Los_Angeles", now) == date(2026, 3, 30)
    assert account_today("Asia/Tokyo", now) == date(2026, 3, 31)
    with pytest.raises(InputError, match="time zone"):
        account_today("Mars/Olympus", now)
