"""Which ad accounts a fleet run covers: a file of account ids, or every account the token sees."""

from __future__ import annotations

import re
from pathlib import Path

from optimizer.errors import InputError
from optimizer.meta.client import MetaClient

_ACCOUNT = re.compile(r"^(act_)?(\d+)$")


def normalize_account_id(text: str, where: str = "account") -> str:
    """``123`` or ``act_123`` as ``act_123``; anything else is refused naming ``where``."""
    match = _ACCOUNT.match(text.strip())
    if match is None:
        raise InputError(
            f"{where}: {text.strip()!r} is not an ad account id (act_123... or digits)"
        )
    return f"act_{match.group(2)}"


def read_account_file(path: str | Path) -> list[str]:
    """Account ids, one a line (``#`` starts a comment; blank lines skipped; duplicates kept once).

    A CSV export works too: only the first comma-separated field of each line is read.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--accounts: cannot read {file}: {exc.strerror or exc}") from None
    accounts: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        field = line.split("#", 1)[0].split(",", 1)[0].strip()
        if not field or (number == 1 and field.lower() in {"account", "account_id", "id"}):
            continue
        account = normalize_account_id(field, f"--accounts {file.name} line {number}")
        if account not in accounts:
            accounts.append(account)
    if not accounts:
        raise InputError(f"--accounts: {file} lists no account ids")
    return accounts


def visible_accounts(client: MetaClient) -> list[str]:
    """Every ad account the token sees (``--all-accounts``), in the order Meta lists them."""
    accounts = [normalize_account_id(str(row["id"])) for row in client.ad_accounts()]
    if not accounts:
        raise InputError("--all-accounts: this token sees no ad accounts")
    return accounts
