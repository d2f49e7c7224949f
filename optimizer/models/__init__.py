"""Bayesian response models of daily outcome versus spend (pure: frames in, posteriors out)."""
