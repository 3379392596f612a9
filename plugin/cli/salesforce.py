"""`tiersync salesforce metadata --out DIR`: write the SFDX project shipped in the package."""

from __future__ import annotations

from pathlib import Path

import click

from plugin.cli.packaged import SFDX_PROJECT, copy_tree, packaged


@click.group()
def salesforce() -> None:
    """Salesforce set-up: the custom fields and permission sets to deploy."""


@salesforce.command("metadata")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the SFDX project into (created; existing files are replaced).",
)
def metadata(out_dir: Path) -> None:
    """Write the SFDX project (Account fields, permission sets) for `sf project deploy start`."""
    try:
        written = copy_tree(packaged(SFDX_PROJECT), out_dir)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out_dir}: {exc.strerror or exc}") from None
    fields = sum(1 for p in written if p.name.endswith(".field-meta.xml"))
    permsets = sum(1 for p in written if p.name.endswith(".permissionset-meta.xml"))
    click.echo(
        f"wrote {len(written)} files to {out_dir}: {fields} Account fields, "
        f"{permsets} permission sets"
    )
    click.echo("deploy them with:")
    click.echo(
        f"  cd {out_dir} && sf project deploy start --source-dir force-app --target-org ALIAS"
    )
