"""Change webhooks from Salesforce: Outbound Messages (SOAP) and signed JSON callouts.

Both store the Account ids in the durable inbox and answer only after that commit, so an ACK
always means "kept". The worker does the slow part (re-read, score, write back).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, jsonify, request

from plugin.changes.verify import (
    ACK,
    MAX_FUTURE_SKEW,
    SIGNATURE_HEADER,
    MessageError,
    OrganizationMismatch,
    SignatureError,
    check_organization,
    parse_callout,
    parse_outbound_message,
    verify_signature,
)
from plugin.store import replays
from plugin.web.resources import resources

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/salesforce")
_CHUNK = 65_536


def read_body(limit: int) -> bytes:
    """Read the request body, answering 413 as soon as it exceeds `limit` bytes."""
    declared = request.content_length
    if declared is not None and declared > limit:
        abort(413)
    # Chunked bodies carry no length: count while reading, and stop one chunk past the limit.
    parts: list[bytes] = []
    size = 0
    stream = request.stream
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            abort(413)
        parts.append(chunk)
    return b"".join(parts)


def soap_fault(status: int, reason: str) -> Response:
    """Return a SOAP 1.1 fault with the reason, which Salesforce shows in its delivery queue."""
    code = "soapenv:Client" if status < 500 else "soapenv:Server"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soapenv:Body><soapenv:Fault><faultcode>{code}</faultcode>"
        f"<faultstring>{escape(reason)}</faultstring></soapenv:Fault></soapenv:Body>"
        "</soapenv:Envelope>"
    )
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


@bp.post("/outbound/<token>")
def outbound(token: str) -> Response:
    """Accept an Outbound Message: verify path token and org, store the ids, then ACK."""
    res = resources()
    settings = res.settings
    if not settings.path_token or not settings.org_id:
        return soap_fault(
            403,
            f"Outbound Messages are not enabled: set {settings.path_token_env} and "
            "webhooks.org_id (or TIERSYNC_SF_ORG_ID)",
        )
    if not hmac.compare_digest(token.encode(), settings.path_token.encode()):
        return soap_fault(403, "unknown endpoint token")
    body = read_body(settings.max_body)
    try:
        message = parse_outbound_message(body)
        check_organization(message, settings.org_id)
    except OrganizationMismatch as exc:
        return soap_fault(403, str(exc))
    except MessageError as exc:
        return soap_fault(400, str(exc))
    try:
        res.committer.enqueue(message.account_ids, "outbound")
    except Exception:  # no ACK unless stored: Salesforce retries a 503 later
        return soap_fault(503, "the inbox is unavailable; retry later")
    return Response(ACK, status=200, content_type="text/xml; charset=utf-8")


@bp.post("/callout")
def callout() -> tuple[Response, int]:
    """Accept a signed JSON callout from Apex or Flow: {"accountIds": [...]}."""
    res = resources()
    settings = res.settings
    body = read_body(settings.max_body)
    headers = dict(request.headers)
    try:
        timestamp = verify_signature(
            body, headers, settings.hmac_secret, res.clock, settings.replay_window
        )
        ids = parse_callout(body)
    except SignatureError as exc:
        return jsonify(error=str(exc)), 401
    except MessageError as exc:
        return jsonify(error=str(exc)), 400
    # The signature covers body and timestamp: the same one twice is the same request again.
    signature = request.headers.get(SIGNATURE_HEADER, "").strip()
    key = "callout:" + hashlib.sha256(signature.encode()).hexdigest()
    expires = timestamp + settings.replay_window + MAX_FUTURE_SKEW
    try:
        if not replays.remember(res.store, key, expires, res.clock()):
            return jsonify(error="this signed callout was already accepted (replay refused)"), 409
        added = res.committer.enqueue(ids, "callout")
    except Exception:  # the sender retries a 503 with the same bytes: let that retry through
        with contextlib.suppress(Exception):
            replays.forget(res.store, key)
        return jsonify(error="the inbox is unavailable; retry later"), 503
    return jsonify(accepted=len(ids), queued=added), 202
