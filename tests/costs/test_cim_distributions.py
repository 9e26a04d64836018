"""Operand distributions -> encoded bit densities and slice values (hand arithmetic and properties)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonloop.costs.cim.distributions import (
    bit_statistics,
    encoded_bits,
    gaussian,
    histogram,
    named,
    post_relu,
    uniform,
)
from carbonloop.errors import SpecError


def test_coarse_histogram_stands_for_a_wider_operand() -> None:
    # Jia's default input histogram [0,0,0,8,4,2,1]: unsigned values 0..3 with p = 8/15, 4/15, 2/15, 1/15;
    # magnitude codes 00 01 10 11. Bit 7 (MSB) = P(2) + P(3) = 3/15; bit 6 = P(1) + P(3) = 5/15; the six
    # missing low bits take each entry's density: (0.5 * 4 + 0.5 * 2 + 1 * 1) / 15 = 4/15.
    d = histogram([0, 0, 0, 8, 4, 2, 1])
    s = bit_statistics(d, "magnitude", 8, 1)
    assert s.bit_density == pytest.approx((3 / 15, 5 / 15) + (4 / 15,) * 6)
    assert s.mean_value == pytest.approx((3 / 15 + 5 / 15 + 6 * 4 / 15) / 8)  # 0.2667
    assert bit_statistics(d, "magnitude", 1, 1).mean_value == pytest.approx(0.2)


def test_offset_encoding_of_a_flat_signed_histogram_is_half_dense_weighted() -> None:
    # [1]*15: values -7..7 uniform, offset codes 0..14 on 4 bits (then 4 density-filled bits). Each of the
    # 4 code bits is one in 7 of the 15 codes (b3: 8..14; b2: 4..7, 12..14; b1: 2,3,6,7,10,11,14; b0: odd),
    # so every bit, filled ones included, has density 7/15 = 0.4667 (CiMLoop's Jia weight value).
    d = histogram([1] * 15)
    s = bit_statistics(d, "offset", 8, 1)
    ones = [sum((c >> k) & 1 for c in range(15)) for k in (3, 2, 1, 0)]  # 7, 7, 7, 7
    assert s.bit_density[:4] == pytest.approx(tuple(o / 15 for o in ones))
    assert s.mean_value == pytest.approx(7 / 15)


def test_pulse_count_slice_value_of_sinangils_histogram() -> None:
    # [0,0,0,3,2,1,0]: values 0, 1, 2 with p = 1/2, 1/3, 1/6; a 4-b slice value is code/15 with the two
    # missing low bits at the entry's density 0.5: 1 -> 0 1 .5 .5 -> (4 + 1 + 0.5) / 15 = 5.5/15;
    # 2 -> 1 0 .5 .5 -> (8 + 1 + 0.5) / 15 = 9.5/15; mean = (5.5/3 + 9.5/6) / 15 = 0.2278 (CiMLoop's value)
    s = bit_statistics(histogram([0, 0, 0, 3, 2, 1, 0]), "magnitude", 4, 4)
    assert s.slice_values == pytest.approx(((5.5 / 3 + 9.5 / 6) / 15,))
    assert s.slice_values[0] == pytest.approx(0.2278, abs=1e-4)


def test_two_part_doubles_signed_bits_and_halves_density() -> None:
    g = gaussian(8)
    assert encoded_bits(g, "two_part", 8) == 14
    assert encoded_bits(g, "magnitude", 8) == 7
    assert encoded_bits(g, "offset", 8) == 8
    mag = bit_statistics(g, "magnitude", 8, 1)
    two = bit_statistics(g, "two_part", 8, 1)
    assert two.copies == 2
    assert two.mean_value == pytest.approx(mag.mean_value / 2)


def test_post_relu_is_half_zero_and_sparser_than_uniform() -> None:
    r = post_relu(8)
    # P(0) = Phi(0.5 / s) with s = 255 / 4: 0.5 + 0.5 * erf(0.5 / 63.75 / sqrt 2) = 0.50313
    assert r.zero_probability == pytest.approx(0.50313, abs=1e-5)
    u = uniform(8)
    assert bit_statistics(u, "magnitude", 8, 1).mean_value == pytest.approx(0.5)
    assert bit_statistics(r, "magnitude", 8, 1).mean_value < 0.25


def test_uniform_full_width_slice_square() -> None:
    # codes 0..255 uniform, one 8-b slice: E[v] = 0.5, E[v^2] = sum k^2 / 256 / 255^2 = (255*511/6)/255^2
    s = bit_statistics(uniform(8), "magnitude", 8, 8)
    assert s.slice_values[0] == pytest.approx(0.5)
    assert s.slice_squares[0] == pytest.approx(255 * 511 / 6 / 255**2)


@pytest.mark.parametrize("bins", [[1, 1], [], [-1, 1, 1], [0, 0, 0], "abc"])
def test_bad_histograms_are_spec_errors(bins) -> None:
    with pytest.raises(SpecError):
        histogram(bins)


def test_unknown_default_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="post_relu"):
        named("lognormal", 8)


@given(
    bins=st.lists(st.floats(0, 10), min_size=15, max_size=15).filter(lambda b: sum(b) > 0),
    encoding=st.sampled_from(["magnitude", "offset", "two_part"]),
    bits=st.integers(1, 10),
    slice_bits=st.integers(1, 4),
)
def test_slice_statistics_are_probabilities(bins, encoding, bits, slice_bits) -> None:
    s = bit_statistics(histogram(bins), encoding, bits, slice_bits)
    for v, sq, nz in zip(s.slice_values, s.slice_squares, s.slice_nonzero, strict=True):
        assert -1e-12 <= sq <= v + 1e-12 <= 1 + 2e-12  # v in [0,1] so v^2 <= v
        assert v <= nz + 1e-12  # a slice's value never exceeds the chance it is non-zero
        assert 0 <= nz <= 1 + 1e-12
    assert all(0 <= d <= 1 + 1e-12 for d in s.bit_density)


def test_histogram_from_measured_values_quantises_by_the_largest_magnitude() -> None:
    from carbonloop.costs.cim.distributions import histogram_from_values

    # 3-b signed: 3 levels each side of zero; -1 -> -3, 0.5 -> 1.5 -> 2 (round half to even), 0.25 -> 1, 1 -> 3
    d = histogram_from_values([-1.0, 0.5, 0.25, 1.0], 3)
    assert d.values() == ((-3, 0.25), (1, 0.25), (2, 0.25), (3, 0.25))
    assert d.signed
    # all non-negative -> unsigned, 2^2 - 1 = 3 levels above zero
    u = histogram_from_values([0.0, 0.0, 3.0, 1.0], 2)
    assert not u.signed
    assert u.values() == ((0, 0.5), (1, 0.25), (3, 0.25))


def test_onnx_weights_become_histograms(tmp_path) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from carbonloop.costs.cim.onnx_weights import weight_histograms_from_onnx

    w = numpy_helper.from_array(np.array([[-1.0, 0.5], [0.25, 1.0]], dtype=np.float32), "W")
    b = numpy_helper.from_array(np.array([0.1, 0.2], dtype=np.float32), "B")
    node = helper.make_node("MatMul", ["X", "W"], ["Y"])
    io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 2]) for n in ("X", "Y")]
    graph = helper.make_graph([node], "g", [io[0]], [io[1]], [w, b])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph), str(path))
    hists = weight_histograms_from_onnx(path, bits=3)
    assert set(hists) == {"W"}  # the 1-D bias is not a weight matrix
    assert hists["W"].values() == ((-3, 0.25), (1, 0.25), (2, 0.25), (3, 0.25))
    with pytest.raises(SpecError):
        weight_histograms_from_onnx(tmp_path / "missing.onnx")


def test_template_reads_a_histogram_from_a_yaml_file(tmp_path) -> None:
    from carbonloop.hardware.cim import cim

    path = tmp_path / "d.yaml"
    path.write_text("distributions:\n  acts: [0, 0, 0, 8, 4, 2, 1]\n")
    acc = cim(rows=16, cols=8, input_distribution=f"{path}#acts", sram_bytes=65536)
    assert acc.array.imc.input_distribution == pytest.approx((0, 0, 0, 8 / 15, 4 / 15, 2 / 15, 1 / 15))
    with pytest.raises(SpecError, match="acts"):
        cim(rows=16, cols=8, input_distribution=f"{path}#weights", sram_bytes=65536)
