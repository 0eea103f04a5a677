"""Comments are Markdown as readers know it from Reddit, Discord and GitHub (issue 15).

Each test is what a reader types and the HTML the page then shows; the
sanitizer's wall (allowlist, schemes, XSS payloads) is tested in test_sanitize.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from comments.sanitize import html_to_text, sanitize_comment
from tests.comments.test_sanitize import REL, disallowed_markup

SPOILER = (
    '<label class="spoiler"><input type="checkbox" class="spoiler__switch" '
    'aria-label="Reveal spoiler"><span class="spoiler__text">'
)
END = "</span></label>"


def test_lists_bulleted_and_numbered():
    assert sanitize_comment(
        "Ranked:\n\n1. Wrath of Khan\n2. First Contact\n\n- tribbles\n* more"
    ) == (
        "<p>Ranked:</p><ol><li>Wrath of Khan</li><li>First Contact</li></ol>"
        "<ul><li>tribbles</li></ul><ul><li>more</li></ul>"
    )


def test_a_numbered_list_keeps_its_first_number():
    assert sanitize_comment("3. third\n4. fourth") == (
        '<ol start="3"><li>third</li><li>fourth</li></ol>'
    )


def test_fenced_and_indented_code_blocks_show_their_text_as_typed():
    html = sanitize_comment(
        "```python\nif warp > 9:\n    print('<b>no</b>')\n```\n\n    indented **x**"
    )
    assert html == (
        "<pre><code>if warp &gt; 9:\n    print('&lt;b&gt;no&lt;/b&gt;')\n</code></pre>"
        "<pre><code>indented **x**\n</code></pre>"
    )


def test_nested_block_quotes():
    assert sanitize_comment("> Captain said\n>> Engage\n\nReply") == (
        "<blockquote><p>Captain said</p><blockquote><p>Engage</p></blockquote></blockquote>"
        "<p>Reply</p>"
    )


def test_link_with_text_and_title():
    assert sanitize_comment('[the trailer](https://example.org/t "Watch")') == (
        f'<p><a href="https://example.org/t" title="Watch" {REL}>the trailer</a></p>'
    )


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("[https://bank.example](https://evil.example/login)", "https://evil.example/login"),
        ("[bank.example](https://evil.example)", "https://evil.example"),
        ("[www.bank.example/login](https://evil.example)", "https://evil.example"),
        ("[https://example.org/a](https://example.org/b)", "https://example.org/b"),
        ('<a href="https://evil.example">https://bank.example</a>', "https://evil.example"),
    ],
)
def test_link_text_never_pretends_to_be_another_address(typed, shown):
    html = sanitize_comment(typed)
    assert re.fullmatch(rf'<p><a href="[^"]+" {REL}>{re.escape(shown)}</a></p>', html), html


@pytest.mark.parametrize(
    "typed",
    ["[example.org](https://example.org/page)", "[https://example.org/](https://example.org)"],
)
def test_link_text_naming_its_own_address_is_kept(typed):
    text = re.search(r"\[(.*?)\]", typed).group(1)
    assert f">{text}</a>" in sanitize_comment(typed)


def test_bare_links_but_only_http_and_not_in_code():
    html = sanitize_comment("www.example.org and `https://example.org` and ftp://example.org")
    assert html == (
        f'<p><a href="http://www.example.org" {REL}>www.example.org</a> and '
        "<code>https://example.org</code> and ftp://example.org</p>"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "[x](javascript:alert(1))",
        "[x](data:text/html,hi)",
        "[x](vbscript:msgbox)",
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_links_to_script_or_data_never_get_an_href(typed):
    html = sanitize_comment(typed)
    assert "href" not in html
    assert disallowed_markup(html) == []


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("# Spoiler-free review", "<p># Spoiler-free review</p>"),
        ("Title\n===", "<p>Title<br>===</p>"),
        ("---", "<p>---</p>"),
        ("![poster](https://example.org/p.png)", "<p>![poster](https://example.org/p.png)</p>"),
        ("| a | b |\n|---|---|", "<p>| a | b |<br>|---|---|</p>"),
        ("<h1>Loud</h1>", "<p>&lt;h1&gt;Loud&lt;/h1&gt;</p>"),
    ],
)
def test_headings_images_rules_tables_and_raw_html_are_plain_text(typed, shown):
    html = sanitize_comment(typed)
    assert html == shown
    assert not re.search(r"<(h\d|img|hr|table)\b", html)


def test_backslash_escapes_are_literal():
    assert sanitize_comment(r"\*\*not bold\*\* \# \[x](y) \`code\`") == (
        "<p>**not bold** # [x](y) `code`</p>"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "||Spock dies||",
        ">!Spock dies!<",
        "[spoiler]Spock dies[/spoiler]",
        "[SPOILER]Spock dies[/Spoiler]",
    ],
)
def test_every_spoiler_spelling_hides_the_text(typed):
    html = sanitize_comment(f"Big news: {typed}.")
    assert html == f"<p>Big news: {SPOILER}Spock dies{END}.</p>"
    assert html_to_text(html) == "Big news: [spoiler]."


def test_reddit_spoiler_at_the_start_of_a_line_is_not_a_quote():
    assert (
        sanitize_comment(">!Spock dies!< at the end")
        == f"<p>{SPOILER}Spock dies{END} at the end</p>"
    )
    assert sanitize_comment("> a quote") == "<blockquote><p>a quote</p></blockquote>"


def test_formatting_inside_a_spoiler():
    html = sanitize_comment("||**he** [lives](https://example.org)||")
    assert html == (
        f'<p>{SPOILER}<strong>he</strong> <a href="https://example.org" {REL}>lives</a>{END}</p>'
    )


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("`||bars||`", "<code>||bars||</code>"),
        (r"\|\|bars\|\|", "||bars||"),
        ("`[spoiler]`x`[/spoiler]`", "<code>[spoiler]</code>x<code>[/spoiler]</code>"),
        (r"\[spoiler]x\[/spoiler]", "[spoiler]x[/spoiler]"),
        ("`>!x!<`", "<code>&gt;!x!&lt;</code>"),
        ("|| not a spoiler ||", "|| not a spoiler ||"),
    ],
)
def test_spoiler_marks_can_be_shown_literally(typed, shown):
    assert sanitize_comment(typed) == f"<p>{shown}</p>"


def test_a_spoiler_tag_runs_across_paragraphs_and_an_unclosed_one_hides_the_rest():
    assert sanitize_comment("[spoiler]one\n\ntwo[/spoiler] three [/spoiler]") == (
        f"<p>{SPOILER}one{END}</p><p>{SPOILER}two{END} three [/spoiler]</p>"
    )
    html = sanitize_comment("Before [spoiler]hidden\n\n```\ncode too\n```\n\n- and a list")
    assert html_to_text(html) == "Before [spoiler] [spoiler] [spoiler]"


def test_mentions_link_known_readers_outside_code_only():
    html = sanitize_comment(
        "@Worf agrees, `@worf` quoted, mail worf@example.org, @nobody",
        mentions={"worf": "/users/worf/"},
    )
    assert html == (
        f'<p><a href="/users/worf/" class="mention" {REL}>@Worf</a> agrees, '
        "<code>@worf</code> quoted, mail worf@example.org, @nobody</p>"
    )


def test_a_reader_cannot_dress_a_link_as_a_mention_without_mentioning_anyone():
    html = sanitize_comment('<a class="mention" href="https://example.org">@admin</a>')
    assert 'class="mention"' not in html


def test_the_demo_welcome_displays_its_own_instructions():
    from articles.demo.moderation import PINNED_WELCOME

    html = sanitize_comment(PINNED_WELCOME)
    text = html_to_text(html)
    for shown in ("||", "[spoiler]", ">!", "**"):
        assert shown in text, (shown, text)
    assert SPOILER in html  # and it shows one working spoiler


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "**",
                "*",
                "_",
                "~~",
                "`",
                "```",
                "||",
                ">!",
                "!<",
                "[spoiler]",
                "[/spoiler]",
                "> ",
                "- ",
                "1. ",
                "[",
                "](",
                ")",
                "<b>",
                "</b>",
                "<a href='",
                "javascript:",
                "\n",
                "\n\n",
                "@worf",
                "https://example.org",
                "\\",
                "#",
                "!",
                "<",
                "&amp;",
                "text",
                " ",
            ]
        )
        | st.text(max_size=8),
        max_size=40,
    ).map("".join)
)
def test_any_mix_of_marks_gives_only_allowed_markup(typed):
    html = sanitize_comment(typed, mentions={"worf": "/users/worf/"})
    assert disallowed_markup(re.sub(r' class="mention"', "", html)) == []


def test_spoilers_are_masked_where_no_stylesheet_hides_them():
    from comments.sanitize import SPOILER_MASK, mask_spoilers

    html = sanitize_comment("Open, ||hidden **bold** [link](https://example.org)|| and >!two!<")
    masked = mask_spoilers(html)
    assert masked == f"<p>Open, {SPOILER_MASK} and {SPOILER_MASK}</p>"
    # Spans stored before spoilers were controls (migration 0011), nested ones too.
    legacy = '<p><span class="spoiler">a <span class="spoiler">b</span> c</span> d</p>'
    assert mask_spoilers(legacy) == f"<p>{SPOILER_MASK} d</p>"
    assert mask_spoilers("<p>nothing hidden</p>") == "<p>nothing hidden</p>"
