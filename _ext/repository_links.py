"""Every address of the book derives from one setting: ``repository.url`` in ``_config.yml``.

Jupyter Book passes that setting to the theme as ``html_theme_options["repository_url"]``
(the repository and launch buttons read it there). This extension reads the same value and
replaces, in every source page before it is parsed (``source-read``), these placeholders:

``{{ repository_url }}``     the repository, e.g. ``https://github.com/lossguide/lossguide``
``{{ repository_branch }}``  ``repository.branch`` (default ``main``)
``{{ book_url }}``           where the published book lives: for a GitHub repository
                             ``https://OWNER.github.io/REPO/`` (GitHub Pages, which
                             ``.github/workflows/book.yml`` publishes to), else ``html.baseurl``
``{{ pdf_url }}``            the PDF beside it, ``{{ book_url }}lossguide.pdf``

Placeholders work inside code blocks too (the BibTeX entries of "How to cite"), where MyST's
own substitutions do not. ``html_baseurl`` (the canonical address Sphinx writes into every
page) is set to ``{{ book_url }}`` when ``_config.yml`` gives none, so moving the repository
is one edit. ``tests/test_book.py`` checks that no page hard-codes the address.
"""

from __future__ import annotations

import re

PDF_NAME = "lossguide.pdf"
GITHUB = re.compile(r"^https://github\.com/(?P<owner>[^/]+)/(?P<repo>[^/]+?)(?:\.git)?/?$")


def book_url_for(repository_url: str, baseurl: str = "") -> str:
    """The published book's address for a repository address (GitHub Pages' rule)."""
    if baseurl:
        return baseurl.rstrip("/") + "/"
    match = GITHUB.match(repository_url or "")
    if not match:
        return ""
    owner, repo = match["owner"], match["repo"]
    if repo.lower() == f"{owner.lower()}.github.io":
        return f"https://{repo.lower()}/"
    return f"https://{owner.lower()}.github.io/{repo}/"


def values(config) -> dict[str, str]:
    options = config.html_theme_options or {}
    repository = (options.get("repository_url") or "").rstrip("/")
    book = book_url_for(repository, config.html_baseurl or "")
    return {
        "repository_url": repository,
        "repository_branch": options.get("repository_branch") or "main",
        "book_url": book,
        "pdf_url": book + PDF_NAME if book else PDF_NAME,
    }


PLACEHOLDER = re.compile(r"\{\{\s*(repository_url|repository_branch|book_url|pdf_url)\s*\}\}")


def _configure(app, config):
    app.lossguide_links = values(config)
    if not config.html_baseurl and app.lossguide_links["book_url"]:
        config.html_baseurl = app.lossguide_links["book_url"]


def _substitute(app, docname, source):
    links = app.lossguide_links
    source[0] = PLACEHOLDER.sub(lambda m: links[m.group(1)], source[0])


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("source-read", _substitute)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
