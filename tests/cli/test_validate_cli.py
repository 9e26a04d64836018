"""``carbonloop validate imc``."""

from __future__ import annotations

import json

import pytest

from carbonloop.cli import run


def test_validate_imc_json_lists_seven_chips_with_ratios(capsys):
    rc = run(["validate", "imc", "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["label"] for c in data["chips"]] == [
        "AIMC1",
        "AIMC2",
        "AIMC3",
        "DIMC1",
        "DIMC2",
        "DIMC3",
        "DIMC4",
    ]
    for chip in data["chips"]:
        for metric in ("area_mm2", "clock_ns", "energy_fj_per_mac", "tops_per_w", "tops_per_mm2"):
            value = chip[metric]
            assert value["ratio"] == pytest.approx(value["model"] / value["reported"])
    aimc1 = data["chips"][0]
    # ../shared/reference/imc_validation_chips.yaml: AIMC1 reports 1.9425 mm2, 44.444 ns, 1050 TOP/s/W
    assert aimc1["area_mm2"]["reported"] == 1.9425
    assert aimc1["clock_ns"]["reported"] == 44.444
    # clock = ADC 6 x (0.00653 x 1024 + 0.64) + NOR 0.0478 = 44.008 ns (facts 1.4, 1.5)
    assert aimc1["clock_ns"]["model"] == pytest.approx(6 * (0.00653 * 1024 + 0.64) + 0.0478)


def test_validate_imc_table_names_every_chip(capsys):
    assert run(["validate", "imc", "--chip", "AIMC3", "--chip", "dimc3"]) == 0
    out = capsys.readouterr().out
    assert "AIMC3" in out and "DIMC3" in out and "DIMC1" not in out
    assert "1.88 / 1.987 / 1.057" in out  # AIMC3 area: reported / model / ratio


def test_validate_imc_writes_the_figure(tmp_path, capsys):
    target = tmp_path / "fig" / "imc.png"
    assert run(["validate", "imc", "--plot", str(target), "--chip", "DIMC1"]) == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(target) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "imc", "--plot", "out.txt"], "error: --plot: plot: unsupported figure format '.txt'"),
        (["validate", "imc", "--chip", "TPU1"], "error: --chip: chip: unknown chip TPU1"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv, message, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert err.count("\n") == 1
