"""The Graph API client over facebook-business: paging, async reports, batch, retries, usage headers."""
