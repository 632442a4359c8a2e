"""`inspect view`: a local web viewer for a log dir that follows new evals live.

with ViewServer("logs", port=0) as server:   # serves in a background thread
    print(server.url)
"""

from ..log._view_api import ViewApi
from ._server import TOKEN_VAR, ViewServer

__all__ = ["TOKEN_VAR", "ViewApi", "ViewServer"]
