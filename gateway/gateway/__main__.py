"""Entry point: `latchkey-gateway` or `python -m gateway`."""

from latchkey.web import serve

from . import SERVICE
from .app import init_app
from .settings import Settings


def main() -> None:
    serve(SERVICE, Settings.from_env, init_app)


if __name__ == "__main__":
    main()
