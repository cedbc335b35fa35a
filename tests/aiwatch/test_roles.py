"""Roles: the groups the migration creates, `manage.py set_role`, and every write view's check."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.urls import URLPattern, URLResolver, get_resolver

from aiwatch.roles import ADMIN, EDITOR, ROLES, VIEWER, role_of, set_role
from alerts.models import Playbook
from probes.models import Provider

pytestmark = pytest.mark.django_db


def person(name: str, role: str | None) -> User:
    user = User.objects.create_user(name, f"{name}@example.com", "a long passphrase 42")
    if role:
        set_role(user, role)
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


def perms(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_migration_creates_the_three_roles():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


def test_a_viewer_reads_everything_and_writes_only_for_themself():
    viewer = perms(VIEWER)
    assert {"probes.view_provider", "probes.view_incident", "alerts.view_playbook"} <= viewer
    assert "probes.add_teamreport" in viewer
    assert "alerts.change_playbook" not in viewer
    assert "probes.change_provider" not in viewer
    # Others' credentials stay with admins.
    assert "probes.view_apitoken" not in viewer


def test_an_editor_also_writes_playbooks_features_and_drills():
    editor = perms(EDITOR)
    assert perms(VIEWER) <= editor
    for perm in (
        "alerts.add_playbook",
        "alerts.change_playbook",
        "probes.change_feature",
        "probes.add_drill",
        "probes.add_drillacknowledgement",
    ):
        assert perm in editor
    assert "probes.change_source" not in editor
    assert "auth.change_user" not in editor


def test_an_admin_holds_every_permission():
    admin = perms(ADMIN)
    assert {"auth.change_user", "probes.change_source", "probes.view_apitoken"} <= admin
    assert perms(EDITOR) <= admin


def test_set_role_moves_a_user_between_roles(capsys):
    user = person("ada", None)
    out = StringIO()

    call_command("set_role", "ada@example.com", "editor", stdout=out)

    assert "ada: no role -> editor" in out.getvalue()
    user.refresh_from_db()
    assert role_of(user) == EDITOR
    assert user.is_staff
    call_command("set_role", "ada", "viewer", stdout=StringIO())
    assert list(user.groups.values_list("name", flat=True)) == [VIEWER]


def test_set_role_takes_superuser_status_away_from_a_demoted_admin():
    boss = User.objects.create_superuser("boss", "boss@example.com", "a long passphrase 42")
    assert role_of(boss) == ADMIN

    call_command("set_role", "boss", "viewer", stdout=StringIO())

    boss.refresh_from_db()
    assert not boss.is_superuser
    assert role_of(boss) == VIEWER


def test_set_role_refuses_an_unknown_user_or_role():
    with pytest.raises(CommandError, match="no user is called"):
        call_command("set_role", "nobody", "viewer")
    person("ada", None)
    with pytest.raises(CommandError):
        call_command("set_role", "ada", "owner")


@pytest.fixture
def playbook_provider() -> Provider:
    return Provider.objects.create(slug="example", name="Example")


def test_a_viewer_reads_playbooks_in_the_admin_but_may_not_write_one(client, playbook_provider):
    client.force_login(person("vera", VIEWER))

    assert client.get("/admin/alerts/playbook/").status_code == 200
    response = client.post(
        "/admin/alerts/playbook/add/", {"provider": playbook_provider.pk, "body": "Use B."}
    )

    assert response.status_code == 403
    assert not Playbook.objects.exists()


def test_an_editor_writes_a_playbook_but_not_a_provider(client, playbook_provider):
    client.force_login(person("eddie", EDITOR))

    response = client.post(
        "/admin/alerts/playbook/add/", {"provider": playbook_provider.pk, "body": "Use B."}
    )

    assert response.status_code == 302
    assert Playbook.objects.get().body == "Use B."
    change = client.post(f"/admin/probes/provider/{playbook_provider.pk}/change/", {})
    assert change.status_code == 403


def test_a_viewer_does_not_see_api_tokens(client):
    client.force_login(person("vera", VIEWER))
    assert client.get("/admin/probes/apitoken/").status_code == 403


# Every write view checks the caller's role --------------------------------------------------

# Preferences anyone may set, signed in or not: they change nothing for anyone else.
PREFERENCE_ROUTES = {"/timezone/", "/i18n/setlang/"}
# Reads that answer any method the same (the feed and the API's docs write nothing).
READS_ANY_METHOD = {"/feeds/incidents.atom", "/api/v1/", "/api/v1/docs", "/api/v1/openapi.json"}
SAMPLE_ARGS = {"slug": "example", "pk": "1", "token": "not-a-token", "answer": "yes"}


def routes(patterns=None, prefix: str = "/"):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if (prefix + route).startswith(("/admin/", "/accounts/")):
            continue  # the admin and allauth check their own permissions
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + route)
        else:
            assert isinstance(entry, URLPattern)
            yield re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_ARGS[m.group(1)], prefix + route)


def test_a_signed_in_user_without_a_role_writes_nothing(client, playbook_provider):
    client.force_login(person("nora", None))

    before = row_counts()
    written = {}
    for path in sorted(set(routes()) - PREFERENCE_ROUTES - READS_ANY_METHOD):
        status = client.post(path, {}).status_code
        if status not in (401, 403, 405):
            written[path] = status

    assert written == {}
    assert row_counts() == before


def row_counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ("probes", "alerts", "people")
    }


def test_a_viewer_reports_being_affected(client, playbook_provider):
    client.force_login(person("vera", VIEWER))

    response = client.post("/providers/example/report/", {"note": ""})

    assert response.status_code == 303
