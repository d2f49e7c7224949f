"""Applying approved budget and bid changes through the Graph API, with the audit log as a write-ahead log.

A change set goes: :func:`plan` (every change written to the audit log as ``planned``, refusals as
``skipped``, committed before anything is sent) -> :func:`push` (the run's open entries checked against the
values in force at Meta, sent in batches of at most 50, each entry moved to ``applied`` or ``failed`` with
the API's answer, committed batch by batch) -> optionally :func:`rollback`. The audit log's UNIQUE
(run, object, field) key makes every step re-runnable: a re-run finds the run's entries and never applies a
change twice, and a run killed between batches resumes where it stopped.
"""

from optimizer.apply.changes import Change, ChangeField, ObjectType, from_checked
from optimizer.apply.in_force import InForce, read_in_force
from optimizer.apply.ledger import plan, recent_budget_changes
from optimizer.apply.push import ApplyReport, push
from optimizer.apply.rollback import rollback, rollback_run_id

__all__ = [
    "ApplyReport",
    "Change",
    "ChangeField",
    "InForce",
    "ObjectType",
    "from_checked",
    "plan",
    "push",
    "read_in_force",
    "recent_budget_changes",
    "rollback",
    "rollback_run_id",
]
