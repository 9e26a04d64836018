"""Built-in networks, built by code; ``get("conv1d:M=32,P=16,R=3")`` parses parameters."""

from __future__ import annotations

from collections.abc import Callable

from carbonloop.errors import SpecError
from carbonloop.workload.builders import conv1d
from carbonloop.workload.network import Network
from carbonloop.workload.zoo.cifar_resnet import cifar_resnet, resnet20, resnet32, resnet56
from carbonloop.workload.zoo.mlperf_mobile import (
    deeplabv3_mnv2,
    mobilebert,
    mobilenet_edgetpu,
    ssd_mobilenet_v2,
)
from carbonloop.workload.zoo.mlperf_tiny import autoencoder, ds_cnn, mobilenet_v1, resnet8
from carbonloop.workload.zoo.mobilenet import mobilenet_v2
from carbonloop.workload.zoo.resnet import resnet, resnet18, resnet34, resnet50
from carbonloop.workload.zoo.vgg import vgg, vgg16


def _conv1d(M: int = 32, P: int = 16, R: int = 3) -> Network:
    return Network("conv1d", (conv1d("conv1d", M=M, P=P, R=R),))


REGISTRY: dict[str, Callable[..., Network]] = {
    "conv1d": _conv1d,
    "ds_cnn": ds_cnn,
    "mobilenet_v1": mobilenet_v1,
    "resnet8": resnet8,
    "autoencoder": autoencoder,
    "resnet": resnet,
    "resnet18": resnet18,
    "resnet34": resnet34,
    "resnet50": resnet50,
    "mobilenet_v2": mobilenet_v2,
    "vgg": vgg,
    "vgg16": vgg16,
    "cifar_resnet": cifar_resnet,
    "resnet20": resnet20,
    "resnet32": resnet32,
    "resnet56": resnet56,
    "mobilenet_edgetpu": mobilenet_edgetpu,
    "ssd_mobilenet_v2": ssd_mobilenet_v2,
    "deeplabv3_mnv2": deeplabv3_mnv2,
    "mobilebert": mobilebert,
}
ALIASES = {"mobilenet": "mobilenet_v1", "ae": "autoencoder", "deepautoencoder": "autoencoder"}
SUITES: dict[str, tuple[str, ...]] = {
    "tiny": ("ds_cnn", "mobilenet_v1", "resnet8", "autoencoder"),
    "mobile": ("mobilenet_edgetpu", "ssd_mobilenet_v2", "deeplabv3_mnv2", "mobilebert"),
    "imagenet": ("resnet18", "resnet50", "mobilenet_v2", "vgg16"),
    "cifar": ("resnet20", "resnet32", "resnet56"),
}


def register(name: str, builder: Callable[..., Network]) -> None:
    """Add a network builder to the zoo (used by the zoo modules of other suites)."""
    REGISTRY[name] = builder


def names() -> tuple[str, ...]:
    return tuple(sorted(REGISTRY))


def is_zoo_name(text: str) -> bool:
    base = text.split(":", 1)[0]
    return base in REGISTRY or base in ALIASES


def get(spec: str) -> Network:
    """The network named ``spec``: ``name`` or ``name:KEY=VALUE,...`` (integer parameters)."""
    base, _, arg_text = spec.partition(":")
    base = ALIASES.get(base, base)
    if base not in REGISTRY:
        raise SpecError(spec, "workload", f"unknown zoo network {base!r} (known: {', '.join(names())})")
    kwargs: dict[str, int] = {}
    for item in filter(None, arg_text.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise SpecError(spec, "workload", f"parameter {item!r} must be KEY=VALUE")
        try:
            kwargs[key.strip()] = int(value)
        except ValueError:
            raise SpecError(spec, f"workload.{key.strip()}", f"must be an integer (got {value!r})") from None
    try:
        return REGISTRY[base](**kwargs)
    except TypeError as err:
        raise SpecError(spec, "workload", f"bad parameters for {base}: {err}") from None
    except SpecError as err:
        raise err.located(spec) from None
