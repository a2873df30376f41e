"""Cards: digests cut at sentence ends, byte limits per channel, numbered text parts."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.cards import (Card, cards_for_issue, digest, fit, item_card, sentences,
                            size, split_text)
from bulletin.model import Issue, Item
from bulletin.safetext import plain
from channels import REGISTRY, channel_class

LIMITS = {name: cls.card_limits for name, cls in REGISTRY.items()}
CHANNELS = list(LIMITS)
NUMBER = re.compile(r"^（(\d+)/(\d+)）")

# Chinese text with its punctuation, Latin words, emoji (4-byte) and line breaks.
chinese = st.text(alphabet=st.sampled_from(
    list("上街区审计局开工项目建设党委办公室一二三") + list("。！？，；、：”（）… \n") +
    list("abcXYZ 0123") + ["😀", "𠮷"]), max_size=3000)
anything = st.text(max_size=1500)


def test_digest_takes_whole_opening_sentences():
    body = "上街区十个重大项目集中开工。总投资98亿元。" + "建设内容包括道路、管网。" * 50
    assert digest(body, 62) == "上街区十个重大项目集中开工。总投资98亿元。"
    assert digest(body, 61) == "上街区十个重大项目集中开工。"


def test_digest_of_one_long_sentence_cuts_at_a_clause_with_ellipsis():
    body = "会议强调，" + "要坚持问题导向" * 20 + "，扎实推进各项工作。"
    text = digest(body, 60)
    assert text == "会议强调…"
    assert size(text) <= 60


def test_digest_without_any_mark_cuts_at_a_character():
    text = digest("甲" * 100, 31)
    assert text == "甲" * 9 + "…" and size(text) == 30


def test_digest_joins_paragraphs_without_gaps():
    assert digest("第一段。\n第二段。", 100) == "第一段。第二段。"


def test_title_over_128_bytes_is_cut_with_ellipsis():
    item = Item(1, "article", "关于" + "加强基层治理" * 20, "正文。", "区委办")
    card = item_card(item, date="2021-01-06", link="/items/1?t=x", limits=LIMITS["work"])
    assert size(card.title) <= 128 and card.title.endswith("…")


def test_card_shape_and_closing_quote_stays_with_its_sentence():
    item = Item(2, "article", "标题", "他说：“开工了。”随后离开。", "区审计局")
    card = item_card(item, date="2021-01-06", link="/items/2?t=x", limits=LIMITS["mp"])
    assert card.to_dict() == {"title": "标题", "digest": "他说：“开工了。”随后离开。",
                              "department": "区审计局", "date": "2021-01-06", "link": "/items/2?t=x"}
    assert sentences("他说：“开工了。”随后离开。") == ["他说：“开工了。”", "随后离开。"]


def test_link_over_the_url_limit_is_refused():
    with pytest.raises(ValueError, match="2048"):
        item_card(Item(1, "lead", "t", "b", None), date=None, link="/" + "x" * 2048, limits=LIMITS["work"])


def test_cards_for_issue_link_to_preview_paths():
    issue = Issue("区委办", "2021-01-06", None, [Item(1, "lead", "甲", "乙。", None),
                                                 Item(2, "brief", "丙", "丁。", "区审计局")])
    cards = cards_for_issue(issue, LIMITS["sandbox"])
    assert [c.link for c in cards] == ["/items/preview/1", "/items/preview/2"]
    assert all(isinstance(c, Card) and c.date == "2021-01-06" for c in cards)
    with pytest.raises(ValueError, match="unknown channel"):
        channel_class("telegram")  # the registry, not the parser, knows the channels


def test_split_text_numbers_parts_only_when_needed():
    assert split_text("短消息。", 2048) == ["短消息。"]
    assert split_text("", 2048) == []
    parts = split_text("第一句话。" * 300, 2048)
    assert [NUMBER.match(p).group(0) for p in parts] == ["（1/3）", "（2/3）", "（3/3）"]
    assert all(p.endswith("。") for p in parts)


def test_split_text_keeps_ten_or_more_parts_in_limit():
    parts = split_text("一句。" * 2000, 100)
    assert len(parts) >= 100 and parts[0].startswith(f"（1/{len(parts)}）")
    assert all(size(p) <= 100 for p in parts)


@pytest.mark.slow  # hypothesis: many generated examples
@settings(max_examples=150, deadline=None)
@given(st.builds(Item, seq=st.integers(1, 99), kind=st.sampled_from(["lead", "article", "brief"]),
                 title=anything | chinese, body=anything | chinese,
                 department=st.none() | st.text(max_size=40)),
       st.sampled_from(CHANNELS))
def test_every_card_respects_its_channel_limits(item, channel):
    card = item_card(item, date="2021-01-06", link="/items/1?t=abc", limits=LIMITS[channel])
    limits = LIMITS[channel]
    assert size(card.title) <= limits["title"]
    assert size(card.digest) <= limits["description"]
    assert size(card.link) <= limits["url"]
    if plain(item.body).strip():  # control and zero-width characters are not text to show
        assert card.digest  # something of the body always shows


@pytest.mark.slow  # hypothesis: many generated examples
@settings(max_examples=200, deadline=None)
@given(anything | chinese, st.integers(min_value=20, max_value=2048))
def test_split_never_breaks_a_character_nor_loses_text(text, max_bytes):
    parts = split_text(text, max_bytes)
    assert all(p for p in parts)
    assert all(size(p) <= max_bytes for p in parts)
    assert all(p.encode("utf-8").decode("utf-8") == p for p in parts)
    if len(parts) > 1:
        numbers = [NUMBER.match(p) for p in parts]
        assert all(numbers)
        assert [int(m.group(1)) for m in numbers] == list(range(1, len(parts) + 1))
        assert {int(m.group(2)) for m in numbers} == {len(parts)}
        bodies = [p[m.end():] for p, m in zip(parts, numbers)]
        assert all(bodies)
    else:
        bodies = parts
    assert "".join(bodies) == text


@pytest.mark.slow  # hypothesis: many generated examples
@settings(max_examples=150, deadline=None)
@given(anything | chinese, st.integers(min_value=8, max_value=600))
def test_digest_and_fit_stay_within_bytes(text, max_bytes):
    assert size(digest(text, max_bytes)) <= max_bytes
    assert size(fit(text, max_bytes)) <= max_bytes
    assert "".join(sentences(text)) == text



def test_sample_issue_cards_fit_every_channel(sample_path):
    from bulletin import parse_file
    issue = parse_file(sample_path)
    for channel in CHANNELS:
        cards = cards_for_issue(issue, LIMITS[channel])
        assert len(cards) == len(issue.items) == 8
        for card, item in zip(cards, issue.items):
            assert card.digest and size(card.digest) <= LIMITS[channel]["description"]
            assert card.title == item.title  # the sample's titles all fit
            assert item.body.replace("\n", "").startswith(card.digest.rstrip("…"))


TABLE_BODY = ("上半年，全县地区生产总值增长5.1%。主要指标如下：\n指标\t绝对值\t同比增长\n"
              "地区生产总值\t58.2亿元\t5.1%\n从三次产业看，第二产业增长较快。")


def test_a_digest_stops_before_a_table_and_a_table_first_body_keeps_its_cells_apart():
    """Word table rows reach bodies as tab-separated cells: a card's digest ran them together
    (`同比增长地区生产总值`); it now ends with the text above the table, and a body that opens
    with a table shows cells split by `｜` and rows by `；`."""
    assert digest(TABLE_BODY, 512) == "上半年，全县地区生产总值增长5.1%。主要指标如下："
    assert digest(TABLE_BODY.split("\n", 1)[1], 512) == (
        "指标｜绝对值｜同比增长；地区生产总值｜58.2亿元｜5.1%；从三次产业看，第二产业增长较快。")
    # a blank line above the table is no opening text (the property test found an empty digest)
    assert digest("\n" + TABLE_BODY.split("\n", 1)[1], 512).startswith("指标｜绝对值")

