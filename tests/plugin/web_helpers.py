"""Helpers for the web tests: configs, an app, a fake Salesforce, signed ID tokens, messages."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from google.auth import crypt, jwt

from connectors.base import RecordFailure, WriteReport
from connectors.errors import RetriableError
from plugin.config import Config, load_config
from plugin.store.database import Store
from plugin.web.app import create_app
from scoring import AccountRecord, Result

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ORG_ID = "00D5e000000Abc1EAC"
PATH_TOKEN = "p4th-t0ken-for-tests-0123456789abcdef"
SECRET = "whsec-test-secret-0123456789abcdefghij"
DASH_TOKEN = "dash-token-for-tests-0123456789abcdef"
BASE_URL = "https://tiersync.test"
SERVICE_ACCOUNT = "service-123@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
CLIENT_ID = "1234567890-tiersync.apps.googleusercontent.com"
MANAGER = "manager@acme.example"
SPREADSHEET = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"  # the id in tests/fixtures/addon/*.json
ENV = {
    "TIERSYNC_WEBHOOK_PATH_TOKEN": PATH_TOKEN,
    "TIERSYNC_WEBHOOK_SECRET": SECRET,
    "TIERSYNC_DASHBOARD_TOKEN": DASH_TOKEN,
}
TOML = f"""
[webhooks]
org_id = "{ORG_ID}"
max_body_bytes = 65536

[addon]
base_url = "{BASE_URL}"
service_account_email = "{SERVICE_ACCOUNT}"
oauth_client_id = "{CLIENT_ID}"
managers = ["{MANAGER}"]

[sheets]
spreadsheet_key = "{SPREADSHEET}"
"""


def outbound(name: str) -> bytes:
    """Return an Outbound Message fixture's bytes."""
    return (FIXTURES / "salesforce" / f"outbound_{name}.xml").read_bytes()


def make_config(
    tmp_path: Path, store_url: str, env: Mapping[str, str] | None = None, extra: str = ""
) -> Config:
    """Write a tiersync.toml with webhooks/addon tables (plus extra) and load it with secrets."""
    path = tmp_path / "tiersync.toml"
    path.write_text(f'[store]\nurl = "{store_url}"\n{TOML}{extra}', encoding="utf-8")
    return load_config(path, env={**ENV, **(env or {})})


def make_app(
    tmp_path: Path,
    store: Store,
    *,
    now: float | None = None,
    certs: Mapping[str, str] | None = None,
    connector: Any = None,
    env: Mapping[str, str] | None = None,
    extra: str = "",
) -> Flask:
    """Return a testing app on this store with a fixed clock and local add-on certificates."""
    config = make_config(tmp_path, store.url, env, extra)
    return create_app(
        {
            "TESTING": True,
            "TIERSYNC_CONFIG": config,
            "TIERSYNC_STORE": store,
            "TIERSYNC_CLOCK": (lambda: now) if now is not None else time.time,
            "TIERSYNC_CERTS": (lambda: certs) if certs is not None else None,
            "TIERSYNC_CONNECTOR_FACTORY": (lambda: connector) if connector is not None else None,
        }
    )


class FakeSalesforce:
    """An in-process stand-in with the connector's read_ids/write_results, counting every id."""

    name = "salesforce"
    replayable, reads_outputs = False, True

    def check(self) -> None:
        """Nothing to check in process."""

    def next_bookmark(self) -> str | None:
        """No incremental reads."""
        return None

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        """Yield nothing: the fake is read by id only."""
        return iter(())

    def __init__(
        self, fail_reads: int = 0, reject: Iterable[str] = (), missing: Iterable[str] = ()
    ):
        self.fail_reads = fail_reads
        self.reject = set(reject)
        self.missing = set(missing)
        self.reads: list[list[str]] = []
        self.written: Counter[str] = Counter()
        self.api_calls = 0

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Yield one plausible account per id (one 'query' per call)."""
        wanted = list(ids)
        self.api_calls += 1
        if self.fail_reads:
            self.fail_reads -= 1
            raise RetriableError("REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.")
        self.reads.append(wanted)
        for n, aid in enumerate(wanted):
            if aid in self.missing:
                continue
            yield AccountRecord(
                aid,
                {
                    "name": f"Account {aid[-6:]}",
                    "industry": "Technology",
                    "employees": 1500 + n,
                    "arr_potential": 650_000,
                    "tech_fit": "Strong",
                    "buying_stage": "Evaluating",
                    "competitive_position": "Greenfield",
                    "is_customer": False,
                    "current_arr": 0,
                    "pipeline": 350_000,
                    "engagement_score": 82,
                    "owner": "005000000000001",
                },
            )

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Count each written id; reject the configured ones like a validation rule would."""
        report = WriteReport(api_calls=1)
        self.api_calls += 1
        for record, _result in pairs:
            if record.account_id in self.reject:
                report.failures.append(
                    RecordFailure(record.account_id, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "no")
                )
                continue
            self.written[record.account_id] += 1
            report.written += 1
            report.written_ids.append(record.account_id)
        return report


def sf_id(n: int) -> str:
    """Return a well-formed 18-character Account id numbered n."""
    return f"001Dn{n:010d}IAB"


def outbound_xml(ids: Iterable[str], org: str = ORG_ID) -> bytes:
    """Build an Outbound Message exactly like Salesforce's for these Account ids."""
    notes = "".join(
        f"<Notification><Id>04l5e00000C{n:04d}AAV</Id>"
        f'<sObject xsi:type="sf:Account" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"<sf:Id>{aid}</sf:Id></sObject></Notification>"
        for n, aid in enumerate(ids)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org}</OrganizationId><ActionId>04k5e000000TsAaAAK</ActionId>"
        '<SessionId xsi:nil="true"/>'
        "<EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/60.0/00D5e000000Abc1"
        "</EnterpriseUrl><PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/60.0/"
        f"00D5e000000Abc1</PartnerUrl>{notes}</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


class TokenFactory:
    """Sign ID tokens with a locally generated RSA key, as Google would for the add-on."""

    def __init__(self, kid: str = "test-key-1") -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.kid = kid
        self.signer = crypt.RSASigner.from_string(pem, key_id=kid)
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.certs = {kid: public.decode()}

    def token(self, audience: str, **overrides: Any) -> str:
        """Return a signed system ID token for audience; overrides replace or drop claims."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": "https://accounts.google.com",
            "aud": audience,
            "azp": "1234567890",
            "sub": "1234567890",
            "email": SERVICE_ACCOUNT,
            "email_verified": True,
            "iat": now,
            "exp": now + 3600,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(self.signer, claims, key_id=self.kid).decode()

    def user_token(self, email: str | None = MANAGER, **overrides: Any) -> str:
        """Return a signed user ID token, as Google puts in authorizationEventObject."""
        return self.token(CLIENT_ID, email=email, azp=CLIENT_ID, **overrides)
