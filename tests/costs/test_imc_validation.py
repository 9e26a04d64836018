"""The macro model against the seven published SRAM IMC chips (docs/imc.md, "Validation")."""

from __future__ import annotations

import pytest

from carbonloop.costs.imc_validation import (
    METRICS,
    chip_from_mapping,
    load_imc_chips,
    validate_imc_chips,
    validation_as_dict,
)
from carbonloop.errors import SpecError

CHIPS = load_imc_chips()
RESULTS = {row.chip.label: row for row in validate_imc_chips(CHIPS)}

# Documented expectations (docs/imc.md, "Validation"): model/reported ratios that lie outside +-25 %, with why.
# AIMC1 area: repeaters/decaps and pulse generators of the 1024x512 array are not modelled
#   (the reference model's figure: 0.51). AIMC2, DIMC2, DIMC4 publish no sparsity information.
DOCUMENTED = {
    ("AIMC1", "area_mm2"): 0.494,
    ("AIMC2", "area_mm2"): 0.434,
    ("AIMC2", "clock_ns"): 0.885,
    ("AIMC2", "energy_fj_per_mac"): 7.05,
    ("DIMC2", "area_mm2"): 0.383,
    ("DIMC2", "clock_ns"): 1.02,
    ("DIMC2", "energy_fj_per_mac"): 0.986,
    ("DIMC4", "area_mm2"): 0.806,
    ("DIMC4", "clock_ns"): 1.151,
    ("DIMC4", "energy_fj_per_mac"): 9.94,
}
CHECKED = ("area_mm2", "clock_ns", "energy_fj_per_mac")


def test_the_seven_chips_are_shipped_in_order():
    assert [c.label for c in CHIPS] == ["AIMC1", "AIMC2", "AIMC3", "DIMC1", "DIMC2", "DIMC3", "DIMC4"]
    assert {c.label for c in CHIPS if not c.sparsity_published} == {"AIMC2", "DIMC2", "DIMC4"}


@pytest.mark.parametrize("chip", CHIPS, ids=lambda c: c.label)
def test_reported_energy_per_mac_is_2000_over_tops_per_w(chip):
    # KULeuven-MICAS/zigzag-imc @ df34a6f imc_model_validation scripts: energy_reported_per_mac = 2000 / tops_per_w (fJ)
    assert chip.reported["energy_fj_per_mac"] == pytest.approx(2000 / chip.reported["tops_per_w"], rel=0.01)


@pytest.mark.parametrize(
    ("label", "metric"),
    [(c.label, m) for c in CHIPS if c.sparsity_published for m in CHECKED if (c.label, m) not in DOCUMENTED],
)
def test_chips_with_published_sparsity_are_within_25_percent(label, metric):
    ratio = RESULTS[label].metrics[metric].ratio
    assert 0.75 <= ratio <= 1.25, f"{label} {metric}: {ratio:.3f}"


@pytest.mark.parametrize(("key", "expected"), DOCUMENTED.items(), ids=lambda v: str(v))
def test_documented_ratios_outside_the_band_hold(key, expected):
    label, metric = key
    assert RESULTS[label].metrics[metric].ratio == pytest.approx(expected, rel=0.02)


def test_energy_per_mac_of_chips_with_published_sparsity_is_within_15_percent():
    # energy is what carbon follows; the reference model's figure reaches 0.89-1.01 on these four
    # (KULeuven-MICAS/zigzag-imc @ df34a6f, imc_model_validation/model_validation.png); ours 0.94-1.15 (docs/imc.md)
    for label in ("AIMC1", "AIMC3", "DIMC1", "DIMC3"):
        assert abs(RESULTS[label].metrics["energy_fj_per_mac"].ratio - 1) <= 0.15, label


def test_derived_metrics_are_consistent_with_the_cost():
    row = RESULTS["DIMC3"]
    # DIMC3: 1 weight x 128 rows x 8 macros / (8/2 cycles) = 256 MACs per cycle
    assert row.cost.macs_per_cycle == 256
    assert row.metrics["tops_per_w"].model == pytest.approx(2000 / row.metrics["energy_fj_per_mac"].model)
    assert row.metrics["tops_per_mm2"].model == pytest.approx(
        row.cost.peak_tops / row.metrics["area_mm2"].model
    )


def test_json_form_has_every_metric_with_ratio():
    data = validation_as_dict(validate_imc_chips(CHIPS, ["dimc1"]))
    (entry,) = data["chips"]
    assert entry["label"] == "DIMC1"
    assert set(entry) == {"label", *METRICS}
    assert entry["area_mm2"]["ratio"] == pytest.approx(entry["area_mm2"]["model"] / 0.9408)


def test_missing_reported_value_gives_null_ratio():
    chip = chip_from_mapping(
        {"label": "X", "spec": {"kind": "dimc", "rows": 32, "cols": 4}, "reported": {"area_mm2": 0.01}}
    )
    (row,) = validate_imc_chips([chip])
    assert row.metrics["clock_ns"].reported is None
    assert row.metrics["clock_ns"].ratio is None
    assert row.metrics["area_mm2"].ratio is not None


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"label": "X", "spec": {"kind": "dimc", "rows": 32, "cols": 4, "colour": 1}}, "chips.X.spec"),
        ({"label": "X", "spec": {"kind": "aimc", "rows": 32, "cols": 4}}, "chips.X.spec.adc_bits"),
        (
            {"label": "X", "spec": {"kind": "dimc", "rows": 32, "cols": 4}, "reported": {"speed": 1}},
            "chips.X.reported",
        ),
    ],
)
def test_bad_chip_entries_raise_spec_error(entry, field):
    with pytest.raises(SpecError) as err:
        chip_from_mapping(entry)
    assert err.value.field == field


def test_unknown_chip_label_is_a_spec_error():
    with pytest.raises(SpecError, match="unknown chip"):
        validate_imc_chips(CHIPS, ["AIMC9"])
