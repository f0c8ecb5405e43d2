"""The book's harness: table of contents, committed notebooks, nbval policy, pytest scope."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
IGNORE_MARKER = "# NBVAL_IGNORE_OUTPUT"
MAX_IGNORED_FRACTION = 0.10


def toc_files() -> list[str]:
    """Every `file:` entry of _toc.yml (and the root), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    return files


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(notebook: dict) -> list[dict]:
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def output_text(output: dict) -> str:
    if output["output_type"] == "stream":
        text = output.get("text", "")
    elif output["output_type"] == "error":
        text = "\n".join(output.get("traceback", []))
    else:
        text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


def keras_calls(code: str, methods: tuple[str, ...]) -> list[str]:
    """The argument text of every `.<method>(...)` call, parentheses balanced."""
    found = []
    for match in re.finditer(r"\.(%s)\(" % "|".join(methods), code):
        depth, start = 1, match.end()
        for index in range(start, len(code)):
            depth += {"(": 1, ")": -1}.get(code[index], 0)
            if depth == 0:
                found.append(code[start:index])
                break
    return found


def raises_on_purpose(cell: dict) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return "raises-exception" in tags or "NBVAL_RAISES_EXCEPTION" in source(cell)


def test_there_are_chapters():
    assert NOTEBOOKS, "book/ holds no chapter notebooks"


PAGE_SUFFIXES = (".md", ".ipynb", ".rst")


def book_pages() -> list[Path]:
    """Every source page under book/ (the API reference in book/api/ included)."""
    return sorted(p for p in BOOK.rglob("*") if p.suffix in PAGE_SUFFIXES
                  and not any(part.startswith((".", "_")) for part in p.relative_to(BOOK).parts))


def test_every_toc_entry_exists():
    for entry in toc_files():
        candidates = [ROOT / f"{entry}{suffix}" for suffix in ("", *PAGE_SUFFIXES)]
        assert any(p.is_file() for p in candidates), f"_toc.yml lists {entry}, which does not exist"


def test_every_page_is_in_the_toc():
    listed = {str(Path(f).with_suffix("")) for f in toc_files()}
    for page in book_pages():
        name = str(page.relative_to(ROOT).with_suffix(""))
        assert name in listed, f"{name} is in book/ but not in _toc.yml"


def test_no_page_is_listed_twice():
    files = [str(Path(f).with_suffix("")) for f in toc_files()]
    assert len(files) == len(set(files)), sorted(f for f in files if files.count(f) > 1)


# ------------------------------------------------------------------ the API reference


def public_modules() -> list[str]:
    """lossguide's public modules: every module and subpackage without a leading underscore
    directly under the package (a subpackage's own modules are on its page)."""
    import pkgutil

    import lossguide

    return sorted(["lossguide"] + [f"lossguide.{m.name}" for m in pkgutil.iter_modules(lossguide.__path__)
                                   if not m.name.startswith("_")])


@pytest.mark.parametrize("module", public_modules())
def test_every_public_module_has_an_api_page(module):
    """book/api/<name>.rst documents it with the lossguide-module directive, which lists its
    __all__; the page is in the table of contents and linked from the API index."""
    stem = module.split(".")[-1]
    page = BOOK / "api" / f"{stem}.rst"
    assert page.is_file(), (f"{module} has no API page: copy book/api/losses.rst to {page.name}, "
                            f"change the module name, and add book/api/{stem} to _toc.yml")
    assert re.search(rf"^\.\. lossguide-module:: {re.escape(module)}\s*$", page.read_text(encoding="utf-8"), re.M)
    assert f"book/api/{stem}" in toc_files()
    assert f"{{py:mod}}`{module}`" in (BOOK / "api" / "index.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("module", public_modules())
def test_every_name_in_all_exists(module):
    """The API page lists __all__; a name there that the module lacks is a broken entry."""
    import importlib
    import sys

    importlib.import_module(module)
    imported = sys.modules[module]
    names = getattr(imported, "__all__", None)
    assert names is not None, f"{module} has no __all__: its API page cannot tell public from private"
    missing = [n for n in names if not hasattr(imported, n)]
    assert not missing, f"{module}.__all__ names {missing}, which it does not define"


def test_the_api_reference_generates_entries_from_all():
    """No page hand-lists names: every API page is the directive and nothing else."""
    for page in sorted((BOOK / "api").glob("*.rst")):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"^\.\. auto(function|class|data|exception|summary)::", text, re.M), (
            f"{page.name} lists names by hand; the lossguide-module directive reads __all__")


# ------------------------------------------------------------------ publishing


def test_one_setting_gives_every_address():
    """_config.yml's repository.url is the only place the repository's address is written
    in the book's pages: How to cite uses the placeholders _ext/repository_links.py fills."""
    sys.path.insert(0, str(ROOT / "_ext"))
    from repository_links import PLACEHOLDER, book_url_for

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    owner, repo = url.split("/")[-2:]
    assert book_url_for(url) == f"https://{owner.lower()}.github.io/{repo}/"
    cite = (BOOK / "how_to_cite.md").read_text(encoding="utf-8")
    assert "{{ repository_url }}" in cite and "{{ book_url }}" in cite and "{{ pdf_url }}" in cite
    for page in book_pages():
        if page.suffix == ".ipynb":
            continue  # code cells may hold "{{" (f-strings); chapters link with {ref}
        text = page.read_text(encoding="utf-8")
        assert url not in text and f"github.com/{owner}" not in text, (
            f"{page.relative_to(ROOT)} writes the repository's address; use {{{{ repository_url }}}}")
        for unknown in re.findall(r"\{\{\s*(\w+)\s*\}\}", text):
            assert PLACEHOLDER.search("{{ %s }}" % unknown), f"{page.name}: unknown placeholder {unknown!r}"


def test_the_publishing_workflow_runs_the_readme_test_command():
    """.github/workflows/book.yml runs exactly `make test` (the README's command), then
    publishes _build/html with the PDF `make test` printed, to GitHub Pages."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    workflow_text = (ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(workflow_text)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
    runs = [step.get("run", "").strip() for step in steps]
    assert "make test" in runs, f"no step runs exactly `make test`: {runs}"
    assert re.search(r"^make test\s", readme, re.M), "the README's test command is `make test`"
    pdf = re.search(r"^PDF := (\S+)$", makefile, re.M).group(1)
    assert any(pdf in run and "_build/html" in run for run in runs), "the PDF is not copied into the site"
    uploads = [step for step in steps if str(step.get("uses", "")).startswith("actions/upload-pages-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"
    assert any(str(step.get("uses", "")).startswith("actions/deploy-pages") for step in steps)
    sys.path.insert(0, str(ROOT / "_ext"))
    from repository_links import PDF_NAME

    assert f"_build/html/{PDF_NAME}" in workflow_text, "the PDF must be published where {{ pdf_url }} points"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
class TestCommittedNotebook:
    def test_executed_top_to_bottom_in_one_fresh_kernel(self, path):
        cells = [c for c in code_cells(load(path)) if source(c).strip()]
        counts = [c.get("execution_count") for c in cells]
        assert counts == list(range(1, len(cells) + 1)), (
            f"{path.name}: execution counts {counts} are not 1..{len(cells)}; "
            "run it with `make book-exec` (or nbconvert --execute --inplace)"
        )
        assert all(source(c).strip() for c in code_cells(load(path))), f"{path.name}: empty code cell"

    def test_every_code_cell_has_an_output(self, path):
        # myst-nb's `execute_notebooks: auto` re-executes a notebook as soon as ONE code
        # cell has no output; then `make book` would silently re-run every chapter.
        for number, cell in enumerate(code_cells(load(path)), start=1):
            assert cell.get("outputs"), (
                f"{path.name}: code cell {number} has no output, so the book build would "
                "re-execute the whole chapter; merge it into a cell that prints something"
            )

    def test_first_cell_sets_up_lossguide(self, path):
        first = source(code_cells(load(path))[0])
        assert "import lossguide as lg" in first and "lg.setup(" in first, (
            f"{path.name}: the first code cell must `import lossguide as lg` and call lg.setup()"
        )
        before_setup = first.split("lg.setup(")[0]
        assert not re.search(r"^\s*(import|from)\s+(tensorflow|keras)", before_setup, re.M), (
            f"{path.name}: TensorFlow/Keras imported before lg.setup()"
        )

    def test_outputs_are_clean(self, path):
        leaks = {
            "a machine path": re.compile(r"(/root/|/home/\w+|/tmp/|/work/|\.venv|C:\\Users)"),
            "TensorFlow log noise": re.compile(r"(oneDNN custom operations|Unable to register|TF-TRT|cuda_|"
                                               r"rebuild TensorFlow|WARNING: All log messages|I0000|W0000)"),
            "a Keras progress bar": re.compile(r"\d+/\d+ \S*[━=]{3,}"),
            "a bare Figure repr": re.compile(r"<Figure size \d+x\d+ with"),
            "a memory address": re.compile(r" at 0x[0-9a-fA-F]{6,}"),
        }
        for number, cell in enumerate(code_cells(load(path)), start=1):
            for output in cell.get("outputs", []):
                if output["output_type"] == "error":
                    assert raises_on_purpose(cell), (
                        f"{path.name}: code cell {number} stores an error ({output.get('ename')}) "
                        "but is not tagged raises-exception"
                    )
                if output["output_type"] == "stream":
                    assert output["name"] != "stderr", f"{path.name}: code cell {number} wrote to stderr"
                text = output_text(output)
                for what, pattern in leaks.items():
                    if what == "a machine path" and output["output_type"] == "error":
                        # Tracebacks of deliberate errors name files in site-packages.
                        continue
                    assert not pattern.search(text), f"{path.name}: code cell {number} output holds {what}"

    def test_training_is_silent(self, path):
        # Keras's fit and evaluate print progress bars unless verbose=0. (predict's bar
        # is caught by test_outputs_are_clean; lossguide's Result.predict has no verbose.)
        for number, cell in enumerate(code_cells(load(path)), start=1):
            for arguments in keras_calls(source(cell), ("fit", "evaluate")):
                assert re.search(r"\bverbose\s*=\s*0\b", arguments), (
                    f"{path.name}: code cell {number} trains or evaluates without verbose=0"
                )

    def test_few_outputs_are_ignored_and_each_ignore_says_why(self, path):
        producing = [c for c in code_cells(load(path)) if c.get("outputs")]
        ignored = [c for c in producing if IGNORE_MARKER in source(c)]
        for cell in ignored:
            lines = source(cell).splitlines()
            index = next(i for i, line in enumerate(lines) if IGNORE_MARKER in line)
            reason = lines[index].split(IGNORE_MARKER, 1)[1].strip(" :—-")
            following = lines[index + 1].strip() if index + 1 < len(lines) else ""
            assert reason or following.startswith("#"), (
                f"{path.name}: every {IGNORE_MARKER} needs a comment saying why the output cannot be deterministic"
            )
        if producing:
            fraction = len(ignored) / len(producing)
            assert fraction <= MAX_IGNORED_FRACTION, (
                f"{path.name}: {len(ignored)} of {len(producing)} output cells ignored by nbval "
                f"({fraction:.0%} > {MAX_IGNORED_FRACTION:.0%})"
            )

    def test_glued_numbers_are_plain_numbers(self, path):
        # myst-nb formats {glue:text}`name:.3f` by converting the stored text/plain to a
        # float: a NumPy scalar glued as is stores "np.float64(0.098)", which fails the
        # strict build (glue float(value) instead).
        for number, cell in enumerate(code_cells(load(path)), start=1):
            for output in cell.get("outputs", []):
                text = output.get("data", {}).get("application/papermill.record/text/plain", "")
                text = "".join(text) if isinstance(text, list) else text
                assert not re.match(r"np\.\w+\(", text), (
                    f"{path.name}: code cell {number} glues a NumPy scalar ({text[:40]}); "
                    "glue float(...) or int(...)"
                )

    def test_uses_the_python3_kernel(self, path):
        kernelspec = load(path).get("metadata", {}).get("kernelspec", {})
        assert kernelspec.get("name") == "python3", f"{path.name}: kernelspec is {kernelspec}"


def test_pytest_does_not_collect_the_build_folder(tmp_path):
    """A built book holds copies of every notebook under _build/: pytest must skip them."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_real.py").write_text("def test_real():\n    pass\n")
    build = tmp_path / "_build" / "jupyter_execute"
    build.mkdir(parents=True)
    (build / "test_copy.py").write_text("def test_copy():\n    pass\n")
    shutil.copy(NOTEBOOKS[0], build / "chapter.ipynb")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "--nbval", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert "test_real" in done.stdout, done.stdout + done.stderr
    assert "_build" not in done.stdout, f"pytest collected the build folder:\n{done.stdout}"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make book" in readme
    assert re.search(r"^exec make test$", ci, re.M), ".ci/run must run `make test`"


def test_the_book_loads_nothing_from_a_cdn():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "sphinx-mathjax-offline" in config["sphinx"]["extra_extensions"]
    assert config["execute"]["execute_notebooks"] == "auto"
