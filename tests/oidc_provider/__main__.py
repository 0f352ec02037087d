"""Run the test provider: `python -m tests.oidc_provider --tenants JSON [--port N]`.

`--tenants` maps tenant names to their client:
`{"acme": {"client_id": "...", "client_secret": "...", "redirect_uri": "..."}}`.
The first line printed is the base URL (the port is picked by the OS when
`--port 0`), so the caller knows where to find the issuers.
"""

from __future__ import annotations

import argparse
import json
import logging

from werkzeug.serving import make_server

from .server import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", required=True, help="JSON map of tenant name to client")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", args.port, app=None, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    server.app = create_app(base_url, json.loads(args.tenants))
    print(base_url, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
