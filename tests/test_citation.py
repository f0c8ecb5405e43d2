"""CITATION.cff is valid Citation File Format 1.2.0 and agrees with the rest of the repository.

The reference validator, `cffconvert` 2.0.0 (the latest release), pins `jsonschema<4`, which
would downgrade the `jsonschema>=4.18` that JupyterLab needs, so it cannot join
requirements.txt. No other package on the registry ships the CFF schema without depending on
cffconvert. This test therefore validates with `jsonschema` 4 (already required by
nbformat) against the part of the official CFF 1.2.0 schema that this file can touch:
the required keys, the closed list of top-level keys, the person/entity shapes, the date,
URL and version formats, the SPDX identifiers used here and the reference types.
It was cross-checked once with the real validator in a scratch venv:
`cffconvert --validate -i CITATION.cff` → "Citation metadata are valid according to schema
version 1.2.0."
"""

from __future__ import annotations

import copy
import datetime
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CFF = ROOT / "CITATION.cff"

# Copied from the CFF 1.2.0 schema (schema.json, draft-07), restricted to what matters here.
_DATE = {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$"}
_URL = {"type": "string", "pattern": r"^(https|http|ftp|sftp)://.+"}
_VERSION = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]}
# Only the identifiers this repository could plausibly use; CFF's own enum is the SPDX list.
_SPDX = {"enum": ["MIT", "CC-BY-4.0", "Apache-2.0", "BSD-3-Clause", "CC-BY-SA-4.0", "CC0-1.0"]}
_LICENSE = {"oneOf": [_SPDX, {"type": "array", "items": _SPDX, "minItems": 1, "uniqueItems": True}]}
_ENTITY = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {"name": {"type": "string", "minLength": 1}, "email": {"type": "string"},
                   "website": _URL, "orcid": _URL, "address": {"type": "string"},
                   "city": {"type": "string"}, "country": {"type": "string"}},
}
_PERSON = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"family-names": {"type": "string", "minLength": 1},
                   "given-names": {"type": "string", "minLength": 1},
                   "name-particle": {"type": "string"}, "name-suffix": {"type": "string"},
                   "affiliation": {"type": "string"}, "email": {"type": "string"},
                   "orcid": _URL, "website": _URL, "alias": {"type": "string"}},
}
_AUTHORS = {"type": "array", "minItems": 1, "uniqueItems": True,
            "items": {"anyOf": [_PERSON, _ENTITY]}}
_REFERENCE_TYPES = [
    "art", "article", "audiovisual", "bill", "blog", "book", "catalogue", "conference-paper",
    "conference", "data", "database", "dictionary", "edited-work", "encyclopedia",
    "film-broadcast", "generic", "government-document", "grant", "hearing", "historical-work",
    "legal-case", "legal-rule", "magazine-article", "manual", "map", "multimedia", "music",
    "newspaper-article", "pamphlet", "patent", "personal-communication", "proceedings", "report",
    "serial", "slides", "software-code", "software-container", "software-executable",
    "software-virtual-machine", "software", "sound-recording", "standard", "statute", "thesis",
    "unpublished", "video", "website",
]
SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema",
    "type": "object",
    "required": ["authors", "cff-version", "message", "title"],
    "additionalProperties": False,
    "properties": {
        "abstract": {"type": "string", "minLength": 1},
        "authors": _AUTHORS,
        "cff-version": {"type": "string", "pattern": r"^1\.2\.0$"},
        "commit": {"type": "string"},
        "contact": _AUTHORS,
        "date-released": _DATE,
        "doi": {"type": "string", "pattern": r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-\.\(\)\[\]\\]+$"},
        "identifiers": {"type": "array"},
        "keywords": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True},
        "license": _LICENSE,
        "license-url": _URL,
        "message": {"type": "string", "minLength": 1},
        "preferred-citation": {
            "type": "object",
            "required": ["authors", "title", "type"],
            "properties": {
                "type": {"enum": _REFERENCE_TYPES},
                "authors": _AUTHORS,
                "title": {"type": "string", "minLength": 1},
                "year": {"type": "integer"},
                "version": _VERSION,
                "date-released": _DATE,
                "license": _LICENSE,
                "repository-code": _URL,
                "url": _URL,
                "notes": {"type": "string", "minLength": 1},
            },
        },
        "references": {"type": "array"},
        "repository": _URL,
        "repository-artifact": _URL,
        "repository-code": _URL,
        "title": {"type": "string", "minLength": 1},
        "type": {"enum": ["dataset", "software"]},
        "url": _URL,
        "version": _VERSION,
    },
}


def load_cff(path: Path = CFF) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    # CFF validators compare dates as strings: an unquoted YAML date would load as a date.
    def dates_to_text(node):
        if isinstance(node, dict):
            return {key: dates_to_text(value) for key, value in node.items()}
        if isinstance(node, list):
            return [dates_to_text(value) for value in node]
        return node.isoformat() if isinstance(node, datetime.date) else node

    return dates_to_text(data)


def errors_of(data: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                  for e in validator.iter_errors(data))


@pytest.fixture(scope="module")
def cff() -> dict:
    return load_cff()


def test_the_schema_itself_is_valid_draft7():
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_citation_cff_is_valid(cff):
    assert errors_of(cff) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d.update({"cff-version": "1.1.0"}), "cff-version"),
        (lambda d: d.pop("message"), "'message' is a required property"),
        (lambda d: d.update({"licence": "MIT"}), "Additional properties"),
        (lambda d: d.update({"license": "MIT AND CC-BY-4.0"}), "license"),
        (lambda d: d.update({"date-released": "22/11/2026"}), "date-released"),
        (lambda d: d.update({"authors": [{"name": "x", "given": "y"}]}), "authors"),
        (lambda d: d["preferred-citation"].update({"type": "ebook"}), "preferred-citation/type"),
        (lambda d: d.update({"repository-code": "github.com/lossguide"}), "repository-code"),
    ],
    ids=["old-version", "no-message", "misspelt-key", "spdx-expression", "date-format",
         "person-key", "reference-type", "url-scheme"],
)
def test_the_validation_catches_mistakes(cff, change, expected):
    broken = copy.deepcopy(cff)
    change(broken)
    errors = errors_of(broken)
    assert any(expected in error for error in errors), errors


def test_authors_are_the_contributors_as_an_entity(cff):
    assert cff["authors"] == [{"name": "lossguide contributors"}]
    assert cff["preferred-citation"]["authors"] == cff["authors"]


def test_licences_are_mit_for_code_and_cc_by_for_text(cff):
    licence_file = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert cff["license"] == "MIT" and "MIT" in licence_file
    assert cff["preferred-citation"]["license"] == "CC-BY-4.0"
    assert re.search(r"CC[ -]BY 4\.0|CC-BY-4\.0|Creative Commons Attribution 4\.0", licence_file)


def test_version_matches_the_package(cff):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert str(cff["version"]) == project["version"]
    assert str(cff["preferred-citation"]["version"]) == project["version"]


def test_repository_matches_the_book_configuration(cff):
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    assert cff["repository-code"] == url
    assert cff["preferred-citation"]["repository-code"] == url


def test_release_date_is_a_real_date_and_agrees_with_the_year(cff):
    released = datetime.date.fromisoformat(cff["date-released"])
    assert cff["preferred-citation"]["year"] == released.year
    assert cff["preferred-citation"]["date-released"] == cff["date-released"]


def test_how_to_cite_page_agrees_with_citation_cff(cff):
    page = (ROOT / "book" / "how_to_cite.md").read_text(encoding="utf-8")
    entries = re.findall(r"@(\w+)\{(\w+),(.*?)\n\}", page, re.S)
    assert len(entries) >= 2, "how_to_cite.md should give BibTeX for the book and for one derivation"
    kinds = {kind for kind, _, _ in entries}
    assert "book" in kinds
    for kind, key, body in entries:
        assert "lossguide contributors" in body, f"@{kind}{{{key}}}: author differs from CITATION.cff"
        assert f"{{{cff['preferred-citation']['year']}}}" in body, f"@{kind}{{{key}}}: year differs"
        assert cff["repository-code"] in body or "url" in body, f"@{kind}{{{key}}}: no address"
    book = next(body for kind, _, body in entries if kind == "book")
    assert cff["title"].split(":")[0] in book and str(cff["version"]) in book


def _book_sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "book").glob("*")) if p.suffix in (".md", ".ipynb")}


def test_every_cited_key_is_in_references_bib():
    keys = set(re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M))
    for name, text in _book_sources().items():
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
            for key in (k.strip() for k in group.split(",")):
                assert key in keys, f"{name} cites {key!r}, which references.bib does not define"


def test_one_bibliography_for_the_whole_book():
    """A second {bibliography} would list the same keys again: duplicate-citation warnings,
    which the strict build turns into errors. Chapters cite; bibliography.md lists."""
    holders = [name for name, text in _book_sources().items() if re.search(r"\{bibliography\}", text)]
    assert holders == ["bibliography.md"], holders
