from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from aiwatch.roles import ROLES, role_of, set_role


class Command(BaseCommand):
    help = (
        "Give a user a role: viewer (reads, reports, watches, subscribes for themself), editor "
        "(also playbooks, features, drills, acknowledgements) or admin (everything)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="User name or e-mail address, e.g. ada@example.com.")
        parser.add_argument("role", choices=ROLES)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["user"].strip()
        people = get_user_model().objects
        users = list(people.filter(username=name)) or list(
            people.filter(Q(username__iexact=name) | Q(email__iexact=name))[:2]
        )
        if not users:
            raise CommandError(f"no user is called {name!r} (by user name or e-mail address)")
        if len(users) > 1:
            raise CommandError(f"{name!r} names several users: give the exact user name")
        user = users[0]
        before = role_of(user)
        try:
            set_role(user, options["role"])
        except LookupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{user.get_username()}: {before or 'no role'} -> {options['role']}")
