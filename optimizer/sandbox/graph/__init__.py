"""The Graph API wire format over the market: a transport-free core with an HTTP and a ``requests`` skin.

``GraphApp(market, SandboxConfig(...)).handle(GraphRequest)`` is the core; :class:`SandboxServer` serves it on
127.0.0.1 for any HTTP client, :class:`SandboxAdapter` mounts it on a ``requests`` session in-process.
"""

from optimizer.sandbox.graph.adapter import DEFAULT_BASE_URL, SandboxAdapter
from optimizer.sandbox.graph.app import GraphApp, SandboxConfig
from optimizer.sandbox.graph.auth import API_VERSION, appsecret_proof
from optimizer.sandbox.graph.faults import FaultInjector, FaultSpec, FaultSpecError
from optimizer.sandbox.graph.server import SandboxServer
from optimizer.sandbox.graph.throttling import Clock, ManualClock, Quotas, SystemClock
from optimizer.sandbox.graph.wire import GraphError, GraphRequest, GraphResponse

__all__ = [
    "API_VERSION",
    "appsecret_proof",
    "DEFAULT_BASE_URL",
    "Clock",
    "FaultInjector",
    "FaultSpec",
    "FaultSpecError",
    "GraphApp",
    "GraphError",
    "GraphRequest",
    "GraphResponse",
    "ManualClock",
    "Quotas",
    "SandboxAdapter",
    "SandboxConfig",
    "SandboxServer",
    "SystemClock",
]
