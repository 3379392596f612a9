"""Pure verification: Outbound Message parsing and the HMAC callout signature."""

from __future__ import annotations

import pytest

from plugin.changes.verify import (
    ACK,
    MessageError,
    OrganizationMismatch,
    SignatureError,
    check_organization,
    parse_callout,
    parse_outbound_message,
    sign,
    verify_signature,
)
from tests.plugin.web_helpers import ORG_ID, outbound, outbound_xml, sf_id

SECRET = "whsec-test-secret"
BODY = b'{"accountIds":["001Dn0000000001IAB"]}'
TS = 1_700_000_000
#: Computed independently: HMAC-SHA256(secret, "v1:1700000000:" + body), hex.
KNOWN = "v1=6cfc95987c792ada77438fa09d2fe8b62150c145b5d2218891da93900d972a70"


def headers(sig: str = KNOWN, ts: int | str = TS) -> dict[str, str]:
    return {"X-Tiersync-Timestamp": str(ts), "X-Tiersync-Signature": sig}


def test_single_notification_parses_like_salesforce_sends_it() -> None:
    message = parse_outbound_message(outbound("single"))
    assert message.organization_id == ORG_ID
    assert message.action_id == "04k5e000000TsAaAAK"
    assert [(n.notification_id, n.sobject_type) for n in message.notifications] == [
        ("04l5e00000CkWxYAAV", "Account")
    ]
    assert message.account_ids == ("0015e00000AcmeCAAR",)


def test_hundred_notifications_accepted_and_hundred_and_one_refused() -> None:
    assert len(parse_outbound_message(outbound("100")).account_ids) == 100
    with pytest.raises(MessageError, match="101 notifications; at most 100"):
        parse_outbound_message(outbound("101"))


def test_repeated_ids_in_one_message_collapse() -> None:
    message = parse_outbound_message(outbound_xml([sf_id(1), sf_id(2), sf_id(1)]))
    assert len(message.notifications) == 3
    assert message.account_ids == (sf_id(1), sf_id(2))


@pytest.mark.parametrize("name", ["xxe", "billion_laughs"])
def test_dtd_and_entities_are_refused_before_expansion(name: str) -> None:
    with pytest.raises(MessageError, match="DTD or entities is refused"):
        parse_outbound_message(outbound(name))


def test_malformed_xml_names_the_position() -> None:
    with pytest.raises(MessageError, match="not well-formed XML: mismatched tag: line 6"):
        parse_outbound_message(outbound("malformed"))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<a/>", "not a SOAP 1.1 envelope"),
        (
            b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>',
            "no notifications element",
        ),
        (outbound_xml([]), "has no Notification"),
        (outbound_xml([sf_id(1)], org=""), "missing OrganizationId"),
    ],
)
def test_structural_errors_say_what_is_wrong(body: bytes, reason: str) -> None:
    with pytest.raises(MessageError, match=reason):
        parse_outbound_message(body)


def test_soql_injection_in_an_id_is_refused() -> None:
    with pytest.raises(MessageError, match="sf:Id is not a Salesforce id"):
        parse_outbound_message(outbound("soql_injection"))


def test_forged_org_is_a_mismatch_and_15_char_config_matches_18_char_message() -> None:
    with pytest.raises(OrganizationMismatch):
        check_organization(parse_outbound_message(outbound("forged_org")), ORG_ID)
    check_organization(parse_outbound_message(outbound("single")), ORG_ID[:15])
    with pytest.raises(OrganizationMismatch):
        check_organization(parse_outbound_message(outbound("single")), "")


def test_ack_is_the_exact_envelope_salesforce_expects() -> None:
    assert ACK.endswith(
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        '<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
        "<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
    )


def test_known_answer_vector() -> None:
    assert sign(BODY, SECRET, TS) == KNOWN
    assert verify_signature(BODY, headers(), SECRET, now=lambda: TS + 10) == TS


def test_header_names_are_case_insensitive() -> None:
    lowered = {k.lower(): v for k, v in headers().items()}
    assert verify_signature(BODY, lowered, SECRET, now=lambda: TS) == TS


def test_tampered_body_fails() -> None:
    with pytest.raises(SignatureError, match="signature does not match the body"):
        verify_signature(BODY.replace(b"1IAB", b"2IAB"), headers(), SECRET, now=lambda: TS)


def test_wrong_secret_fails() -> None:
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(BODY, headers(), "another-secret", now=lambda: TS)


@pytest.mark.parametrize("offset", [301, 10_000])
def test_stale_timestamp_fails(offset: int) -> None:
    with pytest.raises(SignatureError, match="outside the 300-second replay window"):
        verify_signature(BODY, headers(), SECRET, now=lambda: TS + offset)


@pytest.mark.parametrize("ahead", [31, 299, 301])
def test_a_timestamp_more_than_30_seconds_ahead_fails(ahead: int) -> None:
    with pytest.raises(SignatureError, match="more than 30 seconds in the future"):
        verify_signature(BODY, headers(), SECRET, now=lambda: TS - ahead)
    assert verify_signature(BODY, headers(), SECRET, now=lambda: TS - 30) == TS


def test_window_edge_is_inclusive() -> None:
    assert verify_signature(BODY, headers(), SECRET, now=lambda: TS + 300) == TS


def test_replayed_signature_with_a_fresh_timestamp_fails() -> None:
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(BODY, headers(ts=TS + 100), SECRET, now=lambda: TS + 100)


@pytest.mark.parametrize(
    ("hdrs", "reason"),
    [
        ({"X-Tiersync-Signature": KNOWN}, "missing X-Tiersync-Timestamp header"),
        ({"X-Tiersync-Timestamp": str(TS)}, "missing X-Tiersync-Signature header"),
        (headers(ts="yesterday"), "not a Unix time"),
        (headers(ts="9" * 400), "not a Unix time"),  # was an OverflowError and a 500
        (headers(ts="١٧٠٠٠٠٠٠٠٠"), "not a Unix time"),  # digits, but not ASCII ones
        ({**headers(), "X-Tiersync-Signature": "v1=" + "a" * 500}, "longer than 128"),
    ],
    ids=["missing-timestamp", "missing-signature", "words", "400-digits", "arabic", "huge"],
)
def test_missing_or_bad_headers(hdrs: dict[str, str], reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify_signature(BODY, hdrs, SECRET, now=lambda: TS)


@pytest.mark.parametrize("secret", [None, ""])
def test_missing_secret_refuses_everything(secret: str | None) -> None:
    with pytest.raises(SignatureError, match="no signing secret is configured"):
        verify_signature(BODY, headers(), secret, now=lambda: TS)


def test_callout_body_parsing() -> None:
    assert parse_callout(b'{"accountIds": ["001Dn0000000001IAB", "001Dn0000000001IAB"]}') == (
        "001Dn0000000001IAB",
    )
    with pytest.raises(MessageError, match="not valid JSON"):
        parse_callout(b"{")
    with pytest.raises(MessageError, match="at least one id"):
        parse_callout(b'{"ids": []}')
    with pytest.raises(MessageError, match="not a Salesforce id"):
        parse_callout(b'{"accountIds": ["001\' OR Name LIKE \'%"]}')
    with pytest.raises(MessageError, match="at most 200"):
        parse_callout(('{{"accountIds": [{}]}}'.format(",".join([f'"{sf_id(1)}"'] * 201))).encode())


@pytest.mark.parametrize("encoding", ["x-bogus", "UTF-7", "utf-32"])
def test_an_unknown_or_multibyte_xml_encoding_is_a_message_error(encoding: str) -> None:
    body = outbound_xml([sf_id(1)]).replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode())
    with pytest.raises(MessageError, match="unsupported XML encoding"):
        parse_outbound_message(body)
