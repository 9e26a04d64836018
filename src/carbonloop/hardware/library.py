"""Finding an accelerator by name: a preset (``presets/*.yaml``), a YAML file, or a template call."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.yaml import accelerator_from_dict, load_accelerator_file
from carbonloop.specio import load_yaml


def preset_names() -> tuple[str, ...]:
    folder = resources.files("carbonloop.hardware") / "presets"
    return tuple(sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml")))


def load_preset(name: str) -> Accelerator:
    folder = resources.files("carbonloop.hardware") / "presets"
    ref = folder / f"{name}.yaml"
    if not ref.is_file():
        raise SpecError(
            name, "accelerator", f"unknown preset {name!r} (presets: {', '.join(preset_names())})"
        )
    with resources.as_file(ref) as path:
        return accelerator_from_dict(load_yaml(path), f"preset {name}")


def load_accelerator(spec: str) -> Accelerator:
    """``spec`` is a preset name, a YAML file path, or a template call such as ``digital(rows=32,...)``."""
    if "(" in spec and spec.endswith(")"):
        from carbonloop.hardware.templates import from_call  # templates build on presets and costs

        return from_call(spec)
    if spec.endswith((".yaml", ".yml")) or Path(spec).exists():
        return load_accelerator_file(spec)
    return load_preset(spec)
