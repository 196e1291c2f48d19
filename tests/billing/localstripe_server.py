"""Run localstripe on 127.0.0.1 only, on the port given, keeping its state in memory.

``python localstripe_server.py PORT``. localstripe's own ``start()`` listens on every interface and loads and saves
its objects in one file under /tmp that every localstripe on the machine shares; the tests want neither.
"""

from __future__ import annotations

import sys

from aiohttp import web
from localstripe import resources
from localstripe.server import app


def main() -> None:
    # The objects live as long as this process: nothing read from, or written to, the shared pickle.
    resources.Store.dump_to_disk = lambda self: None
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
