"""The Graph API sandbox: a market simulator with known truth behind Meta's wire format.

- :mod:`optimizer.sandbox.market`: the seeded market (accounts, campaigns, ad sets, ads, creatives, daily
  delivery, attribution, truth).
- :mod:`optimizer.sandbox.graph`: the Marketing API wire format over it, usable by any client:

  Over HTTP (the SDK, Airbyte-style connectors, curl)::

      from facebook_business.api import FacebookAdsApi
      from facebook_business.session import FacebookSession
      from optimizer.sandbox.graph import GraphApp, SandboxServer
      from optimizer.sandbox.market import Market, MarketConfig

      server = SandboxServer(GraphApp(Market(MarketConfig(seed=7))))
      FacebookSession.GRAPH = server.start()          # http://127.0.0.1:<free port>
      FacebookAdsApi.init(access_token="any", crash_log=False, api_version="v26.0")
      ...
      server.stop()

  In-process, without sockets::

      api = FacebookAdsApi.init(access_token="any", crash_log=False)
      SandboxAdapter(app).mount(api._session.requests)
      FacebookSession.GRAPH = DEFAULT_BASE_URL

- :mod:`optimizer.sandbox.cli`: ``adpilot sandbox --port 8765 --seed 7 [--faults SPEC]`` and
  ``adpilot sandbox advance --days N``; ``POST /_sandbox/advance?days=N`` and ``GET /_sandbox/status`` are the
  control endpoints (outside the Graph namespace, no token).

The sandbox imports nothing of adpilot's client or store: it must serve any client, not just ours.
"""
