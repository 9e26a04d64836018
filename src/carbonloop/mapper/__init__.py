"""Mapper: spatial candidates x temporal search -> the best mapping per layer and per network."""

from carbonloop.mapper.constraints import Constraints
from carbonloop.mapper.cut_orders import CutOrderResult, cut_order_variants, search_cut_orders
from carbonloop.mapper.network import LayerChoice, LayerSetup, NetworkResult, combine_fronts, search_network
from carbonloop.mapper.objectives import Objective, get_objective, register, register_weighted
from carbonloop.mapper.search import Budget, FrontPoint, SearchResult, search_layer
from carbonloop.mapper.spatial import SpatialCandidate, spatial_candidates

__all__ = [
    "Budget",
    "Constraints",
    "CutOrderResult",
    "FrontPoint",
    "LayerChoice",
    "LayerSetup",
    "NetworkResult",
    "Objective",
    "SearchResult",
    "SpatialCandidate",
    "combine_fronts",
    "cut_order_variants",
    "get_objective",
    "register",
    "register_weighted",
    "search_cut_orders",
    "search_layer",
    "search_network",
    "spatial_candidates",
]
