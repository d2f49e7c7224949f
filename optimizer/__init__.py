"""adpilot's optimizer: Graph API client and sandbox, store, response models, allocation, nightly job."""

__all__: list[str] = []
