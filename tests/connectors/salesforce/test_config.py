"""SalesforceConfig, SOQL building and the pure record helpers: no HTTP at all."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.base import RecordFailure
from connectors.errors import ConfigError
from connectors.salesforce.bulk import parse_bulk_error, to_csv
from connectors.salesforce.config import DEFAULT_FIELD_MAP
from connectors.salesforce.connector import SalesforceConfig
from connectors.salesforce.records import Change, fit_text, plan_change, to_record
from connectors.salesforce.soql import (
    check_api_name,
    check_id,
    count_accounts,
    select_accounts,
    select_by_ids,
)
from scoring import Outputs, TierChange
from tests.connectors.sf_helpers import account_row, make_config, record, result

ENV = {
    "TIERSYNC_SF_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nSECRETKEYBODY\n-----END",
    "SF_PW": "hunter2-password",
    "TIERSYNC_SF_SECURITY_TOKEN": "tok3n-secret",
}


def test_from_mapping_reads_jwt_settings_and_secret_from_env() -> None:
    config = SalesforceConfig.from_mapping(
        {"username": "integration@acme.com", "consumer_key": "3MVG9-key", "domain": "test"},
        ENV,
    )
    assert config.auth_mode() == "jwt"
    assert config.private_key == ENV["TIERSYNC_SF_PRIVATE_KEY"]
    assert config.domain == "test"
    assert config.field_map["arr_potential"] == "ARR_Potential__c"
    assert config.output_fields["tier"] == "Tier__c"


def test_from_mapping_password_env_names_the_variable() -> None:
    config = SalesforceConfig.from_mapping(
        {"username": "u@acme.com", "password_env": "SF_PW"}, {**ENV, "TIERSYNC_SF_PRIVATE_KEY": ""}
    )
    assert config.auth_mode() == "password"
    assert config.password == "hunter2-password"
    assert config.security_token == "tok3n-secret"


def test_repr_never_shows_secrets() -> None:
    config = SalesforceConfig.from_mapping(
        {"username": "u@acme.com", "password_env": "SF_PW", "consumer_key": "k"}, ENV
    )
    text = repr(config)
    assert "u@acme.com" in text
    for secret in ("hunter2-password", "tok3n-secret", "SECRETKEYBODY"):
        assert secret not in text


@pytest.mark.parametrize(
    ("data", "env", "message"),
    [
        ({"password": "inline"}, {}, "salesforce.password: secrets do not belong"),
        ({"pasword_env": "X"}, {}, "unknown key(s) pasword_env"),
        ({"username": "u", "password_env": "NOPE"}, {}, "password_env: variable NOPE is not set"),
        ({"field_map": {"name": "Name FROM User --"}}, ENV, "field_map.name"),
        ({"field_map": {"colour": "Colour__c"}}, ENV, "unknown canonical field 'colour'"),
        ({"output_fields": {"tier": "Tier__c'"}}, ENV, "output_fields.tier"),
        ({"bulk_read_threshold": "many"}, ENV, "bulk_read_threshold: must be a whole number"),
        ({"budget_share": 1.5}, ENV, "budget_share: must be in (0, 1]"),
        ({"rollups": "yes"}, ENV, "rollups: must be true or false"),
        ({"instance_url": "http://acme.my.salesforce.com"}, ENV, "instance_url: must start"),
        ({"domain": "login.salesforce.com/evil?"}, ENV, "salesforce.domain"),
    ],
)
def test_from_mapping_names_the_bad_key(data: dict, env: dict, message: str) -> None:
    base = {"username": "u@acme.com", "consumer_key": "k"} if env else {}
    with pytest.raises(ConfigError) as info:
        SalesforceConfig.from_mapping({**base, **data}, env)
    assert message in str(info.value)


def test_incomplete_credentials_are_named_when_connecting() -> None:
    config = SalesforceConfig.from_mapping({"username": "u"}, {})  # loads: no secret needed yet
    with pytest.raises(ConfigError, match="no complete credentials"):
        config.auth_mode()


def test_field_map_overrides_merge_with_defaults() -> None:
    config = SalesforceConfig.from_mapping(
        {
            "instance_url": "https://acme.my.salesforce.com",
            "field_map": {"region": "Sales_Region__c", "owner": "Owner.Name"},
        },
        {"TIERSYNC_SF_SESSION_ID": "sess"},
    )
    assert config.field_map["region"] == "Sales_Region__c"
    assert config.field_map["owner"] == "Owner.Name"
    assert config.field_map["industry"] == DEFAULT_FIELD_MAP["industry"]
    assert config.auth_mode() == "session"
    assert not config.can_renew()


@pytest.mark.parametrize(
    "name",
    ["Name, (SELECT Id FROM User)", "Name FROM User--", "Tier__c'", "", "1Name", "a.b c", "A___c"],
)
def test_api_names_that_could_inject_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="not a Salesforce field API name"):
        check_api_name(name)


@pytest.mark.parametrize(
    "value",
    [
        "001' OR Name != '",
        "001Dn00000A1cmeIA",
        "001Dn00000A1cmeIAB1",
        "001Dn0000%27A1cme",
        "x" * 15 + "'",
    ],
)
def test_ids_must_have_the_salesforce_form(value: str) -> None:
    with pytest.raises(ValueError, match="not a Salesforce record id"):
        check_id(value)


@given(st.text(max_size=30))
def test_any_accepted_id_is_plain_alphanumeric(value: str) -> None:
    try:
        check_id(value)
    except ValueError:
        return
    assert value.isascii() and value.isalnum() and len(value) in (15, 18)


def test_select_is_built_from_the_map_and_an_utc_watermark() -> None:
    since = datetime(2024, 6, 1, 4, 30, tzinfo=timezone(timedelta(hours=2)))
    assert select_accounts(["Id", "Name"], since) == (
        "SELECT Id, Name FROM Account WHERE SystemModstamp > 2024-06-01T02:30:00Z"
    )
    assert count_accounts(None) == "SELECT COUNT() FROM Account"
    assert select_by_ids(["Id"], ["001Dn00000A1cmeIAB", "001Dn00000A1cme"]) == (
        "SELECT Id FROM Account WHERE Id IN ('001Dn00000A1cmeIAB','001Dn00000A1cme')"
    )


def test_to_record_maps_fields_current_outputs_and_override() -> None:
    row = account_row(
        "001Dn00000A1cmeIAB",
        Name="Acme",
        ARR_Potential__c=500000.0,
        Tier__c="Tier 1",
        Tier_Score__c=88.96,
        Health_Status__c="Healthy",
        Tier_Override__c="Tier 2",
        Region__c="",
    )
    rec = to_record(row, make_config())
    assert rec.account_id == "001Dn00000A1cmeIAB"
    assert rec.get("name") == "Acme"
    assert rec.get("arr_potential") == 500000.0
    assert rec.get("region") is None
    assert rec.current == Outputs("Tier 1", 89.0, "Healthy", None, None)
    assert rec.tier_override == "Tier 2"


def test_plan_sends_only_changed_fields_and_dates_a_tier_change() -> None:
    config = make_config()
    res = result("001Dn00000A1cmeIAB", change=TierChange("Tier 3", "Tier 2", "score 62.5"))
    current = Outputs("Tier 3", 62.5, res.health, res.next_action, res.reason)
    plan = plan_change(record(res.account_id, current), res, config, date(2024, 6, 3))
    assert plan == Change(res.account_id, {"Tier__c": "Tier 2", "Tier_Changed_On__c": "2024-06-03"})


def test_plan_ignores_score_noise_below_one_decimal() -> None:
    res = result("001Dn00000A1cmeIAB", score=62.54)
    current = Outputs(res.tier, 62.5, res.health, res.next_action, res.reason)
    assert plan_change(record(res.account_id, current), res, make_config(), date.today()) is None


def test_plan_rejects_values_outside_the_picklist() -> None:
    res = result("001Dn00000A1cmeIAB", tier="Tier 9", health="Meh")
    plan = plan_change(record(res.account_id), res, make_config(), date.today())
    assert plan == RecordFailure(
        res.account_id,
        "TIERSYNC_INVALID_VALUE",
        "tier 'Tier 9' is not an allowed picklist value",
        ("Tier__c",),
    )


def test_long_text_is_cut_to_255() -> None:
    cut = fit_text("x" * 300)
    assert cut is not None and len(cut) == 255 and cut.endswith("…")
    res = result("001Dn00000A1cmeIAB", next_action="y" * 400)
    plan = plan_change(record(res.account_id), res, make_config(), date.today())
    assert isinstance(plan, Change)
    assert len(plan.values["Next_Action__c"]) == 255


def test_bulk_csv_leaves_absent_columns_alone_and_nulls_with_na() -> None:
    body = to_csv(
        [{"Id": "001Dn00000A1cmeIAB", "Tier__c": "Tier 1", "Next_Action__c": None}, {"Id": "x"}],
        ["Id", "Tier__c", "Next_Action__c"],
    )
    assert body == "Id,Tier__c,Next_Action__c\n001Dn00000A1cmeIAB,Tier 1,#N/A\nx,,\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",
            ("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ("Name",)),
        ),
        (
            "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
            ("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ()),
        ),
        (
            "FIELD_CUSTOM_VALIDATION_EXCEPTION:Score: too high: see rule",
            ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Score: too high: see rule", ()),
        ),
    ],
)
def test_bulk_error_text_is_split(text: str, expected: tuple) -> None:
    assert parse_bulk_error(text) == expected


def test_naive_since_is_taken_as_utc() -> None:
    naive = datetime(2024, 6, 1, 2, 30)
    assert select_accounts(["Id"], naive) == select_accounts(["Id"], naive.replace(tzinfo=UTC))
