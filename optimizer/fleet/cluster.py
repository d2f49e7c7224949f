"""The Dask cluster a fleet run uses: an existing one by address, or a LocalCluster on this machine."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def default_workers() -> int:
    """One worker process per core: fitting is CPU-bound and the GIL keeps threads from sharing it."""
    return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(
    scheduler: str | None, workers: int | None = None
) -> Iterator[tuple[Any, str | None]]:
    """A Dask client and the dashboard address of the LocalCluster it started (None for a cluster given).

    The LocalCluster runs processes of one thread each (``workers`` of them, default one per core) and
    serves its dashboard on a free port.
    """
    from distributed import Client, LocalCluster

    quiet = logging.getLogger("distributed")
    if not logging.getLogger().isEnabledFor(logging.INFO):  # the CLI's --verbose shows Dask's log
        quiet.setLevel(logging.WARNING)
    if scheduler is not None:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            yield client, None
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client, client.dashboard_link
