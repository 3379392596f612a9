"""`tiersync addon manifest`: the add-on's deployment descriptor with real endpoint URLs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from plugin.cli.packaged import MANIFEST, packaged
from plugin.web.addon import render_manifest

TEMPLATE_NAME = "manifest.json"


@click.group()
def addon() -> None:
    """The Google Workspace add-on (Sheets sidebar)."""


def read_template(template: Path | None) -> tuple[str, str]:
    """Return (where, text) of the template: --template, ./manifest.json, else the packaged one."""
    if template is None and (Path.cwd() / TEMPLATE_NAME).is_file():
        template = Path.cwd() / TEMPLATE_NAME
    if template is None:
        return "the packaged manifest.json", packaged(MANIFEST).read_text(encoding="utf-8")
    try:
        return str(template), template.read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot read {template}: {exc.strerror or exc}") from None


@addon.command("manifest")
@click.option("--base-url", required=True, help="Public HTTPS URL of `tiersync serve`.")
@click.option(
    "--template",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Descriptor to fill in (default: ./manifest.json if present, else the packaged one).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def manifest(base_url: str, template: Path | None, output: Path | None) -> None:
    """Render the deployment descriptor with real endpoint URLs (for gcloud)."""
    where, text = read_template(template)
    try:
        rendered = render_manifest(json.loads(text), base_url)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{where}: not valid JSON ({exc})") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    body = json.dumps(rendered, indent=2) + "\n"
    if output is None:
        click.echo(body, nl=False)
    else:
        output.write_text(body, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
