"""`python bot.py parse FILE [--json] [--cards CHANNEL]`: read a bulletin and show it.

    python bot.py parse issue.pdf                    # header, items, departments, cards
    python bot.py parse issue.pdf --json             # {"issuer", "date", "number", "items": [...]}
    python bot.py parse issue.pdf --cards mp --json  # the cards the Official Account would carry

A file that cannot be read or holds no items: one line on stderr, exit status 2.
"""

import json

import click
from flask import current_app

from bulletin import ParseError, parse_file
from bulletin.cards import cards_for_issue
from channels import REGISTRY, channel_class
from commands.errors import Fail

CHANNELS = tuple(REGISTRY)
EXCERPT = 60  # characters of body shown per item in the readable form


@click.command("parse")
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--cards", "channel", type=click.Choice(CHANNELS),
              help="Show the cards this channel would carry.")
def parse_command(file, as_json, channel):
    """Parse a bulletin issue (text, PDF, DOCX or JSON) and print its items."""
    try:
        issue = parse_file(file)
        cards = None
        if channel or not as_json:
            cards = issue_cards(issue, channel or current_app.config.get("BOT_CHANNEL", "sandbox"))
    except ParseError as error:
        raise Fail(str(error))
    if as_json:
        shape = [card_dict(c) for c in cards] if channel else issue.to_dict()
        click.echo(json.dumps(shape, ensure_ascii=False, indent=2))
    else:
        click.echo(readable(issue, cards, channel or current_app.config.get("BOT_CHANNEL")))


def issue_cards(issue, channel):
    """`issue_cards(issue, "mp")` -> [dict]: `bulletin.cards.cards_for_issue` within that
    channel's card limits, as plain dicts."""
    limits = channel_class(channel).card_limits
    return [card_dict(card) for card in cards_for_issue(issue, limits)]


def card_dict(card):
    """`card_dict(card)` -> dict, for Card objects and plain dicts alike."""
    return card.to_dict() if hasattr(card, "to_dict") else dict(card)


def readable(issue, cards, channel):
    """`readable(issue, cards, "sandbox")` -> the issue as a person reads it in a terminal."""
    lines = [f"发文单位: {issue.issuer or '—'}", f"日期: {issue.date or '—'}",
             f"期号: {issue.number or '—'}", f"条目: {len(issue.items)}"]
    if issue.classification:
        lines.append(f"密级: {issue.classification}")
    if issue.ocr:
        lines.append("来源: 扫描件（文字识别）")
    lines.append("")
    for item in issue.items:
        body = item.body.replace("\n", " ")
        excerpt = body if len(body) <= EXCERPT else body[:EXCERPT] + "…"
        section = f" 〔{item.section}〕" if item.section else ""
        lines.append(f"{item.seq}. [{item.kind}]{section} {item.title}")
        lines.append(f"   部门: {item.department or '—'}    正文 {len(item.body)} 字")
        lines.append(f"   {excerpt}")
        lines += [f"   ⚠ {w.message}" for w in issue.warnings if w.item == item.seq]
    lines += ["", "部门: " + ("、".join(issue.departments) or "—")]
    general = [w for w in issue.warnings if w.item is None]
    if general:
        lines += ["", "提示:"] + [f"⚠ {w.message}" for w in general]
    if cards is not None:
        lines += ["", f"卡片 ({channel}):"]
        for card in cards:
            lines.append(f"- {card.get('title')} | {card.get('department') or '—'} | "
                         f"{card.get('date') or '—'} | {card.get('link')}")
            lines.append(f"  {card.get('digest')}")
    return "\n".join(lines)


COMMANDS = (parse_command,)
