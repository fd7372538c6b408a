r"""Data as text in a target format: cell text escaped for Markdown, HTML and CSV, links
only for valid http(s) URLs (:func:`kg.urls.is_web_url`).

Survey cells and additions are text, never markup: ``![t](http://host/x.png)`` or
``<img src=x onerror=…>`` in a cell is shown as those characters in every export and in
the app, and no reader's viewer fetches anything because of a cell. LaTeX escaping is
:func:`kg.export.latex.escape`; the app's is ``ui/resources.plain``.

>>> print(md_text("![t](http://host/x.png)"))
\!\[t\]\(http\://host/x.png\)
>>> md_link("a paper", "javascript:alert(1)")
'a paper'
>>> print(csv_cell('=HYPERLINK("http://x")'))
'=HYPERLINK("http://x")
"""

from __future__ import annotations

import html
import re

from .urls import is_web_url

# Only what Markdown needs escaped, so the text reads well as text too: the inline
# punctuation that starts markup anywhere (emphasis, code, links — with "[" and "]"
# escaped, "(", ")" and "!" can start nothing —, HTML, entities, table pipes,
# strikethrough, math), the ':' of '://' so a GFM viewer does not turn a written URL into a
# link, and a block marker at the start of the text (heading, list, quote, rule).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$]|(?<=[A-Za-z0-9]):(?=//))")
_MD_BLOCK_START = re.compile(r"^(\s*)(\d+)?([#+\->=.)])(?=\s|$)")
_MD_URL = {c: f"%{ord(c):02X}" for c in " ()<>|\\`[]"}


def md_text(text: str) -> str:
    """``text`` for Markdown (a table cell, a sentence): Markdown's special characters
    backslash-escaped, line breaks as spaces; shown as written, never rendered as markup."""
    text = _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s*[\r\n]+\s*", " ", text))
    return _MD_BLOCK_START.sub(_block_escaped, text, count=1)


def _block_escaped(m: re.Match) -> str:
    """A block marker at the start of a text escaped ("\\# x", "1\\. x"); a "." or ")"
    only after a number (a list item), the other markers alone."""
    space, number, mark = m.group(1), m.group(2) or "", m.group(3)
    if bool(number) != (mark in ".)"):
        return m.group(0)
    return f"{space}{number}\\{mark}"


def md_url(url: str) -> str:
    """A valid http(s) ``url`` for a Markdown link destination (characters that end or
    break it, and the table's pipe, percent-encoded)."""
    return url.translate(str.maketrans(_MD_URL))


def md_link(text: str, url: str | None) -> str:
    """``[text](url)`` for a valid http(s) ``url``, else the escaped text alone."""
    if not is_web_url(url):
        return md_text(text)
    assert url is not None
    return f"[{md_text(text) or md_text(url)}]({md_url(url)})"


def html_link(text: str, url: str | None) -> str:
    """``<a href="url">text</a>`` for a valid http(s) ``url``, else the escaped text."""
    if not is_web_url(url):
        return html.escape(text)
    assert url is not None
    return f'<a href="{html.escape(url)}">{html.escape(text or url)}</a>'


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV field a spreadsheet will not run as a formula: text starting with ``= + - @``,
    a tab or a carriage return gets a leading ``'`` (OWASP's CSV-injection advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


__all__ = ["csv_cell", "html_link", "md_link", "md_text", "md_url"]
