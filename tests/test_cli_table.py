"""README's command table against the commands themselves: every command and subcommand
`python bot.py` has is in the table, and each row names exactly its options (what `--help`
lists, `--help` itself aside). The table is what office staff read; it had drifted
(`remind --urgent`, documented in docs/push.md, was missing from it)."""

import re

import click

import bot

ROW = re.compile(r"^\| (`.+?) \| ")


def _commands(app):
    """{"push": click.Command, "item correct": …, …}: bot.py's own and the app's."""
    found = {}

    def walk(prefix, group, ctx):
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            path = f"{prefix} {name}".strip()
            if isinstance(command, click.Group):
                walk(path, command, ctx)
            else:
                found[path] = command

    with app.app_context():
        group = click.Group(commands={**app.cli.commands, **bot.cli.commands})
        walk("", group, click.Context(group))
    return found


def _documented(commands):
    """{command path: {options}} from the first cell of the table's rows."""
    text = open("README.md", encoding="utf-8").read()
    table = text.split("## Command line", 1)[1].split("\n\n|", 1)[1].split("\n\n", 1)[0]
    documented = {}
    for line in ("|" + table).splitlines():
        match = ROW.match(line)
        if not match or match.group(1).startswith("`Command"):
            continue
        for usage in re.findall(r"`([^`]+)`", match.group(1).replace("\\|", "|")):
            words = usage.split()
            path = words[0]
            for word in words[1:]:
                if f"{path} {word}" in commands or any(c.startswith(f"{path} {word} ")
                                                       for c in commands):
                    path = f"{path} {word}"
                elif word == "[list]":
                    path = f"{path} list"
                else:
                    break
            documented.setdefault(path, set()).update(re.findall(r"--[a-z][a-z-]*", usage))
    return documented


def test_every_command_is_in_the_readme_table_with_exactly_its_options(app):
    commands = _commands(app)
    documented = _documented(commands)
    differences = []
    for path, command in sorted(commands.items()):
        actual = {opt for param in command.params if isinstance(param, click.Option)
                  for opt in param.opts if opt.startswith("--")} - {"--help"}
        if path not in documented:
            differences.append(f"{path}: not in the table")
        elif documented[path] != actual:
            differences.append(f"{path}: table {sorted(documented[path])}, --help {sorted(actual)}")
    differences += [f"{path}: in the table, no such command" for path in documented
                    if path not in commands]
    assert differences == [], "\n".join(differences)
