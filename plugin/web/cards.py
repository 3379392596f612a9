"""Cards for the Sheets add-on (HTTP runtime): plain JSON built from plain values.

Google renders these; the shapes follow the Workspace add-on card reference: a homepage answers
`action.navigations[].pushCard`, a button answers `renderActions` with `updateCard`. Text widgets
and section headers render simple HTML (links, bold), so every value is escaped: CRM text, model
names and emails show as written and can never become a link.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

Card = dict[str, Any]
ACTIONS = (
    ("Validate", "validate"),
    ("Preview impact", "preview"),
    ("Apply", "apply"),
    ("Sync now", "sync"),
)


def push(card: Card) -> dict[str, Any]:
    """Wrap a card as the answer to a homepage trigger."""
    return {"action": {"navigations": [{"pushCard": card}]}}


def update(card: Card, note: str | None = None) -> dict[str, Any]:
    """Wrap a card as the answer to a button: replace the shown card, optionally toast a note."""
    action: dict[str, Any] = {"navigations": [{"updateCard": card}]}
    if note:
        action["notification"] = {"text": note}
    return {"renderActions": {"action": action}}


def text(label: str, value: str, wrap: bool = True) -> dict[str, Any]:
    """Return a decoratedText widget: a small label over a value."""
    return {
        "decoratedText": {"topLabel": label, "text": escape(value, quote=False), "wrapText": wrap}
    }


def paragraph(value: str) -> dict[str, Any]:
    """Return a textParagraph widget."""
    return {"textParagraph": {"text": escape(value, quote=False)}}


def buttons(base_url: str, names: Iterable[tuple[str, str]] = ACTIONS) -> dict[str, Any]:
    """Return a buttonList whose buttons call our endpoints (full URLs, as HTTP add-ons need)."""
    return {
        "buttonList": {
            "buttons": [
                {"text": label, "onClick": {"action": {"function": f"{base_url}/addon/{path}"}}}
                for label, path in names
            ]
        }
    }


def card(title: str, sections: Sequence[Mapping[str, Any]], subtitle: str = "") -> Card:
    """Return a card with a header and sections."""
    header: dict[str, Any] = {"title": title}
    if subtitle:
        header["subtitle"] = subtitle
    return {"header": header, "sections": [dict(s) for s in sections]}


def section(header: str, widgets: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Return a card section."""
    return {"header": escape(header, quote=False), "widgets": [dict(w) for w in widgets]}


def status_card(
    base_url: str,
    version: Mapping[str, Any] | None,
    validation: Mapping[str, Any] | None,
    last_run: Mapping[str, Any] | None,
) -> Card:
    """Build the homepage: model version, last validation and its errors, last run, actions."""
    model: list[dict[str, Any]] = []
    if version:
        model.append(text("Model version", f"{version['hash']} · applied {version['applied_at']}"))
        model.append(text("Applied by", f"{version['applied_by'] or '—'} from {version['source']}"))
    else:
        model.append(paragraph("No model applied yet: the first sync applies the sheet's model."))
    if validation is None:
        model.append(text("Last validation", "not run yet — press Validate"))
    elif validation.get("errors"):
        found = f"{validation['errors']} error(s) at {validation['at']} — press Validate to list"
        model.append(text("Last validation", found))
    else:
        model.append(text("Last validation", f"OK at {validation['at']} ({validation['hash']})"))
    return card(
        "tiersync",
        [
            section("Scoring model", model),
            run_section(last_run),
            section("Actions", [buttons(base_url)]),
        ],
        subtitle="Account tiers for this sheet",
    )


def run_section(run: Mapping[str, Any] | None) -> dict[str, Any]:
    """Summarise the last run: status, when, accounts, writes, tier changes, API calls."""
    if not run:
        return section("Last run", [paragraph("No run yet.")])
    widgets = [
        text("Status", f"{run['status']} ({run.get('kind', 'sync')})"),
        text("Started", str(run["started_at"])),
        text(
            "Accounts",
            f"{run.get('accounts', 0)} scored · {run.get('written', 0)} written · "
            f"{run.get('changes', 0)} tier changes · {run.get('failures', 0)} failures",
        ),
        text("API calls", str(run.get("api_calls", 0))),
    ]
    if run.get("error"):
        widgets.append(text("Error", str(run["error"])))
    return section("Last run", widgets)


def validation_card(base_url: str, issues: Sequence[str], model_hash: str | None) -> Card:
    """Show the outcome of Validate: OK with the hash, or every issue."""
    if issues:
        widgets = [paragraph(f"• {issue}") for issue in issues[:50]]
        head = f"{len(issues)} error(s) — fix them in the sheet (also listed in its Status tab)"
    else:
        widgets = [text("Model hash", model_hash or "—")]
        head = "The model is valid"
    return card("Validate", [section(head, widgets), section("Actions", [buttons(base_url)])])


def preview_card(
    base_url: str, transitions: Mapping[tuple[str | None, str], int], moved: Sequence[str]
) -> Card:
    """Show how many accounts would move between tiers under the sheet's model."""
    rows = [
        text(f"{src or 'new'} → {dst}", f"{n} account(s)")
        for (src, dst), n in sorted(transitions.items(), key=lambda kv: -kv[1])
        if n and src != dst
    ]
    total = sum(n for (src, dst), n in transitions.items() if src != dst)
    widgets = rows or [paragraph("No account would change tier.")]
    if moved:
        widgets.append(paragraph("Examples: " + ", ".join(moved[:10])))
    return card(
        "Preview impact",
        [
            section(f"{total} account(s) would change tier", widgets),
            section("Actions", [buttons(base_url)]),
        ],
    )


def message_card(base_url: str, title: str, lines: Sequence[str]) -> Card:
    """Show a short outcome (applied, sync started, an error) with the actions below it."""
    return card(
        title,
        [
            section(title, [paragraph(line) for line in lines]),
            section("Actions", [buttons(base_url)]),
        ],
    )


def notice_card(title: str, lines: Sequence[str]) -> Card:
    """Show a notice without actions (e.g. the add-on opened in another spreadsheet)."""
    return card(title, [section(title, [paragraph(line) for line in lines])])
