"""Pure verification of inbound change webhooks: Outbound Message SOAP and signed JSON callouts.

Nothing here reads a clock, the network or Flask; the blueprint passes bytes, headers, secrets
and a clock in, and turns the named errors below into HTTP answers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from connectors.salesforce.names import is_record_id
from plugin.errors import PluginError

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
#: The exact acknowledgement Salesforce waits for; anything else makes it resend.
ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    "<soapenv:Body>"
    '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    "<Ack>true</Ack>"
    "</notificationsResponse>"
    "</soapenv:Body>"
    "</soapenv:Envelope>"
)
TIMESTAMP_HEADER = "X-Tiersync-Timestamp"
SIGNATURE_HEADER = "X-Tiersync-Signature"
SIGNATURE_VERSION = "v1"
MAX_CALLOUT_IDS = 200
MAX_FUTURE_SKEW = 30  # seconds a sender's clock may run ahead of ours
MAX_TIMESTAMP_CHARS = 12  # Unix seconds have 10 digits until the year 2286
MAX_SIGNATURE_CHARS = 128  # "v1=" and 64 hex digits, with room for whitespace


class WebhookError(PluginError):
    """Root of the webhook errors; the message is safe to show to the sender."""


class MessageError(WebhookError):
    """The body is not an acceptable message: answer 400 with this reason."""


class OrganizationMismatch(WebhookError):
    """The message comes from another Salesforce org: answer 403, store nothing."""


class SignatureError(WebhookError):
    """The signature, its timestamp or the secret is missing or wrong: answer 401."""


@dataclass(frozen=True, slots=True)
class Notification:
    """One changed record in an Outbound Message: the notification id and the record id."""

    notification_id: str
    sobject_type: str
    record_id: str


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """An Outbound Message as Salesforce sends it, reduced to what tiersync uses."""

    organization_id: str
    action_id: str
    notifications: tuple[Notification, ...]

    @property
    def account_ids(self) -> tuple[str, ...]:
        """Return the distinct Account ids, in message order."""
        ids = (n.record_id for n in self.notifications if n.sobject_type == "Account")
        return tuple(dict.fromkeys(ids))


def check_id(value: str, what: str = "id") -> str:
    """Return value when it is a 15- or 18-character Salesforce id, else raise MessageError."""
    if not is_record_id(value):
        raise MessageError(f"{what} is not a Salesforce id: {str(value)[:40]!r}")
    return value


def parse_outbound_message(body: bytes, max_notifications: int = 100) -> OutboundMessage:
    """Parse an Outbound Message SOAP body; DTDs, entities and external references are refused."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        # XXE and billion-laughs payloads land here before any entity is expanded.
        raise MessageError(
            f"XML with a DTD or entities is refused ({type(exc).__name__})"
        ) from None
    except ParseError as exc:
        raise MessageError(f"not well-formed XML: {exc}") from None
    except (LookupError, ValueError) as exc:  # an unknown or multi-byte declared encoding
        raise MessageError(f"unsupported XML encoding: {str(exc)[:80]}") from None
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise MessageError("not a SOAP 1.1 envelope (soapenv:Envelope)")
    notes = root.find(f"{{{SOAP_NS}}}Body/{{{OUTBOUND_NS}}}notifications")
    if notes is None:
        raise MessageError(f"no notifications element in namespace {OUTBOUND_NS}")
    org = check_id(_text(notes, f"{{{OUTBOUND_NS}}}OrganizationId"), "OrganizationId")
    action = _text(notes, f"{{{OUTBOUND_NS}}}ActionId", required=False)
    elements = notes.findall(f"{{{OUTBOUND_NS}}}Notification")
    if not elements:
        raise MessageError("the message has no Notification")
    if len(elements) > max_notifications:
        raise MessageError(f"{len(elements)} notifications; at most {max_notifications} accepted")
    return OutboundMessage(org, action, tuple(_notification(n) for n in elements))


def _notification(element: Element) -> Notification:
    note_id = _text(element, f"{{{OUTBOUND_NS}}}Id")
    sobject = element.find(f"{{{OUTBOUND_NS}}}sObject")
    if sobject is None:
        raise MessageError(f"Notification {note_id} has no sObject")
    # xsi:type is "sf:Account"; the prefix is whatever the sender bound, so keep the local name.
    kind = sobject.get(f"{{{XSI_NS}}}type", "").rpartition(":")[2]
    if not kind:
        raise MessageError(f"Notification {note_id}: sObject has no xsi:type")
    record_id = check_id(_text(sobject, f"{{{SOBJECT_NS}}}Id"), "sf:Id")
    return Notification(note_id, kind, record_id)


def _text(parent: Element, tag: str, required: bool = True) -> str:
    found = parent.find(tag)
    text = (found.text or "").strip() if found is not None else ""
    if required and not text:
        raise MessageError(f"missing {tag.rpartition('}')[2]}")
    return text


def check_organization(message: OutboundMessage, expected: str) -> None:
    """Raise OrganizationMismatch unless the message's org is the configured one."""
    # 18-character ids add a case-insensitive checksum to the case-sensitive 15-character id.
    got, want = message.organization_id[:15].encode(), expected.strip()[:15].encode()
    if not want or not hmac.compare_digest(got, want):
        raise OrganizationMismatch("OrganizationId does not match the configured org")


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """Return the signature header value for body sent at timestamp (what Apex must compute)."""
    payload = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    digest = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def verify_signature(
    body: bytes,
    headers: Mapping[str, str],
    secret: str | None,
    now: Callable[[], float],
    window: int = 300,
) -> int:
    """Check the HMAC-SHA256 signature and replay window of a callout; return its timestamp.

    The window reaches `window` seconds into the past but only MAX_FUTURE_SKEW into the future;
    refusing the same signature twice within the window is the caller's replay cache.
    """
    if not secret:
        raise SignatureError("no signing secret is configured")
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ts = lowered.get(TIMESTAMP_HEADER.lower())
    given = lowered.get(SIGNATURE_HEADER.lower())
    if not raw_ts:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} header")
    if not given:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    if len(given) > MAX_SIGNATURE_CHARS:
        raise SignatureError(f"{SIGNATURE_HEADER} is longer than {MAX_SIGNATURE_CHARS} characters")
    raw_ts = raw_ts.strip()
    if not raw_ts.isascii() or not raw_ts.isdigit() or len(raw_ts) > MAX_TIMESTAMP_CHARS:
        raise SignatureError(f"{TIMESTAMP_HEADER} is not a Unix time in seconds")
    timestamp = int(raw_ts)
    age = now() - timestamp
    if age > window:
        raise SignatureError(f"timestamp outside the {window}-second replay window")
    if age < -MAX_FUTURE_SKEW:
        raise SignatureError(f"timestamp more than {MAX_FUTURE_SKEW} seconds in the future")
    expected = sign(body, secret, timestamp)
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise SignatureError("signature does not match the body")
    return timestamp


def parse_callout(body: bytes, max_ids: int = MAX_CALLOUT_IDS) -> tuple[str, ...]:
    """Parse a callout body {"accountIds": [...]} into distinct, validated Account ids."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MessageError(f"not valid JSON: {exc}") from None
    ids = data.get("accountIds") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not ids:
        raise MessageError('expected {"accountIds": ["001...", ...]} with at least one id')
    if len(ids) > max_ids:
        raise MessageError(f"{len(ids)} ids; at most {max_ids} accepted per callout")
    return tuple(dict.fromkeys(check_id(i, "accountIds[]") for i in ids))
