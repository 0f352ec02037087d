"""Entry point: `latchkey-gateway` or `python -m gateway`.

GATEWAY_WORKERS (default: the CPU count) gateway processes share the port
(`workers.py`); with one, this process serves itself.
"""

import os

from . import SERVICE
from .workers import run_workers, share_metrics


def main() -> None:
    share_metrics(os.environ)  # before anything imports prometheus_client

    from latchkey.logs import configure_logging
    from latchkey.ports import port_is_free
    from latchkey.settings import SettingsError
    from latchkey.web import run, serve

    from .app import init_app
    from .settings import Settings

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise SystemExit(f"{SERVICE}: configuration error: {error}") from None
    if settings.workers == 1:
        serve(SERVICE, lambda: settings, init_app)
        return
    host, port = settings.common.host, settings.common.port
    # Checked without SO_REUSEPORT before forking: with it, our workers would
    # silently share the port with an older gateway still running as this user.
    if not port_is_free(port, host):
        raise SystemExit(f"{SERVICE}: port {port} is already in use; set GATEWAY_PORT to a free port")
    configure_logging(settings.common.service, settings.common.log_level)
    raise SystemExit(run_workers(settings.workers, lambda: run(init_app(settings), host, port, reuse_port=True)))


if __name__ == "__main__":
    main()
