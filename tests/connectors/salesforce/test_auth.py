"""Auth: JWT bearer, username/password, handed-over session; one renewal on INVALID_SESSION_ID."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.errors import ConfigError, FatalError
from connectors.salesforce.connector import SalesforceConfig
from tests.connectors.sf_helpers import (
    QUERY,
    TOKEN_URL,
    add_query,
    fixture,
    fixture_text,
    make_config,
    make_connector,
    query_page,
)

USERNAME = "integration@acme.com"
CONSUMER_KEY = "3MVG9consumer.key"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _jwt_config(key: rsa.RSAPrivateKey, **overrides: object) -> SalesforceConfig:
    values: dict = {"username": USERNAME, "consumer_key": CONSUMER_KEY, "private_key": _pem(key)}
    values.update(overrides)
    return SalesforceConfig(**values)


@responses.activate
def test_jwt_bearer_login_signs_the_assertion_and_uses_the_token(rsa_key) -> None:
    responses.add(responses.POST, TOKEN_URL, json=fixture("oauth_token.json"))
    add_query(responses.mock, "COUNT()", query_page([]))
    connector = make_connector(_jwt_config(rsa_key))
    connector.client.run(lambda sf: sf.query("SELECT COUNT() FROM Account"))
    form = parse_qs(responses.calls[0].request.body)
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = jwt.decode(
        form["assertion"][0],
        rsa_key.public_key(),
        algorithms=["RS256"],
        audience="https://login.salesforce.com",
    )
    assert claims["iss"] == CONSUMER_KEY
    assert claims["sub"] == USERNAME
    query = responses.calls[1].request
    assert query.url.startswith("https://acme.my.salesforce.com/services/data/v60.0/query/")
    assert query.headers["Authorization"] == "Bearer 00DDn000000AbCd!AQEAQ.scrubbed"
    assert connector.api_calls == 1  # the token call is not an API call


@responses.activate
def test_jwt_with_a_key_file_and_the_test_domain(rsa_key, tmp_path: Path) -> None:
    key_file = tmp_path / "server.key"
    key_file.write_text(_pem(rsa_key))
    sandbox_token = "https://test.salesforce.com/services/oauth2/token"
    responses.add(responses.POST, sandbox_token, json=fixture("oauth_token.json"))
    add_query(responses.mock, "COUNT()", query_page([]))
    config = _jwt_config(rsa_key, private_key=None, private_key_file=str(key_file), domain="test")
    make_connector(config).client.run(lambda sf: sf.query("SELECT COUNT() FROM Account"))
    assertion = parse_qs(responses.calls[0].request.body)["assertion"][0]
    claims = jwt.decode(
        assertion,
        rsa_key.public_key(),
        algorithms=["RS256"],
        audience="https://test.salesforce.com",
    )
    assert claims["sub"] == USERNAME


@responses.activate
def test_expired_session_is_renewed_once_and_the_call_retried(rsa_key) -> None:
    responses.add(responses.POST, TOKEN_URL, json=fixture("oauth_token.json"))
    add_query(responses.mock, "COUNT()", fixture("error_invalid_session.json"), status=401)
    add_query(responses.mock, "COUNT()", fixture("count_small.json"))
    add_query(responses.mock, "SELECT Id", fixture("accounts_page_last.json"))
    connector = make_connector(_jwt_config(rsa_key))
    records = list(connector.iter_accounts())
    assert [r.account_id for r in records] == ["001Dn00000C3qrsIAB"]
    urls = [c.request.url.split("?")[0] for c in responses.calls]
    assert urls == [TOKEN_URL, QUERY, TOKEN_URL, QUERY, QUERY]
    assert connector.api_calls == 3


@responses.activate
def test_a_session_that_expires_again_after_renewal_is_fatal(rsa_key) -> None:
    responses.add(responses.POST, TOKEN_URL, json=fixture("oauth_token.json"))
    add_query(responses.mock, "COUNT()", fixture("error_invalid_session.json"), status=401)
    with pytest.raises(FatalError, match="expired again right after renewal"):
        list(make_connector(_jwt_config(rsa_key)).iter_accounts())
    assert sum(c.request.url == TOKEN_URL for c in responses.calls) == 2


@responses.activate
def test_handed_over_session_without_credentials_cannot_be_renewed() -> None:
    add_query(responses.mock, "COUNT()", fixture("error_invalid_session.json"), status=401)
    with pytest.raises(FatalError, match="no credentials are configured to renew"):
        list(make_connector().iter_accounts())
    assert len(responses.calls) == 1


@responses.activate
def test_handed_over_session_renews_with_configured_credentials(rsa_key) -> None:
    responses.add(responses.POST, TOKEN_URL, json=fixture("oauth_token.json"))
    add_query(responses.mock, "COUNT()", fixture("error_invalid_session.json"), status=401)
    add_query(responses.mock, "COUNT()", query_page([]))
    add_query(responses.mock, "SELECT Id", query_page([]))
    config = make_config(username=USERNAME, consumer_key=CONSUMER_KEY, private_key=_pem(rsa_key))
    assert list(make_connector(config).iter_accounts()) == []
    assert responses.calls[0].request.headers["Authorization"].endswith("handed-over-session")
    assert responses.calls[2].request.headers["Authorization"].endswith("AQEAQ.scrubbed")


@responses.activate
def test_username_password_login_goes_through_soap(caplog) -> None:
    responses.add(
        responses.POST,
        "https://login.salesforce.com/services/Soap/u/60.0",
        body=fixture_text("login_soap_success.xml"),
        content_type="text/xml",
    )
    add_query(responses.mock, "COUNT()", query_page([]))
    config = SalesforceConfig(
        username=USERNAME, password="pa55-secret", security_token="tok-secret"
    )
    caplog.set_level(logging.DEBUG)
    make_connector(config).client.run(lambda sf: sf.query("SELECT COUNT() FROM Account"))
    assert "pa55-secrettok-secret" in responses.calls[0].request.body
    assert responses.calls[1].request.headers["Authorization"].endswith("soap-scrubbed")
    assert "pa55-secret" not in caplog.text and "tok-secret" not in caplog.text


@responses.activate
def test_refused_login_is_a_config_error_without_secrets(rsa_key, caplog) -> None:
    responses.add(responses.POST, TOKEN_URL, json=fixture("oauth_invalid_grant.json"), status=400)
    caplog.set_level(logging.DEBUG)
    connector = make_connector(_jwt_config(rsa_key))
    with pytest.raises(
        ConfigError, match=r"login failed \(invalid_grant\): invalid assertion"
    ) as info:
        connector.check()
    pem_body = _pem(rsa_key).splitlines()[1]
    assert pem_body not in str(info.value)
    assert pem_body not in caplog.text
    assert len(responses.calls) == 1  # a refused login is not retried


@responses.activate
def test_missing_key_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.key"
    config = SalesforceConfig(
        username=USERNAME, consumer_key=CONSUMER_KEY, private_key_file=str(missing)
    )
    with pytest.raises(ConfigError, match=f"FileNotFoundError: {missing}"):
        make_connector(config).check()
    assert len(responses.calls) == 0
