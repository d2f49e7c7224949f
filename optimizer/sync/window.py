"""Which days a sync pulls.

Meta keeps restating conversions for about 28 days (attribution is late), so every run re-pulls a trailing
window ending yesterday in the account's time zone; the first run of an account backfills further. Explicit
``since``/``until`` always win (a backfill, or a scheduler re-running a past date).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from optimizer.errors import InputError
from optimizer.meta.reports import DateRange

LOOKBACK_DAYS = 28
BACKFILL_DAYS = 90


def account_today(timezone_name: str, now: datetime | None = None) -> date:
    """Today's date where the ad account lives (insight days are in the account's time zone)."""
    try:
        zone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"timezone_name: unknown time zone {timezone_name!r}") from None
    return (now or datetime.now(UTC)).astimezone(zone).date()


def sync_window(
    today: date,
    *,
    since: date | None = None,
    until: date | None = None,
    last_synced: date | None = None,
    lookback_days: int = LOOKBACK_DAYS,
    backfill_days: int = BACKFILL_DAYS,
) -> DateRange:
    """The days to pull: explicit bounds, else a trailing lookback (or a backfill on the first run)."""
    if lookback_days < 1 or backfill_days < 1:
        raise InputError("lookback_days and backfill_days must be at least 1")
    end = until or today - timedelta(days=1)
    if end >= today:
        raise InputError(f"until: {end} is not a finished day (today is {today})")
    if since is None:
        if last_synced is None:
            since = end - timedelta(days=backfill_days - 1)
        else:
            since = min(last_synced + timedelta(days=1), end - timedelta(days=lookback_days - 1))
    if since > end:
        raise InputError(f"since: {since} is after until {end}")
    return DateRange(since, end)
