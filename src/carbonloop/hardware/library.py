"""Finding an accelerator by name: a preset (``presets/*.yaml``), a YAML file, or a template call."""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.yaml import accelerator_from_dict, load_accelerator_file
from carbonloop.specio import load_yaml, parse_bits


def parse_call(spec: str) -> tuple[str, dict[str, int | str]]:
    """``"imc(kind=aimc, rows=128, sram_bytes=256KiB)"`` -> ``("imc", {...})``; sizes with units -> bytes."""
    name, _, rest = spec.strip().partition("(")
    if not rest.endswith(")") or not name.isidentifier():
        raise SpecError(spec, "accelerator", "a template call looks like name(key=value, ...)")
    kwargs: dict[str, int | str] = {}
    for item in filter(None, (p.strip() for p in rest[:-1].split(","))):
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key.isidentifier():
            raise SpecError(spec, "accelerator", f"argument {item!r} must be key=value")
        if value.lstrip("-").isdigit():
            kwargs[key] = int(value)
        elif key.endswith(("_bytes", "_bits")) and value[:1].isdigit():
            kwargs[key] = parse_bits(value, spec, key) // (8 if key.endswith("_bytes") else 1)
        else:
            kwargs[key] = value
    return name, kwargs


def from_template_call(spec: str) -> Accelerator:
    """Build an accelerator from a template call: ``imc(...)`` here, the others in ``templates``."""
    name, kwargs = parse_call(spec)
    if name == "imc":
        from carbonloop.hardware.imc import imc

        try:
            return imc(**kwargs)  # type: ignore[arg-type]
        except TypeError as err:
            raise SpecError(spec, "accelerator", f"bad template arguments: {err}") from None
        except SpecError as err:
            raise err.located(spec) from None
    from carbonloop.hardware.templates import from_call

    return from_call(spec)


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
        data = load_yaml(path)
    if isinstance(data, dict) and "template" in data:  # a preset that is a template call
        acc = from_template_call(str(data["template"]))
        return dataclasses.replace(acc, name=str(data.get("name", name)))
    return accelerator_from_dict(data, f"preset {name}")


def load_accelerator(spec: str) -> Accelerator:
    """``spec`` is a preset name, a YAML file path, or a template call such as ``digital(rows=32,...)``."""
    if "(" in spec and spec.endswith(")"):
        return from_template_call(spec)
    if spec.endswith((".yaml", ".yml")) or Path(spec).exists():
        return load_accelerator_file(spec)
    return load_preset(spec)
