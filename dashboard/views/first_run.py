"""First run: the database has no synced account yet; say how to get data in."""

from __future__ import annotations

import streamlit as st

from dashboard.session import context

ctx = context()
st.title("Welcome to adpilot")
st.info(f"No synced ad account in the database yet ({ctx.store!r}).")
st.markdown(
    """
**Try it with the local sandbox** (a simulated Meta ad account, no credentials needed):

```bash
make run            # sandbox + sync + nightly runs + this dashboard, all on 127.0.0.1
```

or step by step:

```bash
adpilot sandbox --port 8765 &                       # the Graph API sandbox
adpilot sync --sandbox http://127.0.0.1:8765        # pull 90 days into the store
adpilot dashboard                                   # and reload this page
```

**With a real Meta ad account**: set `META_ACCESS_TOKEN` (or `access_token` in
`~/.adpilot/config.toml`), then `adpilot sync --account act_...`.
"""
)
