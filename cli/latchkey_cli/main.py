"""`latchkey`: run the system, migrate, and administer organizations and users."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from latchkey.errors import LatchkeyError
from latchkey.settings import SettingsError

from . import config


def _read_password(args: argparse.Namespace) -> str:
    if not args.password_stdin:
        raise SystemExit("latchkey: pass the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise SystemExit("latchkey: no password on standard input")
    return password


def _print(value: object) -> None:
    print(json.dumps(value, indent=2, default=str))


async def _cmd(args: argparse.Namespace) -> int:
    from . import operations

    if args.command == "migrate":
        from .migrate import migrate_all

        applied = await migrate_all(config.operator_environment().get("DATABASE_URL") or _missing("DATABASE_URL"))
        _print({"applied": applied})
    elif args.command == "org" and args.action == "create":
        _print(await operations.create_organization(args.slug, args.name, args.auth_redirect_url))
    elif args.command == "org" and args.action == "show":
        _print(await operations.show_organization(args.slug))
    elif args.command == "org" and args.action == "rotate-key":
        _print(await operations.rotate_organization_key(args.slug))
    elif args.command == "org" and args.action == "settings":
        changes = {}
        if args.users_may_delete_themselves is not None:
            changes["usersMayDeleteThemselves"] = args.users_may_delete_themselves == "on"
        _print(await operations.organization_settings(args.slug, changes))
    elif args.command == "user" and args.action == "create":
        password = _read_password(args)
        _print(await operations.create_user(args.email, password, org_slug=args.org, role=args.role, name=args.name))
    elif args.command == "user" and args.action == "set-password":
        await operations.set_password(args.email, _read_password(args))
        _print({"email": args.email, "passwordChanged": True, "sessionsEnded": True})
    elif args.command == "user" and args.action in ("disable", "enable"):
        await operations.set_disabled(args.email, args.action == "disable")
        _print({"email": args.email, "disabled": args.action == "disable"})
    return 0


def _missing(variable: str) -> str:
    raise SettingsError(variable, "is required (or run `latchkey up` once to create the embedded default)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="latchkey", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="run the whole system (embedded PostgreSQL and Redis unless configured)")
    commands.add_parser("migrate", help="apply pending SQL migrations of every service")
    commands.add_parser("keys", help="print fresh secrets (signing keys, cache and encryption keys) as env lines")

    org = commands.add_parser("org", help="organizations").add_subparsers(dest="action", required=True)
    create = org.add_parser("create", help="create an organization; prints its API key")
    create.add_argument("slug")
    create.add_argument("--name", required=True)
    create.add_argument("--auth-redirect-url")
    org.add_parser("show", help="show an organization and its API key").add_argument("slug")
    org.add_parser("rotate-key", help="rotate an organization's API key").add_argument("slug")
    org_settings = org.add_parser("settings", help="show an organization's settings, or change them")
    org_settings.add_argument("slug")
    org_settings.add_argument("--users-may-delete-themselves", choices=("on", "off"),
                              help="whether its users may delete their own accounts (off: only the platform removes them)")

    user = commands.add_parser("user", help="users").add_subparsers(dest="action", required=True)
    create_user = user.add_parser("create", help="create a user with a password read from stdin")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--password-stdin", action="store_true")
    create_user.add_argument("--org", help="organization slug")
    create_user.add_argument("--role", default="")
    create_user.add_argument("--name", default="")
    set_password = user.add_parser("set-password", help="reset a password (ends the user's sessions)")
    set_password.add_argument("--email", required=True)
    set_password.add_argument("--password-stdin", action="store_true")
    user.add_parser("disable", help="disable a user (ends the user's sessions)").add_argument("--email", required=True)
    user.add_parser("enable", help="enable a disabled user").add_argument("--email", required=True)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.command == "up":
        from .up import up

        raise SystemExit(up())
    if args.command == "keys":
        from .devconfig import generate_secrets

        for key, value in generate_secrets().items():
            print(f"{key}={value}")
        return
    config.apply(config.operator_environment())
    try:
        raise SystemExit(asyncio.run(_cmd(args)))
    except SettingsError as error:
        raise SystemExit(f"latchkey: configuration error: {error}") from None
    except LatchkeyError as error:
        raise SystemExit(f"latchkey: {error.code}: {error.message}") from None
    except Exception as error:  # operator-facing: one line, not a trace
        from .operations import OperationError

        if isinstance(error, OperationError):
            raise SystemExit(f"latchkey: {error}") from None
        raise


if __name__ == "__main__":  # `python -m latchkey_cli.main`, as `python3 dev.py run` starts it
    main()
