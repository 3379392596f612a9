"""The canonical field table: each input's kind, plausible range and the headers it goes by.

Every connector reads headers through this one table (a CSV from Excel, HubSpot or a
Salesforce report, a Google Sheet, the Salesforce field map defaults), so a header that one
connector understands is understood by all of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scoring.errors import InvalidValue
from scoring.model import ScoringModel


@dataclass(frozen=True, slots=True)
class Field:
    """One canonical input: kind, readable header, other headers, range, Salesforce default."""

    name: str
    kind: str  # key | text | number | category | bool | date
    label: str  # the header tiersync writes (Sheets accounts tab)
    aliases: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    salesforce: str | None = None  # default Account API name


FIELDS: tuple[Field, ...] = (
    Field("account_id", "key", "Account ID",
          ("Id", "Record ID", "Account Record ID", "Company ID", "Account ID (18)")),
    Field("name", "text", "Account Name",
          ("Name", "Account", "Company", "Company Name", "Organization", "Organisation",
           "Customer Name"), salesforce="Name"),
    Field("industry", "category", "Industry", ("Vertical", "Sector"), salesforce="Industry"),
    Field("employees", "number", "Employees",
          ("Number of Employees", "No. of Employees", "# Employees", "Employee Count",
           "Headcount"), 0, salesforce="NumberOfEmployees"),
    Field("annual_revenue", "number", "Annual Revenue", ("Revenue",), 0,
          salesforce="AnnualRevenue"),
    Field("arr_potential", "number", "ARR Potential", ("Potential ARR", "Revenue Potential"), 0,
          salesforce="ARR_Potential__c"),
    Field("tech_fit", "category", "Tech Fit",
          ("Technology Fit", "Tech Stack Fit", "Technology Stack Fit"), salesforce="Tech_Fit__c"),
    Field("buying_stage", "category", "Buying Stage", ("Buyer Stage",),
          salesforce="Buying_Stage__c"),
    Field("competitive_position", "category", "Competitive Position", ("Competition",),
          salesforce="Competitive_Position__c"),
    Field("is_customer", "bool", "Customer", ("Is Customer", "Customer?", "Lifecycle Stage"),
          salesforce="Is_Customer__c"),
    Field("current_arr", "number", "Current ARR", ("ARR", "Customer ARR"), 0,
          salesforce="Current_ARR__c"),
    Field("pipeline", "number", "Pipeline", ("Open Pipeline", "Pipeline Amount"), 0,
          salesforce="Open_Pipeline__c"),
    Field("engagement_score", "number", "Engagement Score", ("Engagement",), 0, 100,
          salesforce="Engagement_Score__c"),
    Field("last_activity_date", "date", "Last Activity", ("Last Activity Date",),
          salesforce="LastActivityDate"),
    Field("engaged_contacts", "number", "Engaged Contacts", ("Engaged Stakeholders",), 0,
          salesforce="Engaged_Contacts__c"),
    Field("executive_contacts", "number", "Executive Contacts",
          ("Executive Relationships", "Exec Contacts"), 0, salesforce="Executive_Contacts__c"),
    Field("intent_surge", "number", "Intent Surge", ("Intent",), 0,
          salesforce="Intent_Surge__c"),
    Field("owner", "text", "Owner",
          ("Account Owner", "Company Owner", "Owner Name", "Sales Rep"), salesforce="OwnerId"),
    Field("region", "text", "Region",
          ("Territory", "Country/Region", "Country", "Billing Country", "Billing State/Province"),
          salesforce="Region__c"),
)  # fmt: skip

#: Optional inputs that are not account data (a manager's pinned tier).
EXTRA_FIELDS: tuple[Field, ...] = (
    Field("tier_override", "text", "Tier Override", ("Manual Tier",)),
)

#: The outputs tiersync writes, by the headers a sheet or an earlier export may give them.
OUTPUT_ALIASES: dict[str, tuple[str, ...]] = {
    "tier": ("Tier",),
    "score": ("Score", "Tier Score"),
    "health": ("Health Status", "Health"),
    "next_action": ("Next Action",),
    "reason": ("Tier Reason", "Reason"),
}

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS + EXTRA_FIELDS}
NUMBER_FIELDS: frozenset[str] = frozenset(f.name for f in FIELDS if f.kind == "number")

#: Picklist values of common CRMs → the default model's category names (compared folded).
#: HubSpot's industry enum is UPPER_SNAKE; the plain ones match once "_" reads as a space.
CATEGORY_SYNONYMS: dict[str, dict[str, str]] = {
    "industry": {
        "computer software": "Software",
        "information technology and services": "Technology",
        "internet": "Technology",
        "hospital health care": "Healthcare",
        "health wellness and fitness": "Healthcare",
        "management consulting": "Professional Services",
        "accounting": "Professional Services",
        "legal services": "Professional Services",
        "machinery": "Manufacturing",
        "industrial automation": "Manufacturing",
        "oil energy": "Energy",
        "renewables environment": "Energy",
        "utilities": "Energy",
        "financial services": "Financial Services",
        "investment banking": "Banking",
        "higher education": "Education",
        "education management": "Education",
        "logistics and supply chain": "Distribution",
        "wholesale": "Distribution",
        "broadcast media": "Media",
        "online media": "Media",
    }
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold_header(header: object) -> str:
    """Fold a header for matching: case, spaces, underscores and punctuation ignored."""
    return _NON_ALNUM.sub("", str(header or "").casefold())


def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in FIELDS + EXTRA_FIELDS:
        for header in (f.name, f.label, *f.aliases):
            index.setdefault(fold_header(header), f.name)
    for name, headers in OUTPUT_ALIASES.items():
        for header in (name, *headers):
            index.setdefault(fold_header(header), name)
    return index


_BY_HEADER = _index()


def canonical_for(header: object) -> str | None:
    """Return the canonical field a header stands for (built-in names and aliases), or None."""
    return _BY_HEADER.get(fold_header(header))


def headers_for(name: str) -> tuple[str, ...]:
    """Return every header accepted for a canonical field, its readable label first."""
    f = BY_NAME.get(name)
    if f is None:
        return (name, *OUTPUT_ALIASES.get(name, ()))
    return (f.label, f.name, *f.aliases)


def map_headers(
    headers: Sequence[str], field_map: Mapping[str, str] | None = None
) -> tuple[list[str | None], list[str]]:
    """Return each header's canonical field (None: not used) and notes on clashes.

    An explicit field map (canonical → header) wins over the built-in aliases; when two
    columns stand for the same field, the first one is used and the other is named.
    """
    explicit = {fold_header(h): c for c, h in (field_map or {}).items()}
    fields: list[str | None] = [explicit.get(fold_header(h)) for h in headers]
    taken = {name: headers[i] for i, name in enumerate(fields) if name is not None}
    notes: list[str] = []
    for i, header in enumerate(headers):
        name = None if fields[i] is not None else canonical_for(header)
        if name is None:
            continue
        if name in taken:
            notes.append(f"column '{header}' is not used: '{taken[name]}' already gives {name}")
            continue
        fields[i], taken[name] = name, header
    return fields, notes


def check_range(name: str, value: float) -> float:
    """Return value, or raise InvalidValue when it is outside the field's plausible range."""
    f = BY_NAME.get(name)
    if f is None:
        return value
    low, high = f.minimum, f.maximum
    if low is not None and value < low:
        if high is None and low == 0:
            raise InvalidValue(f"{value:g} is negative")
        raise InvalidValue(f"{value:g} is outside {low:g}-{high:g}")
    if high is not None and value > high:
        raise InvalidValue(f"{value:g} is outside {low or 0:g}-{high:g}")
    return value


def fold_category(value: str) -> str:
    """Fold a picklist value: case-insensitive, '_' and repeated spaces read as one space."""
    return " ".join(value.replace("_", " ").split()).casefold()


def model_inputs(model: ScoringModel) -> dict[str, str]:
    """Return the canonical fields a model reads, each with what reads it."""
    used = {c.field: c.label for c in model.criteria}
    used.setdefault("engagement_score", "health")
    r = model.reassessment
    for trigger in r.upgrade_triggers:
        used.setdefault(trigger.field, "an upgrade trigger")
    if r.inactive_days:
        used.setdefault("last_activity_date", "the inactivity downgrade")
    for name in ("pipeline", "current_arr"):  # is_customer falls back to current_arr > 0
        used.setdefault(name, "next actions")
    return used


def coverage_notes(model: ScoringModel, provided: set[str], how: str) -> list[str]:
    """Name, once, each input the model reads that no column gives; how says how to map one."""
    return [
        f"no column gives {name} (read by {reader}): every account counts it as missing; {how}"
        for name, reader in model_inputs(model).items()
        if name not in provided
    ]
