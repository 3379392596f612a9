"""The SFDX metadata in plugin/salesforce matches the default field names and types."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from connectors.salesforce.config import (
    DEFAULT_FIELD_MAP,
    DEFAULT_HEALTH,
    DEFAULT_OUTPUT_FIELDS,
    DEFAULT_TIERS,
    OPTIONAL_OUTPUT_FIELDS,
)

ROOT = Path(__file__).resolve().parents[3] / "plugin" / "salesforce"
DEFAULT = ROOT / "force-app" / "main" / "default"
FIELDS = DEFAULT / "objects" / "Account" / "fields"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}
OUTPUT_TYPES = {
    "tier": "Picklist",
    "score": "Number",
    "health": "Picklist",
    "next_action": "Text",
    "reason": "Text",
    "changed_on": "Date",
}


def _field(name: str) -> ET.Element:
    root = ET.parse(FIELDS / f"{name}.field-meta.xml").getroot()
    assert root.tag == "{http://soap.sforce.com/2006/04/metadata}CustomField"
    return root


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, NS)
    return None if found is None else found.text


def _picklist(element: ET.Element) -> list[str]:
    return [v.text or "" for v in element.findall("md:valueSet//md:value/md:fullName", NS)]


@pytest.mark.parametrize(("key", "kind"), sorted(OUTPUT_TYPES.items()))
def test_output_fields_have_the_documented_types(key: str, kind: str) -> None:
    name = DEFAULT_OUTPUT_FIELDS[key]
    field = _field(name)
    assert _text(field, "md:fullName") == name
    assert _text(field, "md:type") == kind


def test_tier_health_and_override_are_restricted_picklists_of_the_model_names() -> None:
    for name, values in (
        ("Tier__c", DEFAULT_TIERS),
        ("Tier_Override__c", DEFAULT_TIERS),
        ("Health_Status__c", DEFAULT_HEALTH),
    ):
        field = _field(name)
        assert _text(field, "md:valueSet/md:restricted") == "true"
        assert _picklist(field) == list(values)


def test_score_is_number_5_1_and_texts_are_255() -> None:
    score = _field("Tier_Score__c")
    assert (_text(score, "md:precision"), _text(score, "md:scale")) == ("5", "1")
    for name in ("Next_Action__c", "Tier_Reason__c", "Proposed_Tier__c"):
        assert _text(_field(name), "md:length") == "255"


def test_every_default_custom_field_ships_and_nothing_else() -> None:
    custom = {n for n in DEFAULT_FIELD_MAP.values() if n.endswith("__c")}
    custom |= set(DEFAULT_OUTPUT_FIELDS.values()) | {"Tier_Override__c"}
    custom |= set(OPTIONAL_OUTPUT_FIELDS.values())
    shipped = {p.name.removesuffix(".field-meta.xml") for p in FIELDS.glob("*.field-meta.xml")}
    assert shipped == custom


def _permissions(name: str) -> dict[str, tuple[str | None, str | None]]:
    root = ET.parse(DEFAULT / "permissionsets" / f"{name}.permissionset-meta.xml").getroot()
    assert root.tag == "{http://soap.sforce.com/2006/04/metadata}PermissionSet"
    return {
        _text(fp, "md:field") or "": (_text(fp, "md:readable"), _text(fp, "md:editable"))
        for fp in root.findall("md:fieldPermissions", NS)
    }


def test_integration_user_edits_outputs_and_only_reads_inputs() -> None:
    perms = _permissions("Tiersync_Integration")
    for name in [*DEFAULT_OUTPUT_FIELDS.values(), *OPTIONAL_OUTPUT_FIELDS.values()]:
        assert perms[f"Account.{name}"] == ("true", "true")
    assert perms["Account.ARR_Potential__c"] == ("true", "false")
    assert perms["Account.Tier_Override__c"] == ("true", "false")


def test_reps_read_outputs_and_edit_nothing() -> None:
    perms = _permissions("Tiersync_Reader")
    for name in [*DEFAULT_OUTPUT_FIELDS.values(), *OPTIONAL_OUTPUT_FIELDS.values()]:
        assert perms[f"Account.{name}"][0] == "true"
    assert {editable for _, editable in perms.values()} == {"false"}


def test_sfdx_project_points_at_force_app() -> None:
    project = json.loads((ROOT / "sfdx-project.json").read_text())
    assert project["packageDirectories"] == [{"path": "force-app", "default": True}]
    assert project["sourceApiVersion"] == "60.0"
