"""The nightly run for many ad accounts, fanned out on Dask (issue #8).

- :mod:`.accounts`: which accounts (a file of ids, or every account the token sees);
- :mod:`.job`: one account as a task (advisory lock, shared app budget, failures as rows);
- :mod:`.run`: the fan-out over an executor (:mod:`.executor`: Dask, or in-process), deferring throttled
  accounts until their regain time;
- :mod:`.lock`, :mod:`.budget`, :mod:`.bucket`, :mod:`.metered`: the shared state that keeps it correct;
- :mod:`.cluster`: a LocalCluster or an existing scheduler.
"""

from optimizer.fleet.accounts import normalize_account_id, read_account_file, visible_accounts
from optimizer.fleet.bucket import BucketShape
from optimizer.fleet.cluster import dask_client, default_workers
from optimizer.fleet.executor import Executor, InProcess, OnDask
from optimizer.fleet.job import AccountJob, run_account
from optimizer.fleet.lock import account_lock, lock_key, require_postgres
from optimizer.fleet.result import AccountResult, FleetReport, Outcome
from optimizer.fleet.run import run_fleet

__all__ = [
    "AccountJob",
    "AccountResult",
    "BucketShape",
    "Executor",
    "FleetReport",
    "InProcess",
    "OnDask",
    "Outcome",
    "account_lock",
    "dask_client",
    "default_workers",
    "lock_key",
    "normalize_account_id",
    "read_account_file",
    "require_postgres",
    "run_account",
    "run_fleet",
    "visible_accounts",
]
