"""The data version: each part changes with what it stands for, so caches refresh exactly when needed."""

from __future__ import annotations

from dashboard.loaders import data_version
from optimizer.store import Store


def test_version_parts_follow_syncs_experiments_and_the_audit_log(synced_url: str) -> None:
    with Store(synced_url) as store:
        account = store.accounts()[0].id
        before = data_version(store).split("#")
        assert (
            len(before) == 3 and data_version(store).split("#") == before
        )  # stable when nothing moves
        with store.transaction() as session:
            store.record_audit(
                session, run_id="r1", account_id=account, object_type="adset", object_id="a1",
                field="daily_budget", before=100, after=120, actor="test",
            )  # fmt: skip
        after_audit = data_version(store).split("#")
        assert after_audit[:2] == before[:2] and after_audit[2] != before[2]
        run = store.start_sync_run(account)
        store.finish_sync_run(run, ok=True)
        after_sync = data_version(store).split("#")
        assert after_sync[0] != after_audit[0] and after_sync[1:] == after_audit[1:]
