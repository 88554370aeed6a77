#!/usr/bin/env python3
"""Check the committed book: executed notebooks, their sources, and the built HTML.

    python .ci/check_book.py                       # (a) + (b): the notebooks in book/
    python .ci/check_book.py --html _build/html    # (c): the built pages, in headless Chromium

(a) No notebook under book/ holds an error output, a stderr stream with a
    "Traceback", or papermill's `exception: true` flag.
(b) book/ is up to date with notebooks/: for every notebooks/X.md (a Jupytext
    MyST notebook; README.md is skipped), book/X.ipynb exists and its code cells
    have the same sources, in order, ignoring papermill's cell tagged
    "injected-parameters". With --prose, markdown cells are compared too.
(c) Every page in _toc.yml opens in headless Chromium (--dump-dom). No page shows a
    Python traceback. Every page built from a notebook shows at least
    --min-figures figures (<img> with a data: URI or a non-empty file under
    _images/) and a Colab launch link. Use --min-figures-for PAGE=N to set a
    different minimum for one page. Chromium lays each page out at --width pixels
    and a script measures it there: every figure has loaded (a decoded image with
    a width) and sits in a numbered, captioned figure ("Fig. N"), no table is wider
    than the text column (it would scroll sideways), and every figure in a cell
    tagged `task-grid` (the per-task grid)
    spans the full width of the text column (a paragraph's width, 3% tolerance).
    With --screenshots DIR, a full-page PNG of each page is written to DIR.

`jupyter-book build book/` with the top-level _config.yml writes the HTML to
_build/html (next to _config.yml), not to book/_build/html.

Exit status: 0 if every check passes, 1 otherwise. Needs nbformat, jupytext and
PyYAML; (c) also needs Chromium (.ci/install_chromium.sh installs it).
"""

import argparse
import base64
import difflib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
TRACEBACK_TEXT = "Traceback (most recent call last)"
FULL_WIDTH_TAG = "tag_task-grid"   # MyST-NB gives a cell's tags to its HTML as tag_<tag> classes
# Runs in the page once it has loaded; leaves its measurements as JSON in <pre id="check-book">.
MEASURE_JS = """
window.addEventListener('load', () => {
  const main = document.querySelector('article') || document.querySelector('main') || document.body;
  const para = [...main.querySelectorAll('p')].map(p => p.getBoundingClientRect().width);
  const imgs = [...main.querySelectorAll('img')].map(img => ({
    src: img.getAttribute('src') || '', loaded: img.complete && img.naturalWidth > 0,
    width: img.getBoundingClientRect().width, natural: img.naturalWidth,
    fullWidthCell: !!img.closest('.%s'),
    caption: ((img.closest('figure') || {querySelector: () => null}).querySelector('figcaption') || {}).textContent || ''}));
  const tables = [...main.querySelectorAll('table')].map(t => ({
    width: Math.max(t.scrollWidth, t.getBoundingClientRect().width),
    head: (t.querySelector('tr') || {textContent: ''}).textContent.replace(/\\s+/g, ' ').trim().slice(0, 60)}));
  const out = document.createElement('pre');
  out.id = 'check-book'; out.style.display = 'none';
  out.textContent = JSON.stringify({column: para.length ? Math.max(...para) : 0, images: imgs, tables: tables,
                                    height: document.documentElement.scrollHeight});
  document.body.appendChild(out);
});
""" % FULL_WIDTH_TAG
COLAB = "https://colab.research.google.com/github/"
SKIP_DIRS = {"_build", ".ipynb_checkpoints"}


class Report:
    def __init__(self):
        self.failures = []
        self.warnings = []

    def fail(self, where, what):
        self.failures.append(f"{where}: {what}")

    def warn(self, where, what):
        self.warnings.append(f"{where}: {what}")

    def finish(self, title):
        for w in self.warnings:
            print(f"warning: {w}")
        for f in self.failures:
            print(f"FAIL: {f}")
        verdict = "FAILED" if self.failures else "ok"
        print(f"{title}: {verdict} ({len(self.failures)} failure(s), {len(self.warnings)} warning(s))")
        return 1 if self.failures else 0


def rel(path):
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def book_notebooks(book):
    for path in sorted(book.rglob("*.ipynb")):
        if not SKIP_DIRS.intersection(path.relative_to(book).parts):
            yield path


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []) or [])


def text_of(value):
    return "".join(value) if isinstance(value, list) else (value or "")


# ----------------------------------------------------------------------------- (a)
def check_errors(book, report):
    import nbformat

    paths = list(book_notebooks(book))
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if nb.metadata.get("papermill", {}).get("exception"):
            report.fail(rel(path), "papermill recorded an exception while executing it")
        code_index = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            code_index += 1
            for out in cell.get("outputs", []):
                kind = out.get("output_type")
                if kind == "error":
                    report.fail(rel(path), f"code cell {code_index} has an error output: "
                                           f"{out.get('ename')}: {out.get('evalue')}")
                elif kind == "stream" and out.get("name") == "stderr" and "Traceback" in text_of(out.get("text")):
                    report.fail(rel(path), f"code cell {code_index} printed a Traceback to stderr")
    return len(paths)


# ----------------------------------------------------------------------------- (b)
def normalise(source):
    lines = text_of(source).replace("\r\n", "\n").strip("\n").split("\n")
    return "\n".join(line.rstrip() for line in lines)


def cells_to_compare(nb, prose):
    kinds = ("code", "markdown") if prose else ("code",)
    out = []
    for cell in nb.cells:
        if cell.cell_type in kinds and "injected-parameters" not in tags(cell):
            out.append((cell.cell_type, normalise(cell.source)))
    return out


def short_diff(a, b, limit=12):
    diff = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "notebooks/ (source)",
                                     "book/ (executed)", lineterm="", n=1))
    if len(diff) > limit:
        diff = diff[:limit] + [f"... ({len(diff) - limit} more diff lines)"]
    return "\n        ".join(diff)


def check_sources(notebooks, book, report, prose=False):
    try:
        import jupytext
        import nbformat
    except ImportError as exc:  # pragma: no cover - environment problem
        report.fail("environment", f"{exc}; install jupytext and nbformat")
        return 0

    sources = sorted(p for p in notebooks.glob("*.md") if p.name.lower() != "readme.md")
    for src in sources:
        target = book / (src.stem + ".ipynb")
        if not target.exists():
            report.fail(rel(src), f"has no executed counterpart {rel(target)}")
            continue
        want = cells_to_compare(jupytext.read(src), prose)
        got = cells_to_compare(nbformat.read(target, as_version=4), prose)
        for i, (w, g) in enumerate(zip(want, got), start=1):
            if w != g:
                kind = w[0] if w[0] == g[0] else f"{w[0]} vs {g[0]}"
                report.fail(f"{rel(target)} vs {rel(src)}",
                            f"compared cell {i} ({kind}; counted from 1, the injected-parameters "
                            "cell not counted) differs; re-execute the notebook\n        "
                            + short_diff(w[1], g[1]))
                break
        else:
            if len(want) != len(got):
                report.fail(f"{rel(target)} vs {rel(src)}",
                            f"{len(want)} cells to compare in the source but {len(got)} in the "
                            "executed notebook; re-execute the notebook")
    known = {p.stem for p in sources}
    for path in book_notebooks(book):
        if path.parent == book and path.stem not in known:
            report.warn(rel(path), f"has no source notebooks/{path.stem}.md (placeholder?)")
    return len(sources)


# ----------------------------------------------------------------------------- (c)
def toc_pages(toc_path):
    import yaml

    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            for key in ("sections", "chapters"):
                walk(entry.get(key))
            for part in entry.get("parts", []) or []:
                walk(part.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    return pages


class PageParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images = []
        self.traceback_classes = 0
        self.text = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src") or "")
        if "traceback" in (attrs.get("class") or "").split():
            self.traceback_classes += 1
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def find_chromium(explicit):
    for candidate in [explicit, os.environ.get("CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")]:
        if candidate and Path(candidate).exists():
            return candidate
    return None


def instrumented(page, folder):
    """A copy of `page` in `folder` that loads its resources from the page's own folder (<base>)
    and runs MEASURE_JS."""
    text = page.read_text(encoding="utf8")
    base = f'<base href="{page.resolve().parent.as_uri()}/">'
    text = re.sub(r"<head[^>]*>", lambda m: m.group(0) + base, text, count=1)
    text = text.replace("</body>", f"<script>{MEASURE_JS}</script></body>", 1)
    copy = Path(folder) / page.name
    copy.write_text(text, encoding="utf8")
    return copy


def run_chromium(chromium, page, timeout, *args):
    with tempfile.TemporaryDirectory(prefix="check-book-chromium-") as profile:
        cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--allow-file-access-from-files",
               "--virtual-time-budget=5000", "--hide-scrollbars", *args, page.resolve().as_uri()]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def dump_dom(chromium, page, timeout, width=1280):
    """(returncode, DOM after load, stderr, measurements or None) of the page at `width` pixels."""
    with tempfile.TemporaryDirectory(prefix="check-book-page-") as folder:
        proc = run_chromium(chromium, instrumented(page, folder), timeout, f"--window-size={width},1000",
                            "--dump-dom")
    found = re.search(r'<pre id="check-book"[^>]*>(.*?)</pre>', proc.stdout, re.S)
    measured = json.loads(html.unescape(found.group(1))) if found else None
    return proc.returncode, proc.stdout, proc.stderr, measured


def screenshot(chromium, page, out, width, height, timeout):
    """A PNG of the whole page (`height` pixels tall, capped at 16000)."""
    with tempfile.TemporaryDirectory(prefix="check-book-page-") as folder:
        run_chromium(chromium, instrumented(page, folder), timeout,
                     f"--window-size={width},{min(int(height) + 20, 16000)}", f"--screenshot={out}")
    return Path(out).is_file()


def check_layout(name, measured, report, max_height=None):
    """Every figure loaded, numbered and captioned; every full-width figure spans the text column;
    no table is wider than the text column (it would scroll sideways); the page is at most
    `max_height` pixels tall, when given."""
    if measured is None:
        report.fail(name, "the layout script did not run (no measurements in the DOM)")
        return
    for table in measured.get("tables", []):
        if measured["column"] and table["width"] > measured["column"] + 2:
            report.fail(name, f"a table is {table['width']:.0f}px wide in a {measured['column']:.0f}px text column "
                              f"(it scrolls sideways): {table['head']!r}")
    if max_height and measured["height"] > max_height:
        report.fail(name, f"the page is {measured['height']}px tall, over {max_height}px")
    for img in measured["images"]:
        is_figure = img["src"].startswith("data:") or "_images/" in img["src"]
        if is_figure and not re.match(r"\s*Fig(ure|\.)\s*\d+", img.get("caption", "")):
            report.fail(name, f"a figure has no number and caption: {img['src'][:60]}")
        if not img["loaded"]:
            report.fail(name, f"a figure did not load in the browser: {img['src'][:60]}")
        elif img["fullWidthCell"] and img["width"] < 0.97 * measured["column"]:
            report.fail(name, f"the per-task grid is {img['width']:.0f}px wide in a {measured['column']:.0f}px "
                              f"text column (natural width {img['natural']}px): draw it wider")


def figure_ok(src, html_dir):
    if src.startswith("data:"):
        header, _, payload = src.partition(",")
        if not payload:
            return False
        if ";base64" in header:
            try:
                return len(base64.b64decode(payload, validate=False)) > 0
            except ValueError:
                return False
        return True
    if "_images/" in src:
        path = (html_dir / src.split("#")[0].split("?")[0]).resolve()
        return path.is_file() and path.stat().st_size > 0
    return None  # not a figure (logos, icons)


def check_html(html_dir, book, toc_path, report, chromium, min_figures, per_page, timeout,
               width=1280, screenshots=None, max_height=None):
    html_dir = Path(html_dir)
    if not html_dir.is_dir():
        report.fail(rel(html_dir), "no such folder; run `jupyter-book build book/` first")
        return 0
    if not chromium:
        report.fail("chromium", "not found; run .ci/install_chromium.sh or pass --chromium")
        return 0
    pages = toc_pages(toc_path)
    for name in pages:
        page = html_dir / f"{name}.html"
        if not page.is_file():
            report.fail(rel(page), f"missing: _toc.yml lists {name!r}")
            continue
        try:
            rc, dom, err, measured = dump_dom(chromium, page, timeout, width)
        except subprocess.TimeoutExpired:
            report.fail(rel(page), f"Chromium did not finish within {timeout}s")
            continue
        if rc != 0 or "<body" not in dom:
            tail = err.strip().splitlines()[-3:]
            report.fail(rel(page), f"Chromium exited {rc} without a DOM: {' | '.join(tail)}")
            continue
        parser = PageParser()
        parser.feed(dom)
        text = "".join(parser.text)
        if TRACEBACK_TEXT in text or parser.traceback_classes:
            report.fail(rel(page), "shows a Python traceback")
        from_notebook = (book / f"{name}.ipynb").exists()
        if from_notebook and COLAB not in dom:
            report.fail(rel(page), "has no Colab launch link (launch_buttons.colab_url in _config.yml)")
        needed = per_page.get(name, min_figures if from_notebook else 0)
        verdicts = [figure_ok(src, html_dir) for src in parser.images]
        good = sum(v is True for v in verdicts)
        broken = sum(v is False for v in verdicts)
        if broken:
            report.fail(rel(page), f"{broken} figure(s) point at empty or missing images")
        if good < needed:
            report.fail(rel(page), f"renders {good} figure(s), expected at least {needed}")
        check_layout(rel(page), measured, report, (max_height or {}).get(name))
        grids = [i for i in (measured or {}).get("images", []) if i["fullWidthCell"]]
        if screenshots and measured:
            Path(screenshots).mkdir(parents=True, exist_ok=True)
            screenshot(chromium, page, Path(screenshots) / f"{name}.png", width, measured["height"], timeout)
        print(f"  {name}.html: {good} figure(s), {len(dom)} bytes of DOM"
              + (f", text column {measured['column']:.0f}px, {measured['height']}px tall" if measured else "")
              + "".join(f", task grid {g['width']:.0f}px" for g in grids))
    return len(pages)


def parse_per_page(values):
    out = {}
    for value in values or []:
        name, sep, n = value.partition("=")
        if not sep or not n.isdigit():
            raise SystemExit(f"--min-figures-for and --max-height-for expect PAGE=N, got {value!r}")
        out[name] = int(n)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="repository root (default: %(default)s)")
    ap.add_argument("--html", type=Path, metavar="DIR",
                    help="check the built pages in DIR (e.g. _build/html) instead of the notebooks")
    ap.add_argument("--prose", action="store_true",
                    help="(b) compare markdown cells as well as code cells")
    ap.add_argument("--chromium", help="Chromium binary (default: $CHROMIUM or /usr/bin/chromium)")
    ap.add_argument("--min-figures", type=int, default=1,
                    help="figures each notebook page must show (default: %(default)s)")
    ap.add_argument("--min-figures-for", action="append", metavar="PAGE=N", default=["claims=0"],
                    help="a different minimum for one page (default: %(default)s: the claims page is a table;"
                         " its figures are in the chapters it links to)")
    ap.add_argument("--timeout", type=int, default=90, help="seconds per page in Chromium")
    ap.add_argument("--width", type=int, default=1280, help="browser window width in pixels (default: %(default)s)")
    ap.add_argument("--screenshots", type=Path, metavar="DIR", help="write a full-page PNG of each page to DIR")
    ap.add_argument("--max-height-for", action="append", metavar="PAGE=PX", default=["claims=1200"],
                    help="the tallest a page may be at --width (default: %(default)s, 1.5 screens of 800px)")
    args = ap.parse_args(argv)

    root = args.root.resolve()
    book, notebooks, toc = root / "book", root / "notebooks", root / "_toc.yml"
    report = Report()
    if args.html is not None:
        html_dir = args.html if args.html.is_absolute() else (Path.cwd() / args.html)
        n = check_html(html_dir, book, toc, report, find_chromium(args.chromium),
                       args.min_figures, parse_per_page(args.min_figures_for), args.timeout,
                       args.width, args.screenshots, parse_per_page(args.max_height_for))
        return report.finish(f"check_book --html: {n} page(s)")
    n_nb = check_errors(book, report)
    n_src = check_sources(notebooks, book, report, prose=args.prose)
    return report.finish(f"check_book: {n_nb} executed notebook(s), {n_src} source notebook(s)")


if __name__ == "__main__":
    sys.exit(main())
