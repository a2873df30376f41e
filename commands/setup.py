"""Setting up: the database, the demo data, the console password hash.

    python bot.py init-db            # create or migrate the database (start-up does this too)
    python bot.py demo               # load the demo data and print where to go
    python bot.py admin-hash         # a password hash for BOT_ADMIN_PASSWORD
"""

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.security import generate_password_hash

from store.db import open_db
from web.demo import describe, load_demo


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database and apply pending migrations (safe to run again)."""
    path = current_app.config["DATABASE_PATH"]
    open_db(path).conn.close()
    click.echo(f"Database ready: {path}")


@click.command("admin-hash")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The console password to hash.")
def admin_hash_command(password):
    """Print a password hash for BOT_ADMIN_PASSWORD (so the plain password is kept nowhere)."""
    click.echo(generate_password_hash(password))



@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo data (sample issue, departments, sandbox cadres) and print where to go."""
    app = current_app
    db = open_db(app.config["DATABASE_PATH"])
    try:
        click.echo(describe(load_demo(db, app.config)))
    finally:
        db.conn.close()


COMMANDS = (init_db_command, admin_hash_command, demo_command)
