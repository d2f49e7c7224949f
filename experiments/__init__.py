"""adpilot's experiment layer: design (Optuna), statistics, adaptive traffic, client summaries."""

__all__: list[str] = []
