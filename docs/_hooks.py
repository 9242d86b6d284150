"""
MkDocs hook: render the Sphinx markup our docstrings share with IDEs and Sphinx users.

Docstrings follow the house style (Napoleon sections, ``:class:`X``` roles,
``.. versionadded::``). mkdocstrings renders the sections; this hook turns what is left
of the reST into HTML: roles become code, ``.. versionadded::`` becomes a note, and the
``.. code-block::`` directive line (whose block is already rendered) disappears.
"""

from __future__ import annotations

import re

_ROLE = re.compile(r":(?:class|meth|func|attr|data|exc|mod|obj):(<code>)~?(?:[\w.]+\.)?")
_TILDE_CODE = re.compile(r"<code>~(?:[\w]+\.)*(\w+)</code>")
_VERSION_ADDED = re.compile(r"<p>\.\. versionadded:: ([\w.]+)</p>")
_CODE_BLOCK = re.compile(r"<p>\.\. code-block:: \w+</p>\s*")


def on_page_content(html: str, **_: object) -> str:
    """Rewrite the leftover reST in a rendered page."""
    html = _ROLE.sub(r"\1", html)
    html = _TILDE_CODE.sub(r"<code>\1</code>", html)
    html = _VERSION_ADDED.sub(r'<p class="version-added"><em>New in version \1.</em></p>', html)
    return _CODE_BLOCK.sub("", html)
