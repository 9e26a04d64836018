"""``carbonloop validate zigzag``: ZigZag 3.9.1's golden cases and their shipped inputs.

Running a case searches every layer of ResNet-18 (a minute or more each), so the scoring itself is tested
on small files in test_zigzag_files.py; here, that every shipped input reads as ZigZag reads it, that the
case table holds what the tests assert, and the command's cheap paths.
"""

from __future__ import annotations

import json

import pytest

from carbonloop.cli import run
from carbonloop.errors import SpecError
from carbonloop.interop.zigzag import ZigZagConstraints, load_zigzag
from carbonloop.interop.zigzag_validation import CASES, case_files, markdown, select_cases, targets

pytestmark = pytest.mark.filterwarnings("ignore::carbonloop.interop.common.InteropWarning")


def test_the_case_table_is_zigzags_37_cases():
    assert len(CASES) == 37
    # every (test, workload) once; the exploit/mix options only on the cases whose call adds them
    assert len({(c.test, c.workload) for c in CASES}) == 37
    assert {c.option for c in CASES if "exploit" in c.test} == {"exploit_data_locality"}
    # one value by hand from zigzag-dse 3.9.1 tests/main/test_origin/test_tpu_like.py
    tpu_yaml = next(
        c for c in CASES if c.test == "test_origin/test_tpu_like.py" and c.workload == "resnet18.yaml"
    )
    assert (tpu_yaml.energy_pj, tpu_yaml.latency_cycles) == (2615172831.3759995, 5817949.0)


@pytest.mark.parametrize(
    "hardware, mapping",
    sorted({(c.hardware, c.mapping) for c in CASES if not c.hardware.startswith("gemm")}),
)
def test_every_shipped_input_reads_as_zigzag_reads_it(hardware, mapping):
    case = next(c for c in CASES if (c.hardware, c.mapping) == (hardware, mapping))
    for workload, layers in (("resnet18.onnx", 21), ("resnet18.yaml", 31)):
        hw, wl, mp = case_files(case)
        net, acc, maps = load_zigzag(accelerator=hw, workload=wl.with_name(workload), mapping=mp)
        # ZigZag's ONNX parser keeps the 20 convolutions and the Gemm; the YAML lists its 31 layers
        assert len(net.layers) == layers and set(maps) == {lay.name for lay in net.layers}
        # the bundled mappings give the MAC layers a spatial part only: the 20 convolutions and the classifier
        # are left to the search, as ZigZag leaves them to LOMA
        assert sum(isinstance(m, ZigZagConstraints) for m in maps.values()) >= 21
        assert acc.array.imc is not None if hardware in ("aimc", "dimc") else acc.array.imc is None


def test_cases_without_their_input_say_so_and_the_table_counts_only_what_runs(capsys):
    assert run(["validate", "zigzag", "--cases", "gemm", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["cases"]
    assert [r["number"] for r in rows] == [15, 16]
    assert all(not r["runs"] and r["error"].startswith("gemm_layer.yaml") for r in rows)
    assert "| 15 | test_origin/test_gemm_l1.py (lpf_limit=3) | gemm_layer.yaml | no:" in markdown(rows)
    assert targets(rows).startswith("latency at most ZigZag's + 1 % in 0 of the 0 cases that run")


def test_ratios_and_targets_by_hand():
    base = {
        "test": "t",
        "workload": "w",
        "option": "",
        "runs": True,
        "energy_pj": 100.0,
        "latency_cycles": 1000,
    }
    rows = [
        {**base, "number": 1, "ours_energy_pj": 109.0, "ours_latency_cycles": 1010, "energy_ratio": 1.09, "latency_ratio": 1.01},
        {**base, "number": 2, "ours_energy_pj": 111.0, "ours_latency_cycles": 990, "energy_ratio": 1.11, "latency_ratio": 0.99},
        {**base, "number": 3, "ours_energy_pj": 95.0, "ours_latency_cycles": 1011, "energy_ratio": 0.95, "latency_ratio": 1.011},
    ]  # fmt: skip
    # latency <= 1.01: #1 (exactly at the bar) and #2; energy within 10 %: #1 and #3; both: #1
    assert targets(rows) == (
        "latency at most ZigZag's + 1 % in 2 of the 3 cases that run (#1, #2); energy within 10 % in 2 "
        "(#1, #3); both in 1 (#1)."
    )


def test_bad_options_are_one_line_errors(capsys):
    with pytest.raises(SpecError, match="'nothing' names no case"):
        select_cases(["nothing"])
    for argv in (["--cases", "nothing"], ["--budget", "0"], ["--seconds", "-1"]):
        assert run(["validate", "zigzag", *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and len(err.splitlines()) == 1 and "Traceback" not in err
