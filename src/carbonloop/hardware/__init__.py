"""Hardware: accelerators (memory levels over a compute array), the YAML format, presets."""

from carbonloop.hardware.accelerator import Accelerator, ComputeArray, MemoryLevel
from carbonloop.hardware.library import load_accelerator, load_preset, preset_names
from carbonloop.hardware.yaml import accelerator_from_dict, dump_accelerator, load_accelerator_file

__all__ = [
    "Accelerator",
    "ComputeArray",
    "MemoryLevel",
    "accelerator_from_dict",
    "dump_accelerator",
    "load_accelerator",
    "load_accelerator_file",
    "load_preset",
    "preset_names",
]
