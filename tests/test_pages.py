"""The book online: the Pages workflow, and the built site as a browser sees it.

The workflow must build with the README's command, read from README.md here. The site is built
with that command from a copy of the committed sources, served from 127.0.0.1 by
`python -m http.server`, and every page is loaded in headless Chromium with every host but
127.0.0.1 unresolvable: each internal link, image, stylesheet and script the page ends up with
must answer, each #fragment must exist, and the math must be typeset by the local MathJax.
"""

import html.parser
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github/workflows/pages.yml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"  # no CDN can answer
MATH_PAGE = "running_at_scale"


def readme_build_command():
    """The README's command that builds the book (the line in its code blocks, comment dropped)."""
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    commands = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()
                if line.strip().startswith("jupyter-book build")]
    assert len(set(commands)) == 1, f"README.md should give one book build command, found {commands}"
    return commands[0]


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def steps(workflow, job):
    return workflow["jobs"][job]["steps"]


def uses(workflow, job):
    return [s["uses"].split("@")[0] for s in steps(workflow, job) if "uses" in s]


def test_workflow_parses_and_deploys_with_the_official_actions(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "main" in triggers["push"]["branches"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert uses(workflow, "build")[-2:] == ["actions/configure-pages", "actions/upload-pages-artifact"]
    upload = next(s for s in steps(workflow, "build") if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert workflow["jobs"]["deploy"]["needs"] == "build"
    assert uses(workflow, "deploy") == ["actions/deploy-pages"]
    assert workflow["jobs"]["deploy"]["environment"]["name"] == "github-pages"


def test_workflow_builds_with_the_readmes_command(workflow):
    runs = [line.strip() for s in steps(workflow, "build") for line in s.get("run", "").splitlines()]
    builds = [r for r in runs if r.startswith("jupyter-book")]
    assert builds == [readme_build_command()]


def test_math_is_served_from_static_not_a_cdn():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    path = config["sphinx"]["config"]["mathjax_path"]
    assert "://" not in path and (ROOT / "book/_static" / path).is_file()
    assert (ROOT / "book/_static/mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff").is_file()


# ----------------------------------------------------------------------------- the built site

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build a copy of the committed book with the README's command; serve it on 127.0.0.1."""
    if not CHROMIUM:
        pytest.skip("chromium not installed (.ci/install_chromium.sh)")
    project = tmp_path_factory.mktemp("project")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "book", project / "book", symlinks=True, ignore=shutil.ignore_patterns("_build"))
    (project / "poorman").symlink_to(ROOT / "poorman")  # the intro includes the profiles and the claims file
    command = shlex.split(readme_build_command())
    jb = Path(sys.executable).parent / command[0]
    build = subprocess.run([str(jb) if jb.exists() else command[0], *command[1:]], cwd=project,
                           capture_output=True, text=True, timeout=1200)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    html_dir, port = project / "_build/html", free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(html_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            urllib.request.urlopen(base, timeout=2)
            break
        except OSError:
            time.sleep(0.1)
    yield html_dir, base
    server.terminate()
    server.wait(timeout=10)


class Refs(html.parser.HTMLParser):
    """Every URL a page refers to (a, img, link, script, source) and every id it defines."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls, self.images, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.ids.update(v for k, v in attrs.items() if k in ("id", "name") and v)
        for key in ("href", "src"):
            if attrs.get(key) and tag in ("a", "img", "link", "script", "source"):
                self.urls.append(attrs[key])
                if tag == "img":
                    self.images.append(attrs[key])


def parse(text):
    refs = Refs()
    refs.feed(text)
    return refs


def dump_dom(url):
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                              "--disable-background-networking", "--disable-component-update",
                              "--disable-dev-shm-usage", OFFLINE, f"--user-data-dir={profile}",
                              "--virtual-time-budget=15000", "--dump-dom", url],
                             capture_output=True, text=True, timeout=180)
    assert out.returncode == 0 and "<body" in out.stdout, out.stderr[-2000:]
    return out.stdout


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, b""


@pytest.mark.slow  # builds the whole book (the `site` fixture) and loads every page in Chromium
def test_every_page_loads_with_no_broken_internal_link_or_image(site):
    html_dir, base = site
    pages = sorted(p.relative_to(html_dir).as_posix() for p in html_dir.glob("*.html"))
    assert f"{MATH_PAGE}.html" in pages and "intro.html" in pages
    broken, ids = [], {}
    for page in pages:
        url = urllib.parse.urljoin(base, page)
        redirect = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', (html_dir / page).read_text(), re.I)
        if redirect:  # index.html sends the browser to the root page
            assert fetch(urllib.parse.urljoin(url, redirect.group(1)))[0] == 200, page
            continue
        dom = parse(dump_dom(url))
        assert "Traceback (most recent call last)" not in "".join(dom.urls), page
        for ref in dom.urls:
            target = urllib.parse.urljoin(url, ref)
            parts = urllib.parse.urlsplit(target)
            if not target.startswith(base) or parts.scheme not in ("http", "https"):
                continue  # external: the repository, Colab, the paper
            path = urllib.parse.unquote(parts.path)
            status, body = fetch(urllib.parse.urlunsplit(parts._replace(fragment="")))
            if status != 200 or (ref in dom.images and not body):
                broken.append(f"{page}: {ref} -> {status}")
            elif parts.fragment and path.endswith(".html"):
                if path not in ids:
                    ids[path] = parse(body.decode()).ids
                if urllib.parse.unquote(parts.fragment) not in ids[path]:
                    broken.append(f"{page}: {ref} -> no #{parts.fragment}")
    assert not broken, "\n".join(broken[:30])


@pytest.mark.slow  # the built book, in Chromium
def test_math_renders_offline_with_the_local_mathjax(site):
    html_dir, base = site
    static = (html_dir / f"{MATH_PAGE}.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in static and "cdn.jsdelivr.net" not in static
    dom = dump_dom(urllib.parse.urljoin(base, f"{MATH_PAGE}.html"))
    equations = static.count('class="math notranslate nohighlight"')
    typeset = re.findall(r'<mjx-container[^>]*jax="CHTML"', dom)
    assert equations >= 2 and len(typeset) >= equations, f"{len(typeset)} of {equations} equations typeset"
    status, font = fetch(urllib.parse.urljoin(base, "_static/mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff"))
    assert status == 200 and font
