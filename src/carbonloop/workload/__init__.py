"""Workloads: layers (affine loop nests), networks (DAGs), the YAML format and the built-in zoo."""

from carbonloop.workload.builders import conv1d, conv2d, fully_connected, matmul
from carbonloop.workload.layer import Layer, Operand, parse_axis
from carbonloop.workload.network import Edge, Network, chain
from carbonloop.workload.yaml import dump_network, load_network, network_from_dict

__all__ = [
    "Edge",
    "Layer",
    "Network",
    "Operand",
    "chain",
    "conv1d",
    "conv2d",
    "dump_network",
    "fully_connected",
    "load_network",
    "matmul",
    "network_from_dict",
    "parse_axis",
]
