"""Entry point: `latchkey-org-provisioning` or `python -m org_provisioning`."""

from latchkey.settings import SettingsError
from latchkey.web import run

from .app import init_app
from .settings import Settings


def main() -> None:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise SystemExit(f"org-provisioning: configuration error: {error}") from None
    run(init_app(settings), settings.common.host, settings.common.port)


if __name__ == "__main__":
    main()
