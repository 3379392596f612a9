"""The webhook endpoints: ACK only after the ids are stored; every fault answered, nothing kept."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from plugin.changes import inbox
from plugin.changes.verify import ACK, sign
from plugin.store.database import Store
from tests.plugin.web_helpers import PATH_TOKEN, SECRET, make_app, outbound, outbound_xml, sf_id

URL = f"/webhooks/salesforce/outbound/{PATH_TOKEN}"
CALLOUT = "/webhooks/salesforce/callout"
NOW = 1_700_000_000
SOAP = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


def post(client, body: bytes, url: str = URL):  # type: ignore[no-untyped-def]
    return client.post(url, data=body, headers=SOAP)


def test_outbound_message_is_stored_then_acked(tmp_path: Path, any_store: Store) -> None:
    client = make_app(tmp_path, any_store).test_client()
    response = post(client, outbound("single"))
    assert response.status_code == 200
    assert response.data.decode() == ACK
    assert response.content_type.startswith("text/xml")
    assert inbox.pending_ids(any_store) == ["0015e00000AcmeCAAR"]


def test_duplicate_delivery_is_harmless(tmp_path: Path, any_store: Store) -> None:
    client = make_app(tmp_path, any_store).test_client()
    for _ in range(3):  # Salesforce resends until it sees the ACK
        assert post(client, outbound("single")).data.decode() == ACK
    assert inbox.stats(any_store).pending == 1


def test_hundred_notifications_all_stored(tmp_path: Path, any_store: Store) -> None:
    client = make_app(tmp_path, any_store).test_client()
    assert post(client, outbound("100")).status_code == 200
    assert len(inbox.pending_ids(any_store)) == 100
    refused = post(client, outbound("101"))
    assert refused.status_code == 400
    assert b"at most 100 accepted" in refused.data
    assert len(inbox.pending_ids(any_store)) == 100


def test_forged_org_gets_403_and_nothing_stored(tmp_path: Path, tmp_store: Store) -> None:
    client = make_app(tmp_path, tmp_store).test_client()
    response = post(client, outbound("forged_org"))
    assert response.status_code == 403
    assert b"OrganizationId does not match" in response.data
    assert inbox.pending_ids(tmp_store) == []


def test_wrong_path_token_gets_403(tmp_path: Path, tmp_store: Store) -> None:
    client = make_app(tmp_path, tmp_store).test_client()
    response = post(client, outbound("single"), url="/webhooks/salesforce/outbound/guess")
    assert response.status_code == 403
    assert b"unknown endpoint token" in response.data
    assert inbox.pending_ids(tmp_store) == []


def test_unconfigured_endpoint_says_what_to_set(tmp_path: Path, tmp_store: Store) -> None:
    app = make_app(tmp_path, tmp_store, env={"TIERSYNC_WEBHOOK_PATH_TOKEN": ""})
    response = post(app.test_client(), outbound("single"))
    assert response.status_code == 403
    assert b"set TIERSYNC_WEBHOOK_PATH_TOKEN" in response.data


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("xxe", b"DTD or entities is refused"),
        ("billion_laughs", b"DTD or entities is refused"),
        ("malformed", b"not well-formed XML"),
        ("soql_injection", b"not a Salesforce id"),
    ],
)
def test_hostile_or_broken_bodies_get_400(
    tmp_path: Path, tmp_store: Store, name: str, reason: bytes
) -> None:
    client = make_app(tmp_path, tmp_store).test_client()
    response = post(client, outbound(name))
    assert response.status_code == 400
    assert reason in response.data
    assert b"<faultcode>soapenv:Client</faultcode>" in response.data
    assert inbox.pending_ids(tmp_store) == []


def test_oversized_body_gets_413_with_or_without_length(tmp_path: Path, tmp_store: Store) -> None:
    client = make_app(tmp_path, tmp_store).test_client()  # max_body_bytes = 65536 in the config
    big = outbound_xml([sf_id(i) for i in range(400)])
    assert len(big) > 65536
    assert post(client, big).status_code == 413

    # A chunked body declares no length: the limit must hold while reading the stream.
    streamed = client.post(
        URL,
        input_stream=io.BytesIO(big),
        headers={**SOAP, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # what waitress sets for chunked
    )
    assert streamed.status_code == 413
    assert inbox.pending_ids(tmp_store) == []


def signed(body: bytes, ts: int = NOW, secret: str = SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Tiersync-Timestamp": str(ts),
        "X-Tiersync-Signature": sign(body, secret, ts),
    }


def test_signed_callout_is_stored(tmp_path: Path, any_store: Store) -> None:
    client = make_app(tmp_path, any_store, now=NOW + 5).test_client()
    body = json.dumps({"accountIds": [sf_id(1), sf_id(2)]}).encode()
    response = client.post(CALLOUT, data=body, headers=signed(body))
    assert response.status_code == 202
    assert response.get_json() == {"accepted": 2, "queued": 2}
    assert inbox.pending_ids(any_store) == [sf_id(1), sf_id(2)]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda b, h: (b, {**h, "X-Tiersync-Signature": "v1=" + "0" * 64}), "does not match"),
        (lambda b, h: (b + b" ", h), "does not match"),
        (lambda b, h: (b, signed(b, ts=NOW - 301)), "replay window"),
        (lambda b, h: (b, {"Content-Type": "application/json"}), "missing X-Tiersync-Timestamp"),
        (lambda b, h: (b, signed(b, secret="not-ours")), "does not match"),
    ],
    ids=["bad-hmac", "tampered", "stale", "missing-header", "wrong-secret"],
)
def test_bad_callouts_get_401_and_nothing_stored(
    tmp_path: Path,
    tmp_store: Store,
    mutate,
    reason: str,  # type: ignore[no-untyped-def]
) -> None:
    client = make_app(tmp_path, tmp_store, now=NOW).test_client()
    body = json.dumps({"accountIds": [sf_id(1)]}).encode()
    sent, hdrs = mutate(body, signed(body))
    response = client.post(CALLOUT, data=sent, headers=hdrs)
    assert response.status_code == 401
    assert reason in response.get_json()["error"]
    assert inbox.pending_ids(tmp_store) == []


def test_signed_callout_with_injected_id_gets_400(tmp_path: Path, tmp_store: Store) -> None:
    client = make_app(tmp_path, tmp_store, now=NOW).test_client()
    body = json.dumps({"accountIds": ["001' OR Id != '"]}).encode()
    response = client.post(CALLOUT, data=body, headers=signed(body))
    assert response.status_code == 400
    assert "not a Salesforce id" in response.get_json()["error"]
    assert inbox.pending_ids(tmp_store) == []


def test_callout_without_configured_secret_is_refused(tmp_path: Path, tmp_store: Store) -> None:
    app = make_app(tmp_path, tmp_store, now=NOW, env={"TIERSYNC_WEBHOOK_SECRET": ""})
    body = b'{"accountIds": []}'
    response = app.test_client().post(CALLOUT, data=body, headers=signed(body))
    assert response.status_code == 401
    assert response.get_json()["error"] == "no signing secret is configured"


def test_a_replay_is_refused_by_every_server_sharing_the_store(
    tmp_path: Path, any_store: Store
) -> None:
    for name in "abc":
        (tmp_path / name).mkdir()
    first = make_app(tmp_path / "a", any_store, now=NOW + 5).test_client()
    second = make_app(tmp_path / "b", any_store, now=NOW + 200).test_client()
    body = json.dumps({"accountIds": [sf_id(9)]}).encode()
    assert first.post(CALLOUT, data=body, headers=signed(body)).status_code == 202
    again = second.post(CALLOUT, data=body, headers=signed(body))  # another process, same bytes
    assert again.status_code == 409
    assert "replay refused" in again.get_json()["error"]
    later = make_app(tmp_path / "c", any_store, now=NOW + 400).test_client()
    assert later.post(CALLOUT, data=body, headers=signed(body)).status_code == 401  # stale
    assert inbox.stats(any_store).pending == 1


def test_a_callout_the_inbox_could_not_store_may_be_retried(
    tmp_path: Path, tmp_store: Store
) -> None:
    app = make_app(tmp_path, tmp_store, now=NOW + 5)
    body = json.dumps({"accountIds": [sf_id(10)]}).encode()
    committer = app.extensions["tiersync"].committer

    class Down:
        def enqueue(self, ids: object, source: str) -> int:
            raise TimeoutError("the inbox did not commit in time")

    app.extensions["tiersync"].committer = Down()
    assert app.test_client().post(CALLOUT, data=body, headers=signed(body)).status_code == 503
    app.extensions["tiersync"].committer = committer
    assert app.test_client().post(CALLOUT, data=body, headers=signed(body)).status_code == 202
    assert inbox.pending_ids(tmp_store) == [sf_id(10)]
