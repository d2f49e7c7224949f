"""Budget policies, the guardrail check every change passes through, and pacing."""

__all__: list[str] = []
