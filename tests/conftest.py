"""Shared fixtures: the real seeds, real Chroma stores in temp dirs, the real embedding model."""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# The reader alone in every test and CLI subprocess unless a test names a checking model (tests/test_check.py):
# each check costs seconds on 2 cores, and most tests are about something else.
os.environ.setdefault("RAG_CHECK_MODEL", "")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def make_settings(store: Path, **llm: object):
    """Default settings (the repo's config.toml) with the store in ``store``."""
    from rag.config import load_settings

    settings = load_settings(ROOT / "config.toml", env={})
    settings.store.path = str(store)
    settings.collection.paths = [str(SEEDS)]
    # the reader alone unless a test asks for the reading model's check (tests/test_check.py): each check costs seconds
    settings.check.model = ""
    # a test that names the embedded generator gets the 135M (it tests the backend, not the answers); `auto` skips it
    # without a reading model to judge its answer
    settings.llm.llamacpp_model = "smollm2-135m"
    for key, value in llm.items():
        setattr(settings.llm, key, value)
    return settings


def sharing(assistant, model=None, **llm):
    """A second Assistant over ``assistant``'s open store and its checking model, with its own copy of the settings
    (``llm`` overriding [llm] keys) and its own generators: a test never changes a fixture another test uses."""
    from rag.assistant import Assistant

    settings = copy.deepcopy(assistant.settings)
    for key, value in llm.items():
        setattr(settings.llm, key, value)
    return Assistant(settings, model, checker=assistant.checker()[0], store=assistant.store)


def collection_settings(root: Path, articles: dict[str, str], **llm: object):
    """Settings over a collection of our own making: ``articles`` written to ``root/articles``, the store in ``root/store``."""
    folder = root / "articles"
    folder.mkdir()
    for name, text in articles.items():
        (folder / name).write_text(text)
    settings = make_settings(root / "store", **llm)
    settings.collection.paths = [str(folder)]
    return settings


@pytest.fixture(scope="session", autouse=True)
def private_model_caches(tmp_path_factory: pytest.TempPathFactory):
    """Checks and generations cached for this run only, never the user's cache folder: the checking model's P(yes)
    depends slightly on the prompt evaluated before it (llama.cpp reuses the shared prefix), so a value another run
    computed in another order could tip a borderline claim; every run here is then a run on a fresh clone, as CI's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("RAG_CHECK_CACHE", str(tmp_path_factory.mktemp("checks")))
    patch.setenv("RAG_GENERATION_CACHE", str(tmp_path_factory.mktemp("generations")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def seeds() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def raw_articles() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in SEEDS.iterdir()}


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    """One Assistant over the ingested seeds, shared by read-only tests."""
    from rag.assistant import Assistant

    assistant = Assistant(make_settings(tmp_path_factory.mktemp("seeded-store")))
    assistant.ingest()
    return assistant


@pytest.fixture
def article_dir(tmp_path: Path) -> Path:
    """A private, writable copy of the seeds."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    """A real Chroma server (`chroma run` from the chromadb package) on a loopback port, once it accepts connections."""
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip("the chromadb package's `chroma` command is not installed")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, ANONYMIZED_TELEMETRY="False"),
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("chroma run did not start")
            time.sleep(0.3)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """One Chroma server for the session; stopped at the end."""
    port = free_port()
    proc = start_chroma(tmp_path_factory.mktemp("chroma-server"), port)
    yield {"host": "127.0.0.1", "port": port, "proc": proc}
    proc.terminate()
    proc.wait(10)


@pytest.fixture(params=["embedded", "server"])
def store_kind(request) -> str:
    return request.param


@pytest.fixture
def fresh(tmp_path: Path, article_dir: Path, store_kind: str, request):
    """An Assistant with an empty store of its own, configured to ingest ``article_dir``;
    run once on the embedded store and once on a real Chroma server."""
    from rag.assistant import Assistant

    settings = make_settings(tmp_path / "store")
    settings.collection.paths = [str(article_dir)]
    if store_kind == "server":
        server = request.getfixturevalue("chroma_server")
        settings.store.host, settings.store.port = server["host"], server["port"]
        settings.store.collection = f"t{uuid.uuid4().hex[:12]}"
    return Assistant(settings)


@contextlib.contextmanager
def running_app(root: Path, auth: tuple[str, str] | None = None, max_file_mb: float | None = None):
    """`rag serve` in-process over a private copy of the seeds (extractive backend) on a free loopback port; yields its URL.

    ``auth``: the login it requires (as RAG_UI_USER/RAG_UI_PASSWORD would set it).
    """
    from rag.assistant import Assistant
    from rag.ui import serve

    shutil.copytree(SEEDS, root / "articles")
    settings = make_settings(root / "store", backend="extractive")
    settings.collection.paths = [str(root / "articles")]
    if max_file_mb is not None:
        settings.collection.max_file_mb = max_file_mb
    assistant = Assistant(settings)
    assistant.ingest()
    port = free_port()
    app = serve(assistant, "127.0.0.1", port, auth=auth, block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


def no_server_error_but_unavailable(ctx, response, case):
    """No 5xx but the documented 503 (the Ollama backend, named in a request, has no server in these tests)."""
    assert response.status_code < 500 or (response.status_code == 503 and response.json()["error"]), f"{response.status_code}: {response.text[:300]}"


def fuzz_operations(schema_url: str, prefix: str) -> int:
    """Every operation under ``prefix`` of the OpenAPI schema at ``schema_url``, with requests hypothesis generates from
    it (valid and not), checked by schemathesis's default checks: no 5xx but a documented 503, status codes, content
    types and bodies as the schema documents them. Returns how many operations were run."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_url(schema_url)
    operations = [result.ok() for result in schema.get_all_operations() if result.ok().path.startswith(prefix)]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(timeout=300, excluded_checks=[not_a_server_error], additional_checks=[no_server_error_but_unavailable])

        run()
    return len(operations)
