"""The Graph API sandbox: a market simulator with known truth behind Meta's wire format."""
