"""Article rendering: markdown features, sanitizing, embeds, plain text."""
from __future__ import annotations

import pytest

from portal.kb.rendering import render_markdown

HOSTS = ("www.youtube-nocookie.com", "www.youtube.com", "player.vimeo.com")


def render(text: str, hosts=HOSTS):
    return render_markdown(text, hosts)


def test_tables_code_and_heading_anchors():
    result = render("## Set up printers\n\n| Printer | Port |\n|:--|--:|\n| Zebra | 9100 |\n\n"
                    "```\nlp -d zebra <label.zpl\n```\n\n### Zebra details\n")
    assert '<h2 id="set-up-printers">Set up printers</h2>' in result.html
    assert '<th align="left">Printer</th>' in result.html and "<td align=\"right\">9100</td>" in result.html
    assert "<pre><code>lp -d zebra &lt;label.zpl\n</code></pre>" in result.html
    assert result.headings == [{"id": "set-up-printers", "text": "Set up printers", "level": 2},
                               {"id": "zebra-details", "text": "Zebra details", "level": 3}]
    assert "¶" not in result.html  # ids without permalink markers


def test_headings_keep_non_ascii_letters_and_alchemy_anchors():
    result = render('## <a name="map-verwijderen"></a>Een map verwijderen in Outlook\n\n## Łączenie kont')
    assert '<a name="map-verwijderen"></a>' in result.html
    assert [h["id"] for h in result.headings] == ["een-map-verwijderen-in-outlook", "łączenie-kont"]
    assert result.headings[0]["text"] == "Een map verwijderen in Outlook"


def test_leading_title_heading_is_dropped():
    result = render("# Connect your shop\n\nFirst paragraph.")
    assert "<h1" not in result.html and result.text == "First paragraph."


def test_sane_lists_and_no_attr_list():
    result = render("1. one\n2. two\n\n* a\n* b\n\nText {: .evil #id }")
    assert "<ol>" in result.html and "<ul>" in result.html
    assert "{: .evil #id }" in result.html  # attr_list is off: no classes or ids from authors


@pytest.mark.parametrize("dangerous", [
    "<script>alert(1)</script>",
    '<img src="x.png" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
    "<style>body{display:none}</style>",
    '<svg onload="alert(1)"></svg>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<form action="https://evil.example"><input name="p"></form>',
])
def test_dangerous_markup_is_removed(dangerous):
    result = render(f"Before\n\n{dangerous}\n\nAfter")
    lowered = result.html.lower()
    for marker in ("<script", "onerror", "onclick", "onload", "javascript:", "data:text", "<style", "style=",
                   "<svg", "<form", "<input"):
        assert marker not in lowered
    assert "Before" in result.html and "After" in result.html


def test_iframes_only_from_allowed_hosts():
    allowed = render('<iframe src="https://www.youtube-nocookie.com/embed/abc" title="Demo" allowfullscreen></iframe>')
    assert '<iframe src="https://www.youtube-nocookie.com/embed/abc"' in allowed.html
    assert 'loading="lazy"' in allowed.html
    other = render('<iframe src="https://evil.example/embed/abc"></iframe>\n\nText')
    assert "<iframe" not in other.html and "Text" in other.html
    plain_http = render('<iframe src="http://www.youtube.com/embed/abc"></iframe>')
    assert "<iframe" not in plain_http.html
    configured = render('<iframe src="https://videos.example.com/v/1"></iframe>', hosts=("videos.example.com",))
    assert 'src="https://videos.example.com/v/1"' in configured.html


def test_embed_hosts_come_from_configuration(make_app):
    app = make_app(EMBED_HOSTS=["media.example.org"])
    with app.app_context():
        result = render_markdown('<iframe src="https://media.example.org/x"></iframe>'
                                 '<iframe src="https://www.youtube.com/embed/y"></iframe>')
    assert "media.example.org" in result.html and "youtube" not in result.html


def test_images_are_kept_and_lazy():
    result = render('![Label printer](https://cdn.example.com/printer.png)\n\n'
                    '![Relative](/static/img/scan.png)\n\n<img src="data:image/png;base64,iVBORw0KGgo=" alt="icon">\n\n'
                    '<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="svg">')
    assert '<img alt="Label printer" src="https://cdn.example.com/printer.png" loading="lazy">' in result.html
    assert 'src="/static/img/scan.png"' in result.html
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in result.html
    assert "svg" not in result.html and "<p></p>" not in result.html  # SVG can carry script


def test_external_links_get_rel_internal_do_not():
    result = render("[docs](https://example.com/docs) [here](/en/articles/x) [top](#intro) [mail](mailto:a@b.c)")
    assert '<a href="https://example.com/docs" rel="noopener nofollow">' in result.html
    assert '<a href="/en/articles/x">' in result.html and '<a href="#intro">' in result.html


def test_placeholders_in_prose_stay_visible():
    result = render("Run `Get-User <email>` or type Get-Mailbox <mailbox name> now.")
    assert "<code>Get-User &lt;email&gt;</code>" in result.html
    assert "&lt;mailbox name&gt;" in result.html and "<mailbox name>" in result.text


def test_plain_text_has_one_line_per_block():
    result = render("# T\n\nFirst **bold** para.\n\n- item one\n- item &amp; two\n\n| a | b |\n|---|---|\n| c | d |")
    assert result.text.splitlines()[:3] == ["First bold para.", "item one", "item & two"]
    assert "<" not in result.text.replace("&", "")


def test_rerender_applies_a_new_embed_allowlist(make_app):
    from portal.kb import services

    body = '<iframe src="https://media.example.org/v/1"></iframe>'
    app = make_app()
    with app.app_context():
        article, _ = services.save_article(slug="video", locale="en", title="Video", body_md=body)
        assert "<iframe" not in article.body_html
    app.config["EMBED_HOSTS"] = ["media.example.org"]
    result = app.test_cli_runner().invoke(args=["articles", "rerender"])
    assert result.exit_code == 0 and "1 article(s)" in result.output
    with app.app_context():
        assert '<iframe src="https://media.example.org/v/1"' in services.find_article("video", "en").body_html
