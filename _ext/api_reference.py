"""The API reference pages: one entry per public name, generated from each module's ``__all__``.

A page of ``book/api/`` holds little more than::

    .. lossguide-module:: lossguide.losses
       :chapter: /book/what_a_loss_computes

and this extension writes the rest as reStructuredText and lets Sphinx parse it: the
module's docstring (``automodule``), a "see the chapter" box, a summary table
(``autosummary``) and one ``autofunction`` / ``autoclass`` / ``autoexception`` /
``autodata`` entry per name of the module's ``__all__``, in that order. A function another
helper adds to ``__all__`` therefore appears on the next build without touching the page;
names outside ``__all__`` (the private helpers) never do.

Every entry also gets, appended to its docstring (``autodoc-process-docstring``):

- for a loss or gradient, its Keras twin and its partner function, read from
  :mod:`lossguide.registry` (the one table of loss facts);
- "Used in": the chapters whose code cells call it (``lg.<module>.<name>`` in a cell of
  ``book/*.ipynb``; only pages of this build, i.e. listed in ``_toc.yml``), as links, so a
  reader goes from the reference to the worked example.

Directive options:

``:chapter:``  the chapter(s) that explain the module, space-separated doc names; the page's
               "see the chapter" box links them.

On the top-level ``lossguide`` page, submodules (in ``__all__``, or with a page in the same
folder) are listed as links to their own pages, and names re-exported from a public module (``lg.recommend``) link to their entry there.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
import re
import sys
import types
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.ext.autodoc import FunctionDocumenter
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book"


def public_names(module: types.ModuleType) -> list[str]:
    """The module's public API: its ``__all__``; without one, the public names it defines.

    Every module of lossguide declares ``__all__``; the fallback keeps a page alive (and
    says so in the build log) if one is added without it.
    """
    names = getattr(module, "__all__", None)
    if names is None:
        LOGGER.info("lossguide-module: %s has no __all__; listing the public names it defines",
                    module.__name__)
        names = [name for name, value in vars(module).items()
                 if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__]
    return [name for name in names if not name.startswith("_")]


def import_module(name: str) -> types.ModuleType:
    # sys.modules, not getattr on the parent: lossguide.recommend is both a module and,
    # re-exported at the top level, the function of the same name.
    importlib.import_module(name)
    return sys.modules[name]


def kind_of(value) -> str:
    """The autodoc directive that documents `value`."""
    if inspect.isclass(value):
        return "autoexception" if issubclass(value, BaseException) else "autoclass"
    if inspect.isroutine(value) or (callable(value) and not isinstance(value, type)
                                   and hasattr(value, "__wrapped__")):
        return "autofunction"
    return "autodata"


# ------------------------------------------------------------------ where the chapters call it


def chapter_code() -> dict[str, str]:
    """The code of every chapter's code cells, by doc name (``/book/<stem>``)."""
    code = {}
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        code[f"/book/{path.stem}"] = "\n".join(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c.get("cell_type") == "code")
    return code


def chapters_calling(code: dict[str, str], module: str, name: str | None = None) -> list[str]:
    """Doc names of the chapters whose code uses ``lg.<module>[.<name>]``.

    `module` is the dotted name (``lossguide.losses``); chapters write ``lg.losses`` or
    ``lossguide.losses``, or import the name from the module.
    """
    short = module.split(".", 1)[1] if "." in module else ""
    prefixes = [f"lossguide.{short}" if short else "lossguide", f"lg.{short}" if short else "lg"]
    if name is None:
        patterns = [re.escape(p) + r"\b" for p in prefixes]
    else:
        patterns = [re.escape(f"{p}.{name}") + r"\b" for p in prefixes]
        patterns.append(rf"from\s+{re.escape(module)}\s+import\s[^\n]*\b{re.escape(name)}\b")
    found = re.compile("|".join(patterns))
    return [doc for doc, text in code.items() if found.search(text)]


def used_in_line(docs: list[str]) -> list[str]:
    if not docs:
        return []
    return ["", ":Used in: " + ", ".join(f":doc:`{doc}`" for doc in docs)]


# ------------------------------------------------------------------ Keras twins of the losses


def keras_twin_lines(module: str, name: str) -> list[str]:
    if module not in ("lossguide.losses", "lossguide.gradients"):
        return []
    from lossguide import registry

    spec = registry.SPECS.get(name)
    if spec is None:
        return []
    if spec.keras:
        twin = f"``keras.losses.{spec.keras}``"
        if spec.keras_class:
            twin += f" / ``keras.losses.{spec.keras_class}``"
    else:
        twin = f"``{spec.twin}``"
    partner = ("lossguide.gradients", "gradient") if module == "lossguide.losses" else ("lossguide.losses", "loss")
    lines = ["", f":Keras twin: {twin}" + (" (the gradient of that loss)" if module == "lossguide.gradients" else "")]
    if spec.aliases:
        lines.append(":Aliases: " + ", ".join(f'``"{a}"``' for a in spec.aliases))
    if spec.removed_in_keras_3:
        lines.append(":Removed in Keras 3: " + ", ".join(f'``"{a}"``' for a in spec.removed_in_keras_3))
    lines.append(f":Its {partner[1]}: :func:`{partner[0]}.{name}`")
    return lines


# ------------------------------------------------------------------ the directive


class LossguideModule(SphinxDirective):
    """Document one module of lossguide from its ``__all__`` (see the module docstring)."""

    required_arguments = 1
    has_content = False
    option_spec = {"chapter": directives.unchanged}

    def run(self):
        modname = self.arguments[0]
        module = import_module(modname)
        names = public_names(module)
        missing = [n for n in names if not hasattr(module, n)]
        if missing:
            LOGGER.warning("lossguide-module: %s.__all__ names %s, which the module does not define",
                           modname, ", ".join(missing), location=self.get_location())
            names = [n for n in names if n not in missing]
        code = self.env.app.lossguide_chapter_code
        for path in CHAPTERS.glob("*.ipynb"):
            self.env.note_dependency(str(path))
        self.env.note_dependency(str(Path(module.__file__)))

        rst: list[str] = [f".. automodule:: {modname}", "", f".. currentmodule:: {modname}", ""]
        explained = self.options.get("chapter", "").split()
        called = [doc for doc in chapters_calling(code, modname) if doc not in explained]
        if explained or called:
            rst += [".. seealso::", ""]
            if explained:
                rst.append("   **See the chapter:** " + ", ".join(f":doc:`{d}`" for d in explained) + ".")
            if called:
                rst += ["", "   Also called in " + ", ".join(f":doc:`{d}`" for d in called) + "."]
            rst.append("")

        submodules = [n for n in names if isinstance(getattr(module, n), types.ModuleType)]
        entries = [n for n in names if n not in submodules]
        # Public submodules that have a page of their own (lossguide.keras_losses is not
        # imported by the package, so not in its __all__) are listed with the others.
        has_page = {i.name for i in pkgutil.iter_modules(getattr(module, "__path__", []))
                    if f"{self.env.docname.rpartition('/')[0]}/{i.name}" in self.env.found_docs}
        submodules += sorted(has_page - set(submodules) - set(entries))
        # A name re-exported from another documented module (lg.recommend) is listed as a
        # link to its own entry instead of being documented twice.
        elsewhere = {n: getattr(module, n).__module__ for n in entries
                     if modname == "lossguide" and inspect.getmodule(getattr(module, n)) is not None
                     and not getattr(module, n).__module__.split(".")[-1].startswith("_")
                     and getattr(module, n).__module__ != modname}
        documented = [n for n in entries if n not in elsewhere]

        if submodules or elsewhere:
            rst += ["", ".. list-table::", "   :header-rows: 1", "", "   * - name", "     - what it is"]
            for name in submodules:
                rst += [f"   * - :mod:`{modname}.{name}`",
                        f"     - {first_sentence(import_module(f'{modname}.{name}'))}"]
            for name, home in elsewhere.items():
                qualname = getattr(getattr(module, name), "__qualname__", name)
                rst += [f"   * - ``{modname}.{name}``", f"     - the same object as :py:obj:`{home}.{qualname}`"]
            rst.append("")

        if documented:
            rst += ["", ".. rubric:: Contents", "", ".. autosummary::", "   :nosignatures:", ""]
            rst += [f"   {name}" for name in documented]
            rst.append("")
            for name in documented:
                directive = kind_of(getattr(module, name))
                rst += ["", f".. {directive}:: {modname}.{name}"]
                if directive in ("autoclass", "autoexception"):
                    rst += ["   :members:"] + inheritance(getattr(module, name))
                if directive == "autodata":
                    rst += ["   :no-value:"] if _long_value(getattr(module, name)) else []
                rst.append("")

        rst += package_submodules(module, set(documented), skip=set(names) | has_page)

        container = nodes.container(classes=["lossguide-api"])
        self.state.nested_parse(StringList(rst, source=f"<lossguide-module {modname}>"),
                                self.content_offset, container)
        return container.children


def first_sentence(module: types.ModuleType) -> str:
    """The docstring's first line, with roles turned into plain literals (for a table)."""
    line = (inspect.getdoc(module) or "").split("\n\n")[0].replace("\n", " ")
    return ROLE.sub(lambda m: f"``{m.group(1).lstrip('~')}``", line)


ROLE = re.compile(r":[a-z]+:`([^`]+)`")


def package_submodules(package: types.ModuleType, documented: set[str], skip: set[str]) -> list[str]:
    """For a package (lossguide.derive): each public submodule (a module target and its
    first sentence), then the names of its ``__all__`` the package does not itself export.
    `skip`: names in the package's ``__all__``, and submodules with a page of their own.

    The package's own entries carry their submodule's name as a canonical alias (see
    :class:`CanonicalFunctionDocumenter`), so ``lossguide.derive.prover.prove_equal``
    and ``lossguide.derive.prove_equal`` both resolve."""
    if not hasattr(package, "__path__"):
        return []
    exported = {id(getattr(package, n)) for n in documented if hasattr(package, n)}
    rst = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in skip:
            continue  # private, or a module with its own page (the top level's submodules)
        name = f"{package.__name__}.{info.name}"
        submodule = import_module(name)
        extra = [n for n in public_names(submodule)
                 if hasattr(submodule, n) and id(getattr(submodule, n)) not in exported]
        # A module target (so :mod:`lossguide.derive.prover` resolves) and its first
        # sentence; its public names are documented above, under the package.
        rst += ["", ".. rubric:: " + f"``{name}``", "", f".. py:module:: {name}", "",
                first_sentence(submodule), "", f".. currentmodule:: {name}", ""]
        if extra:
            rst += ["", ".. autosummary::", "   :nosignatures:", ""] + [f"   {n}" for n in extra] + [""]
        for n in extra:
            directive = kind_of(getattr(submodule, n))
            rst += ["", f".. {directive}:: {name}.{n}"]
            if directive in ("autoclass", "autoexception"):
                rst += ["   :members:"] + inheritance(getattr(submodule, n))
            rst.append("")
    return rst


def inheritance(cls) -> list[str]:
    """``:show-inheritance:`` where the bases say something ("Bases: object" does not)."""
    return ["   :show-inheritance:"] if tuple(cls.__bases__) != (object,) else []


class CanonicalFunctionDocumenter(FunctionDocumenter):
    """autofunction that, like autoclass, records where a re-exported function is defined.

    ``lossguide.derive.prove_equal`` is defined in ``lossguide.derive.prover``: with
    ``:canonical:`` both names resolve, so docstrings may use either. A canonical name is an
    alias: it never competes with the entry documented under that name itself."""

    priority = FunctionDocumenter.priority + 1

    def add_directive_header(self, sig: str) -> None:
        super().add_directive_header(sig)
        module = getattr(self.object, "__module__", None)
        qualname = getattr(self.object, "__qualname__", None)
        if module and qualname and "<locals>" not in qualname and module.startswith("lossguide"):
            canonical = f"{module}.{qualname}"
            if canonical != self.fullname:
                self.add_line(f"   :canonical: {canonical}", self.get_sourcename())


def _long_value(value) -> bool:
    return len(repr(value)) > 200


def _append_notes(app, what, name, obj, options, lines):
    """Keras twin (after the summary) and "Used in" (at the end) of every entry."""
    if not name.startswith("lossguide"):
        return
    if what == "module":
        # numpydoc leaves a module docstring as it is, so its "Examples" / "-----" would
        # become a section of the page (and of its contents sidebar): make it a rubric,
        # as numpydoc does for functions and classes.
        for index in range(len(lines) - 1, 0, -1):
            title, underline = lines[index - 1].strip(), lines[index].strip()
            if title and underline and set(underline) == {"-"} and len(underline) >= len(title):
                lines[index - 1:index + 1] = [f".. rubric:: {title}", ""]
        return
    if what not in ("function", "class", "exception", "data"):
        return
    module, _, short = name.rpartition(".")
    if what == "data" and not isinstance(obj, types.FunctionType):
        # A constant without a ``#:`` comment would show its type's docstring
        # ("Built-in immutable sequence..."): drop that, the entry shows the value.
        type_doc = inspect.getdoc(type(obj)) or ""
        if type_doc and lines and lines[0].strip() == type_doc.splitlines()[0].strip():
            lines[:] = []
    if what == "function":
        twin = keras_twin_lines(module, short)
        if twin:
            # After the summary paragraph, where a reader looks first.
            end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
            lines[end:end] = twin + ([""] if end < len(lines) else [])
    docs = chapters_calling(app.lossguide_chapter_code, module, short)
    if module == "lossguide" or (module == "lossguide.recommend" and short in ("recommend", "Recommendation")):
        # lg.setup(...) / lg.recommend(...): called through the top-level package.
        docs = sorted(set(docs) | set(chapters_calling(app.lossguide_chapter_code, "lossguide", short)))
    lines += used_in_line(docs)


def _resolve_more(app, env, node, contnode):
    """Two kinds of Python reference the domain cannot resolve alone (``missing-reference``):

    - ``lg.`` for ``lossguide.``: the book imports the package as ``lg``, so
      :func:`lg.losses.mean_squared_error` is what a chapter or docstring naturally writes;
    - an attribute listed in its class's numpydoc Attributes section, or a dataclass field
      (``:attr:`data``` in a method of ``Result``): numpydoc renders that section as a list,
      which makes no target of its own, so the reference links to the class's entry.

    Anything else stays unresolved, and the nitpicky build reports it.
    """
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    target = node["reftarget"]
    if target.startswith("lg."):
        retry = node.deepcopy()
        retry["reftarget"] = "lossguide." + target[3:]
        return domain.resolve_xref(env, node.get("refdoc"), app.builder, node["reftype"], retry["reftarget"],
                                   retry, contnode)
    if node["reftype"] not in ("attr", "obj"):
        return None
    module, owner = node.get("py:module") or "", node.get("py:class") or ""
    candidates = [f"{module}.{owner}.{target}" if owner else None, f"{module}.{target}", target]
    for full in filter(None, candidates):
        path, _, field = full.rpartition(".")
        cls = _resolve_object(path)
        if inspect.isclass(cls) and field in documented_attributes(cls):
            name = f"{path}"
            found = domain.resolve_xref(env, node.get("refdoc"), app.builder, "class", name, node, contnode)
            if found is not None:
                return found
    return None


def documented_attributes(cls) -> set[str]:
    """The names in the class's numpydoc Attributes section, and its dataclass fields."""
    from numpydoc.docscrape import NumpyDocString

    names = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    try:
        section = NumpyDocString(inspect.getdoc(cls) or "")["Attributes"]
    except Exception:  # a docstring numpydoc cannot parse documents no attributes
        return names
    for parameter in section:
        names.update(part.strip() for part in parameter.name.split(","))
    return names


def _resolve_object(dotted: str):
    """The object a dotted lossguide name refers to, or None."""
    if not dotted.startswith("lossguide"):
        return None
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            value = getattr(value, part, None)
            if value is None:
                return None
        return value
    return None


def _read_chapters(app, env, docnames):
    # Only chapters that are pages of this build (in the TOC: only_build_toc_files) are
    # linked: a notebook written but not yet listed in _toc.yml would be an unknown
    # document under -n. env.found_docs is known from here on (after find_files).
    app.lossguide_chapter_code = {doc: text for doc, text in chapter_code().items()
                                  if doc.lstrip("/") in env.found_docs}


def setup(app):
    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.autosummary")
    app.add_directive("lossguide-module", LossguideModule)
    app.add_autodocumenter(CanonicalFunctionDocumenter, override=True)
    app.connect("env-before-read-docs", _read_chapters)
    app.connect("autodoc-process-docstring", _append_notes)
    app.connect("missing-reference", _resolve_more)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
