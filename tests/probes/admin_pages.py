"""Read an admin change form back as the browser would send it, so a test can change a few
values and post the rest exactly as rendered."""

from __future__ import annotations

from html.parser import HTMLParser

from django.urls import reverse


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form" and attr.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attr.get("name", "")
        if tag == "input" and name:
            kind = attr.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attr:
                self.data.setdefault(name, [])
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.data.setdefault(name, []).append(attr.get("value", default))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attr:
            self.data[self._select].append(attr.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # The browser drops the one newline that follows <textarea>.
            text = "".join(self._text)
            self.data[self._textarea] = [text[1:] if text.startswith("\n") else text]
            self._textarea = None


def form_data(html: str, form_id: str) -> dict[str, list[str]]:
    """The fields of the form `form_id` (e.g. "source_form") as a browser would post them."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.data


def change_page(client, obj) -> str:
    opts = obj._meta
    response = client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )
    assert response.status_code == 200
    return response.content.decode()


def errors_of(response) -> object:
    """The form's errors, for a failed assertion's message."""
    context = response.context
    return context["adminform"].form.errors if context and "adminform" in context else None


def post_change(client, obj, data):
    opts = obj._meta
    return client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), data
    )
