"""Standard Webhooks signatures (https://www.standardwebhooks.com) for our JSON webhook.

Besides our own `X-AIWatch-Signature` (kept for receivers that already check it), every signed
delivery carries `webhook-id` (the delivery key: the same on every retry, so a receiver drops
repeats), `webhook-timestamp` (this attempt, in Unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`). Receivers verify with any Standard
Webhooks library, which also refuses timestamps more than five minutes off (the replay window):

    from standardwebhooks import Webhook
    hook = Webhook(os.environ["AIWATCH_HOOK_SECRET"].encode())  # or Webhook("whsec_…")
    def receive(request):
        event = hook.verify(request.body, dict(request.headers))  # raises if forged or stale
        ...

A channel secret that starts with `whsec_` is taken as the standard base64 form; any other
secret is used as raw bytes.
"""

from __future__ import annotations

import binascii
from datetime import datetime

from standardwebhooks import Webhook


class BadSecret(ValueError):
    pass


def signer(secret: str) -> Webhook:
    try:
        if secret.startswith("whsec_"):
            return Webhook(secret)
        return Webhook(secret.encode())
    except (binascii.Error, ValueError) as error:
        raise BadSecret("the webhook secret starts with whsec_ but is not base64") from error


def standard_headers(secret: str, msg_id: str, body: bytes, *, at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt at sending `body`."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signer(secret).sign(msg_id, at, body.decode()),
    }
