"""Drop repeated <script> tags from every page.

sphinx-thebe 0.3.1 registers its inline configuration script in an event that Sphinx 7.4
fires twice under Jupyter Book 1, so each page declared ``const THEBE_JS_URL`` twice and the
browser logged a SyntaxError.  Keeping the first of identical scripts fixes the page without
touching the package.
"""


def _keep_first_of_each_script(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # Inline scripts come with filename None or "" depending on who added them.
        key = (getattr(script, "filename", str(script)) or "",
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    # Early: the event stops at the first handler that returns a template name.
    app.connect("html-page-context", _keep_first_of_each_script, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
