"""Design spaces: accelerator templates and their parameter grids, constraints, workloads with their FPS.

A space file (YAML)::

    name: tiny
    node_nm: 28                 # passed to every template that takes it
    dram_bytes: 1MiB            # the DRAM the carbon model charges (and the IMC template's DRAM size)
    objective: edp              # mapper objective: energy | latency | edp | weighted:a=..,b=.. | carbon_ca | carbon_pa
    parameters: carbonspot      # carbon parameter set: act | carbonspot | a YAML file
    budget: null                # mapper budget per layer: evaluations (int) or seconds (float)
    accelerators:
      digital: {dataflow: [os, ws], dim: [32, 64], sram_bytes: [8KiB, 32KiB]}   # a grid (cartesian product)
      imc:                                                                       # or a list of grids
        - {kind: [aimc, dimc], dim: [32], sram_bytes: [8KiB]}
        - {kind: dimc, rows: 64, cols: 32, sram_bytes: 32KiB}
    constraints:                # a design is kept when every expression is true
      - sram_bytes / (2 * dim) >= 32
    workloads:
      - {name: ds_cnn, fps: 10}       # zoo name, or a .yaml / .onnx file (relative to the space file)

``dim`` is a shorthand for a square array (``rows = cols = dim``). Sizes accept units (``8KiB``, ``1MiB``).
Constraints are arithmetic/comparison expressions over the design's parameters (``+ - * / // % **``,
comparisons, ``and or not``, ``min max log2 abs``); anything else is rejected when the file is read, and so
is a name that no template of the space takes (a misspelt ``sram_byte`` would otherwise disable the
constraint). Evaluation is bounded: a power whose result would exceed ``MAX_CONSTRAINT_BITS`` bits (such
as ``9**9**9``) is refused with the file and constraint named, instead of computing for ever.

``conventions`` names the modelling conventions the points are costed with (default ``carbonloop``).
Conventions with a hardware profile (``carbonspot``: :mod:`carbonloop.hardware.carbonspot`) also build
every template that takes ``profile`` with it, unless the grid sets ``profile`` itself.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import math
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from carbonloop.errors import SpecError
from carbonloop.specio import load_yaml, parse_bits

BUILTIN_SPACES = ("tiny", "mobile", "quick")
TEMPLATES = ("digital", "imc")
TOP_KEYS = {
    "name",
    "node_nm",
    "dram_bytes",
    "objective",
    "parameters",
    "budget",
    "accelerators",
    "constraints",
    "workloads",
    "description",
    "conventions",
}
NAME_VALUES = {("digital", "dataflow"): ("os", "ws"), ("imc", "kind"): ("aimc", "dimc")}
"""Template parameters that take a name, and the names they take (hardware/templates.py, hardware/imc.py)."""
HARDWARE_PROFILES = {"carbonspot": "carbonspot"}
"""Conventions that come with a hardware profile: the ``profile`` the templates are built with."""
MAX_CONSTRAINT_CHARS = 1000
MAX_CONSTRAINT_BITS = 4096
MAX_CONSTRAINT_DEPTH = 50
MAX_GRID_POINTS = 100_000
"""A grid (one mapping of parameter lists) larger than this is refused: no sweep of that size can run."""
SIZE_KEYS = ("sram_bytes", "dram_bytes")
CARBON_OBJECTIVES = ("carbon_ca", "carbon_pa")  # built per design (and workload FPS) by the point


# -- constraints: a small, safe expression language ------------------------------------------------------

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FUNCS: dict[str, Callable[..., Any]] = {"min": min, "max": max, "log2": math.log2, "abs": abs}


def _check_expr(node: ast.AST, source: str, where: str) -> None:
    allowed = (
        ast.Expression,
        ast.BinOp,
        ast.UnaryOp,
        ast.BoolOp,
        ast.Compare,
        ast.Name,
        ast.Constant,
        ast.Call,
        ast.Load,
        ast.And,
        ast.Or,
        ast.Not,
        ast.USub,
        ast.UAdd,
        *_BINOPS,
        *_CMPOPS,
    )
    for sub in ast.walk(node):
        if not isinstance(sub, allowed):
            raise SpecError(source, where, f"unsupported syntax {type(sub).__name__} in constraint")
        if isinstance(sub, ast.Call) and not (isinstance(sub.func, ast.Name) and sub.func.id in _FUNCS):
            raise SpecError(source, where, f"only {', '.join(_FUNCS)} may be called in a constraint")
        if isinstance(sub, ast.Constant) and not isinstance(sub.value, int | float | str):
            raise SpecError(source, where, f"unsupported constant {sub.value!r} in constraint")


def _depth(tree: ast.AST) -> int:
    """The expression's nesting depth (iterative: a deep tree must not exhaust the stack here)."""
    deepest, todo = 0, [(tree, 1)]
    while todo:
        node, d = todo.pop()
        deepest = max(deepest, d)
        todo.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _short(text: str, limit: int = 60) -> str:
    """The constraint as quoted in an error (long ones cut, so the error stays one readable line)."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


class ConstraintTooLarge(ArithmeticError):
    """A constraint's value would exceed the bound (``MAX_CONSTRAINT_BITS``)."""


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float)


def _binop(op: ast.operator, left: Any, right: Any) -> Any:
    """One arithmetic step on numbers only (no string repetition), with powers bounded before computing."""
    if not (_is_number(left) and _is_number(right)):
        raise TypeError(f"arithmetic on {left!r} and {right!r}")
    if isinstance(op, ast.Pow) and abs(left) > 1:
        bits = math.log2(abs(left)) * abs(right) if right > 0 else 0.0
        if bits > MAX_CONSTRAINT_BITS:
            raise ConstraintTooLarge(f"{left!r} ** {right!r} has about {bits:.3g} bits")
    result = _BINOPS[type(op)](left, right)
    if isinstance(result, int) and result.bit_length() > MAX_CONSTRAINT_BITS:
        raise ConstraintTooLarge(f"a value of {result.bit_length()} bits")
    return result


def _eval(node: ast.AST, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise KeyError(node.id)
        return env[node.id]
    if isinstance(node, ast.BinOp):
        return _binop(node.op, _eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, env)
        unary: dict[type, Callable[[Any], Any]] = {
            ast.USub: operator.neg,
            ast.UAdd: operator.pos,
            ast.Not: operator.not_,
        }
        return unary[type(node.op)](v)
    if isinstance(node, ast.BoolOp):
        vals = (_eval(v, env) for v in node.values)
        return all(vals) if isinstance(node.op, ast.And) else any(vals)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, env)
            if not _CMPOPS[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return _FUNCS[node.func.id](*(_eval(a, env) for a in node.args))
    raise TypeError(type(node).__name__)  # pragma: no cover - rejected by _check_expr


@dataclass(frozen=True)
class Constraint:
    text: str
    tree: ast.Expression = field(compare=False, hash=False, repr=False)
    source: str = field(default="", compare=False, hash=False, repr=False)
    where: str = field(default="", compare=False, hash=False, repr=False)

    @classmethod
    def parse(cls, text: Any, source: str, where: str) -> Constraint:
        if not isinstance(text, str):
            raise SpecError(source, where, f"a constraint is an expression in a string (got {text!r})")
        if len(text) > MAX_CONSTRAINT_CHARS:
            raise SpecError(source, where, f"constraint longer than {MAX_CONSTRAINT_CHARS} characters")
        try:
            tree = ast.parse(text, mode="eval")
        except (SyntaxError, RecursionError, MemoryError) as err:
            msg = err.msg if isinstance(err, SyntaxError) else "nested too deeply"
            raise SpecError(source, where, f"not an expression: {_short(text)} ({msg})") from None
        _check_expr(tree, source, where)
        if _depth(tree) > MAX_CONSTRAINT_DEPTH:
            raise SpecError(source, where, f"{_short(text)} is nested more than {MAX_CONSTRAINT_DEPTH} deep")
        return cls(text, tree, source, where)

    @property
    def names(self) -> set[str]:
        """The parameter names the expression reads (function names excluded)."""
        called = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        return {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name) and id(n) not in called}

    def holds(self, env: dict[str, Any]) -> bool:
        """True when the design satisfies the constraint. A constraint naming a parameter this design's
        template does not have does not apply to it; a division by zero or a log of a non-positive
        number counts as false; a value beyond the bound or arithmetic on a name is a SpecError."""
        try:
            return bool(_eval(self.tree, env))
        except KeyError:
            return True
        except (ZeroDivisionError, ValueError):
            return False
        except (ConstraintTooLarge, OverflowError, RecursionError) as err:
            raise SpecError(
                self.source, self.where, f"{_short(self.text)} is too large to evaluate ({err})"
            ) from None
        except TypeError as err:
            raise SpecError(
                self.source, self.where, f"{_short(self.text)} cannot be evaluated: {err}"
            ) from None


# -- designs, workloads, points ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """One accelerator of the space: a template and its arguments (``dim`` already expanded)."""

    template: str
    params: tuple[tuple[str, Any], ...]  # sorted by name

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.template, **self.kwargs}

    @property
    def call(self) -> str:
        """The template call ``load_accelerator`` understands: ``imc(kind=dimc,rows=32,...)``."""
        return f"{self.template}({','.join(f'{k}={v}' for k, v in self.params)})"

    @property
    def accel_type(self) -> str:
        """CarbonSpot's accelerator type: ``digital_os``, ``digital_ws``, ``aimc``, ``dimc`` (else template)."""
        kw = self.kwargs
        if self.template == "digital":
            return f"digital_{kw.get('dataflow', 'os')}"
        if self.template == "imc":
            return str(kw.get("kind", "dimc"))
        return self.template

    @property
    def label(self) -> str:
        kw = self.kwargs
        rows, cols = kw.get("rows"), kw.get("cols")
        size = f"{rows}x{cols}" if rows is not None else ""
        sram = kw.get("sram_bytes")
        return " ".join(x for x in (self.accel_type, size, format_bytes(sram) if sram else "") if x)

    @property
    def design_id(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Workload:
    name: str  # the label in results (the zoo name or the file stem)
    spec: str  # what load_workload reads (zoo name or absolute file path)
    fps: float
    digest: str = ""  # content hash of a workload file ("" for zoo names)


@dataclass(frozen=True)
class Point:
    """One independent task: a design and a workload, with everything that decides the result."""

    design: Design
    workload: Workload
    objective: str
    parameters: str
    parameters_digest: str
    dram_bytes: int
    budget: int | float | None
    space: str
    suite_size: int
    conventions: str = "carbonloop"
    model_fingerprint: str = ""

    @property
    def key(self) -> str:
        """The store's row key: a hash of the space, the design, the workload (file content for files),
        the objective, the conventions, the carbon parameters (file content for files), the DRAM, the
        budget, the package version and the model fingerprint. Any change to one of them is a new point,
        so nothing is reused across spaces, conventions or model versions."""
        from carbonloop import __version__

        doc = {
            "space": self.space,
            "design": self.design.to_dict(),
            "workload": [self.workload.spec if not self.workload.digest else "", self.workload.digest],
            "fps": self.workload.fps,
            "objective": self.objective,
            "conventions": self.conventions,
            "parameters": [self.parameters if not self.parameters_digest else "", self.parameters_digest],
            "dram_bytes": self.dram_bytes,
            "budget": self.budget,
            "version": __version__,
            "model": self.model_fingerprint,
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class DesignSpace:
    name: str
    designs: tuple[Design, ...]
    workloads: tuple[Workload, ...]
    objective: str = "edp"
    parameters: str = "carbonspot"
    dram_bytes: int = 1 << 20
    node_nm: int = 28
    budget: int | float | None = None
    constraints: tuple[Constraint, ...] = ()
    skipped: int = 0  # grid points removed by the constraints
    source: str = ""
    conventions: str = "carbonloop"

    def points(self, *, fingerprint: str | None = None) -> Iterator[Point]:
        """Every (design, workload) task, design-major, in the file's order. ``fingerprint`` defaults to
        the installed model's (:func:`carbonloop.explore.fingerprint.model_fingerprint`)."""
        from carbonloop.explore.fingerprint import model_fingerprint

        model = model_fingerprint() if fingerprint is None else fingerprint
        pdig = _file_digest(self.parameters)
        for d in self.designs:
            for w in self.workloads:
                yield Point(
                    d,
                    w,
                    self.objective,
                    self.parameters,
                    pdig,
                    self.dram_bytes,
                    self.budget,
                    self.name,
                    len(self.workloads),
                    self.conventions,
                    model,
                )

    def __len__(self) -> int:
        return len(self.designs) * len(self.workloads)

    def with_options(self, **changes: Any) -> DesignSpace:
        import dataclasses

        clean = {k: v for k, v in changes.items() if v is not None}
        if "objective" in clean:
            _check_objective(clean["objective"], self.source or "<space>")
        if "conventions" in clean:
            _check_conventions(clean["conventions"], self.source or "<space>", "conventions")
            clean["designs"] = with_profile(self.designs, clean["conventions"], self.conventions)
        return dataclasses.replace(self, **clean)


def with_profile(
    designs: tuple[Design, ...], conventions: str, previous: str = "carbonloop"
) -> tuple[Design, ...]:
    """The designs built with ``conventions``' hardware profile (``HARDWARE_PROFILES``): templates taking
    ``profile`` get it, a profile ``previous`` conventions gave them is taken back, one set in the grid is
    kept. Conventions without a profile leave the designs as they are."""
    new, old = HARDWARE_PROFILES.get(conventions), HARDWARE_PROFILES.get(previous)
    out = []
    for d in designs:
        kw = d.kwargs
        if old is not None and kw.get("profile") == old:
            del kw["profile"]
        if new is not None and "profile" not in kw and "profile" in _template_params(d.template):
            kw["profile"] = new
        out.append(Design(d.template, tuple(sorted(kw.items()))))
    return tuple(out)


# -- reading -----------------------------------------------------------------------------------------------


def format_bytes(n: int | None) -> str:
    if not n:
        return "0"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n}B"


def _file_digest(spec: str) -> str:
    p = Path(spec)
    if spec.endswith((".yaml", ".yml", ".onnx")) and p.is_file():
        return hashlib.sha256(p.read_bytes()).hexdigest()[:16]
    return ""


def _size(value: Any, source: str, where: str) -> int:
    if isinstance(value, bool):
        raise SpecError(source, where, f"must be a size in bytes (got {value!r})")
    bits = parse_bits(value, source, where)
    if bits % 8 or bits <= 0:
        raise SpecError(source, where, f"must be a positive whole number of bytes (got {value!r})")
    return bits // 8


def _scalar(key: str, value: Any, source: str, where: str) -> Any:
    if key in SIZE_KEYS:
        return _size(value, source, where)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SpecError(source, where, f"must be a number or a name (got {value!r})")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _check_objective(objective: Any, source: str) -> str:
    if not isinstance(objective, str) or not objective:
        raise SpecError(source, "objective", f"must be a name (got {objective!r})")
    if objective.split(":", 1)[0] in CARBON_OBJECTIVES:
        return objective
    from carbonloop.mapper import get_objective

    try:
        get_objective(objective)
    except SpecError as err:
        raise SpecError(source, "objective", err.message) from None
    return objective


def _check_conventions(value: Any, source: str, where: str) -> str:
    """A name of the model's registry (carbonloop.model.conventions.NAMED), as the name it registers."""
    from carbonloop.model.conventions import NAMED

    if not isinstance(value, str) or value not in NAMED:
        raise SpecError(source, where, f"unknown conventions {value!r} (known: {', '.join(NAMED)})")
    return value


def _check_parameters(value: Any, source: str) -> str:
    """A named carbon parameter set or a YAML file that exists (its content is checked when loaded)."""
    from carbonloop.carbon import NAMED_SETS

    if not isinstance(value, str) or not value:
        raise SpecError(source, "parameters", f"must be a set name or a file (got {value!r})")
    if value.endswith((".yaml", ".yml")):
        if not Path(value).is_file():
            raise SpecError(source, "parameters", f"no such parameter file {value!r}")
        return value
    if value not in NAMED_SETS:
        raise SpecError(
            source,
            "parameters",
            f"unknown parameter set {value!r} (known: {', '.join(NAMED_SETS)} or a .yaml file)",
        )
    return value


def _expand_grid(template: str, grid: Any, source: str, where: str) -> list[dict[str, Any]]:
    if not isinstance(grid, dict) or not grid:
        raise SpecError(source, where, f"expected a mapping of parameter -> value or list (got {grid!r})")
    axes: list[tuple[str, list[Any]]] = []
    accepted = _template_params(template) | {"dim"}
    count = 1
    for key, values in grid.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise SpecError(source, f"{where}.{key}", "parameter names are identifiers")
        if key not in accepted:
            raise SpecError(
                source,
                f"{where}.{key}",
                f"{template} takes no parameter {key!r} (takes: {', '.join(sorted(accepted))})",
            )
        vals = values if isinstance(values, list) else [values]
        if not vals:
            raise SpecError(source, f"{where}.{key}", "empty list of values")
        count *= len(vals)
        if count > MAX_GRID_POINTS:
            raise SpecError(source, where, f"the grid has more than {MAX_GRID_POINTS} points")
        scalars = []
        for i, v in enumerate(vals):
            value = _scalar(key, v, source, f"{where}.{key}[{i}]")
            _check_name_value(template, key, value, source, f"{where}.{key}[{i}]")
            scalars.append(value)
        axes.append((key, scalars))
    out = []
    for combo in itertools.product(*(v for _, v in axes)):
        kw = dict(zip((k for k, _ in axes), combo, strict=True))
        if "dim" in kw:
            if "rows" in kw or "cols" in kw:
                raise SpecError(source, where, "give dim (square array) or rows/cols, not both")
            dim = kw.pop("dim")
            kw["rows"] = kw["cols"] = dim
        out.append(kw)
    return out


def _check_name_value(template: str, key: str, value: Any, source: str, where: str) -> None:
    """A parameter that takes a name gets one of its names; a numeric parameter gets no name. Which
    parameters take text is read from the template function's annotations (``str``), so a new template
    needs no list here unless its names are a closed set (``NAME_VALUES``)."""
    choices = NAME_VALUES.get((template, key))
    if choices is not None:
        if value not in choices:
            raise SpecError(source, where, f"unknown {key} {value!r} (known: {', '.join(choices)})")
    elif isinstance(value, str) and key not in _text_params(template):
        raise SpecError(source, where, f"must be a number (got {value!r})")


def _template_function(template: str) -> Callable[..., Any]:
    from carbonloop.hardware import templates
    from carbonloop.hardware.imc import imc

    function: Callable[..., Any] = imc if template == "imc" else templates.TEMPLATES[template]
    return function


def _text_params(template: str) -> set[str]:
    """The template's parameters annotated as text (``str``, ``str | None``, a ``Literal`` of names)."""
    import inspect

    out = set()
    for name, param in inspect.signature(_template_function(template)).parameters.items():
        note = (
            param.annotation
            if isinstance(param.annotation, str)
            else getattr(param.annotation, "__name__", "")
        )
        if "str" in str(note) or "Literal" in str(note):
            out.add(name)
    return out


def _template_params(template: str) -> set[str]:
    import inspect

    return set(inspect.signature(_template_function(template)).parameters)


def space_from_dict(data: Any, source: str, base_dir: Path | None = None) -> DesignSpace:
    """Validate a space document; every problem is a SpecError naming ``source``, the field and the value."""
    if not isinstance(data, dict):
        raise SpecError(source, "<root>", "a design space is a mapping (name, accelerators, workloads ...)")
    unknown = sorted(set(map(str, data)) - TOP_KEYS)
    if unknown:
        raise SpecError(source, unknown[0], f"unknown field (known: {', '.join(sorted(TOP_KEYS))})")
    raw_name = data.get("name")
    if raw_name is not None and (
        not isinstance(raw_name, str | int) or isinstance(raw_name, bool) or raw_name == ""
    ):
        raise SpecError(source, "name", f"must be a name (got {raw_name!r})")
    name = str(raw_name or (Path(source).stem if source else "space"))
    node_nm = data.get("node_nm", 28)
    if not isinstance(node_nm, int) or isinstance(node_nm, bool) or node_nm <= 0:
        raise SpecError(source, "node_nm", f"must be a positive integer (got {node_nm!r})")
    dram_bytes = _size(data.get("dram_bytes", "1MiB"), source, "dram_bytes")
    objective = _check_objective(data.get("objective", "edp"), source)
    parameters = data.get("parameters", "carbonspot")
    if not isinstance(parameters, str):
        raise SpecError(source, "parameters", f"must be a set name or a file (got {parameters!r})")
    if parameters.endswith((".yaml", ".yml")) and base_dir is not None and not Path(parameters).is_absolute():
        parameters = str((base_dir / parameters).resolve())
    parameters = _check_parameters(parameters, source)
    conventions = _check_conventions(data.get("conventions", "carbonloop"), source, "conventions")
    budget = data.get("budget")
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, int | float) or budget <= 0
    ):
        raise SpecError(
            source, "budget", f"must be a positive number of evaluations or seconds (got {budget!r})"
        )

    constraints_raw = data.get("constraints") or []
    if not isinstance(constraints_raw, list):
        raise SpecError(source, "constraints", "expected a list of expressions")
    constraints = tuple(
        Constraint.parse(c, source, f"constraints[{i}]") for i, c in enumerate(constraints_raw)
    )

    accs = data.get("accelerators")
    if not isinstance(accs, dict) or not accs:
        raise SpecError(source, "accelerators", "expected a mapping of template name -> parameter grid(s)")
    designs: list[Design] = []
    seen: set[Design] = set()
    skipped = 0
    from carbonloop.hardware import templates as hw_templates

    known = sorted({"imc", *hw_templates.TEMPLATES})
    for template in accs:
        if template not in known:
            where = f"accelerators.{template}"
            raise SpecError(source, where, f"unknown template {template!r} (known: {', '.join(known)})")
    names = {"dim"}.union(*(_template_params(t) for t in accs))
    for c in constraints:
        unknown_names = sorted(c.names - names)
        if unknown_names:
            raise SpecError(
                source,
                c.where,
                f"unknown name {unknown_names[0]!r} in {_short(c.text)} (parameters: {', '.join(sorted(names))})",
            )
    for template, grids in accs.items():
        where = f"accelerators.{template}"
        accepted = _template_params(template)
        grid_list = grids if isinstance(grids, list) else [grids]
        for gi, grid in enumerate(grid_list):
            gwhere = where if not isinstance(grids, list) else f"{where}[{gi}]"
            for kw in _expand_grid(template, grid, source, gwhere):
                if "node_nm" in accepted:
                    kw.setdefault("node_nm", node_nm)
                if "dram_bytes" in accepted:
                    kw.setdefault("dram_bytes", dram_bytes)
                env = dict(kw)
                if kw.get("rows") is not None and kw.get("rows") == kw.get("cols"):
                    env["dim"] = kw["rows"]
                if not all(c.holds(env) for c in constraints):
                    skipped += 1
                    continue
                d = Design(template, tuple(sorted(kw.items())))
                if d not in seen:
                    seen.add(d)
                    designs.append(d)
    if not designs:
        raise SpecError(source, "accelerators", "no design is left after the constraints")

    wl_raw = data.get("workloads")
    if not isinstance(wl_raw, list) or not wl_raw:
        raise SpecError(source, "workloads", "expected a list of {name: ..., fps: ...}")
    workloads: list[Workload] = []
    for i, w in enumerate(wl_raw):
        where = f"workloads[{i}]"
        if isinstance(w, str):
            w = {"name": w}
        if not isinstance(w, dict) or "name" not in w:
            raise SpecError(source, where, f"expected {{name: ..., fps: ...}} (got {w!r})")
        extra = sorted(set(w) - {"name", "fps", "label"})
        if extra:
            raise SpecError(source, f"{where}.{extra[0]}", "unknown field (known: name, fps, label)")
        spec = str(w["name"])
        fps = w.get("fps", 0)
        if isinstance(fps, bool) or not isinstance(fps, int | float) or not fps > 0:
            raise SpecError(source, f"{where}.fps", f"must be a positive frame rate (got {fps!r})")
        digest = ""
        if "label" in w and (not isinstance(w["label"], str | int) or isinstance(w["label"], bool)):
            raise SpecError(source, f"{where}.label", f"must be a name (got {w['label']!r})")
        label = str(w.get("label") or spec)
        if spec.endswith((".yaml", ".yml", ".onnx")):
            p = Path(spec)
            if not p.is_absolute() and base_dir is not None:
                p = (base_dir / p).resolve()
            if not p.is_file():
                raise SpecError(source, f"{where}.name", f"no such workload file {spec!r}")
            spec = str(p)
            digest = _file_digest(spec)
            label = str(w.get("label") or p.stem)
        else:
            from carbonloop.workload import zoo

            if not zoo.is_zoo_name(spec):
                raise SpecError(
                    source, f"{where}.name", f"unknown zoo network {spec!r} (known: {', '.join(zoo.names())})"
                )
        workloads.append(Workload(label, spec, float(fps), digest))
    labels = [w.name for w in workloads]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise SpecError(source, "workloads", f"workload {dup[0]!r} listed twice (give one a label)")
    return DesignSpace(
        name=name,
        designs=with_profile(tuple(designs), conventions),
        workloads=tuple(workloads),
        objective=objective,
        parameters=parameters,
        dram_bytes=dram_bytes,
        node_nm=node_nm,
        budget=budget,
        constraints=constraints,
        skipped=skipped,
        source=source,
        conventions=conventions,
    )


def load_space(spec: str | Path = "tiny") -> DesignSpace:
    """A built-in space (``tiny`` CarbonSpot's MLPerf-Tiny, ``mobile``, ``quick``) or a YAML file."""
    text = str(spec)
    if text in BUILTIN_SPACES:
        ref = resources.files("carbonloop.explore") / "data" / f"{text}.yaml"
        with resources.as_file(ref) as path:
            return space_from_dict(load_yaml(path), f"space {text}")
    p = Path(text)
    if not p.is_file():
        raise SpecError(text, "<space>", f"no such file (built-in spaces: {', '.join(BUILTIN_SPACES)})")
    return space_from_dict(load_yaml(p), text, p.parent)
