"""The team's roles: viewer, editor and admin, as Django groups holding Django permissions.

* viewer: reads everything (pages, API, a read-only admin), reports "I'm affected", keeps a
  watchlist and subscribes to alerts for themself;
* editor: a viewer who also writes the team's plan-B material: playbooks, features and the
  models they use, drills and their acknowledgements (`EDITOR_MODELS`);
* admin: every permission, through the admin.

The groups are created by a data migration (aiwatch/migrations) and kept in step after every
`migrate` (`sync_roles` runs on post_migrate), so a model added later joins its roles without a
migration of its own: add its "app_label.model" to the lists below. A user has one role: the
highest group they are in (a superuser counts as admin). `manage.py set_role` sets it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

VIEWER = "viewer"
EDITOR = "editor"
ADMIN = "admin"
#: Lowest first: a user in several groups has the highest.
ROLES: tuple[str, ...] = (VIEWER, EDITOR, ADMIN)

#: Apps whose rows every role may read (the `view_` permission of each of their models).
READ_APPS: tuple[str, ...] = ("probes", "alerts")
#: Models of READ_APPS that viewers and editors do not read: others' credentials.
PRIVATE_MODELS: frozenset[str] = frozenset({"probes.apitoken"})

#: What any signed-in person does for themself ("app_label.codename"). Ownership (only one's
#: own watchlist, subscriptions and channels) is checked by the views that write them.
OWN_WRITES: tuple[str, ...] = (
    "probes.add_teamreport",
    "alerts.add_personalsubscription",
    "alerts.change_personalsubscription",
    "alerts.delete_personalsubscription",
    "people.add_watch",
    "people.delete_watch",
    "people.change_profile",
)

#: Models editors add, change and delete: the team's plan-B material. Maintenance notes join
#: here as their model arrives.
EDITOR_MODELS: tuple[str, ...] = (
    "alerts.playbook",
    "probes.feature",
    "probes.servedmodel",
    "probes.drill",
    "probes.drillacknowledgement",
    "probes.acknowledgement",
)

WRITE_ACTIONS = ("add", "change", "delete", "view")


def is_role(name: str) -> bool:
    return name in ROLES


def permissions_for(role: str, available: Iterable[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """The (app_label, codename) pairs `role` holds, out of the `available` permissions.

    `available` is (app_label, model, codename) for every permission in the database. Pure, so
    the migration and the post_migrate sync grant exactly the same.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    rows = list(available)
    if role == ADMIN:
        return {(app, codename) for app, _model, codename in rows}
    granted = {
        (app, codename)
        for app, model, codename in rows
        if app in READ_APPS
        and codename == f"view_{model}"
        and f"{app}.{model}" not in PRIVATE_MODELS
    }
    wanted = {tuple(perm.split(".", 1)) for perm in OWN_WRITES}
    if role == EDITOR:
        wanted |= {
            (entry.split(".", 1)[0], f"{action}_{entry.split('.', 1)[1]}")
            for entry in EDITOR_MODELS
            for action in WRITE_ACTIONS
        }
    granted |= {(app, codename) for app, _model, codename in rows if (app, codename) in wanted}
    return granted


def sync_roles(group_model: Any, permission_model: Any) -> None:
    """Create the three groups and give each exactly its permissions.

    Takes the models as arguments so the data migration can pass its historical ones.
    """
    perms = list(
        permission_model.objects.values_list(
            "pk", "content_type__app_label", "content_type__model", "codename"
        )
    )
    by_pair = {(app, codename): pk for pk, app, _model, codename in perms}
    available = [(app, model, codename) for _pk, app, model, codename in perms]
    with transaction.atomic():
        for role in ROLES:
            group, _created = group_model.objects.get_or_create(name=role)
            group.permissions.set([by_pair[pair] for pair in permissions_for(role, available)])


def role_of(user: Any) -> str | None:
    """The user's role: the highest of their groups (a superuser is an admin); None for none."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    for role in reversed(ROLES):
        if role in names:
            return role
    return None


def set_role(user: Any, role: str) -> None:
    """Put `user` in exactly one role's group.

    Every role may open the admin (is_staff): viewers read it, editors also write their models,
    admins everything. Only the admin role keeps superuser status; moving a superuser to another
    role takes it away, so the role says what they may do.
    """
    from django.contrib.auth.models import Group

    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    with transaction.atomic():
        groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
        missing = [name for name in ROLES if name not in groups]
        if missing:
            raise LookupError(
                f"the role groups are missing ({', '.join(missing)}): run manage.py migrate"
            )
        user.groups.remove(*(groups[name] for name in ROLES if name != role))
        user.groups.add(groups[role])
        user.is_staff = True
        if role != ADMIN:
            user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
