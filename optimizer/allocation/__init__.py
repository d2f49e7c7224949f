"""Budget allocation over fitted response curves (pure: posteriors and a policy in, budgets out)."""
