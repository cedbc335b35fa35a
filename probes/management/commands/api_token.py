"""`manage.py api_token create --user U --scope read|write [--name N]`, `list`, `revoke ID`.

`create` prints the token alone on its last line, so a script can take it with `tail -1`.
It is shown once: only its digest is stored.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from probes.models import ApiToken


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--user", required=True, help="The user the token acts as.")
        create.add_argument("--scope", choices=ApiToken.Scope.values, default="read")
        create.add_argument("--name", default="", help="What it is for, e.g. grafana.")
        actions.add_parser("list", help="List tokens (never their secrets).")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self.create(options["user"], options["scope"], options["name"])
        elif action == "list":
            for token in ApiToken.objects.select_related("user"):
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "live"
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.pk}\t{token.hint}…\t{token.user}\t{token.scope}\t{state}\t"
                    f"last used {used}\t{token.name}"
                )
        else:
            updated = ApiToken.objects.filter(pk=options["id"], revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            if not updated:
                raise CommandError(f"no live token with id {options['id']}")
            self.stdout.write(f"revoked token {options['id']}")

    def create(self, username: str, scope: str, name: str) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        token, secret = ApiToken.issue(user, scope=scope, name=name)
        self.stdout.write(f"Created {token.scope} token {token.pk} for {user}. It is shown once:")
        self.stdout.write(secret)
