"""`python bot.py parse FILE [--json] [--cards CHANNEL]`: read a bulletin and show it."""

import json
import sys

import click


@click.command("parse")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--cards", "channel", type=click.Choice(["sandbox", "work", "mp"]),
              help="Show the cards this channel would carry.")
def parse_command(file, as_json, channel):
    """Parse a bulletin issue (text, PDF, DOCX or JSON) and print its items."""
    click.echo("not implemented yet", err=True)
    sys.exit(2)


def init_app(app):
    app.cli.add_command(parse_command)
