"""Weighted objectives refuse weights that would rank mappings by NaN or infinity."""

import pytest

from carbonloop.errors import SpecError
from carbonloop.mapper.objectives import get_objective


@pytest.mark.parametrize(
    ("spec", "field", "shown"),
    [
        ("weighted:a=nan,b=1", "weighted.a", "nan"),
        ("weighted:a=1,b=inf", "weighted.b", "inf"),
        ("weighted:a=1e400", "weighted.a", "inf"),  # overflows to inf when read
        ("weighted:a=1,b=-2", "weighted.b", "-2"),
    ],
)
def test_non_finite_or_negative_weight_is_named(spec, field, shown):
    with pytest.raises(SpecError) as err:
        get_objective(spec)
    assert f"{field}:" in str(err.value) and shown in str(err.value)


def test_finite_weights_score_by_hand():
    # 2 pJ-weight and 3 cycle-weight: 2 * 10 + 3 * 4 = 32
    goal = get_objective("weighted:a=2,b=3")
    assert float(goal.value(10.0, 4.0)) == pytest.approx(32.0)
