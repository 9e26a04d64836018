"""Interop warnings stay one readable line, however long the names in the file."""

import warnings

from carbonloop.interop.common import WARNING_CHARS, InteropWarning, warn_ignored


def test_a_megabyte_of_ignored_field_names_is_one_line_of_bounded_length():
    names = [f"field_{k}\n" + "x" * 10_000 for k in range(100)]  # about 1 MB of names with newlines
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InteropWarning)
        warn_ignored("arch.yaml", names)
    (only,) = caught
    text = str(only.message)
    assert "\n" not in text
    assert text.startswith("arch.yaml: ignored field_0 x")
    # the source, ": ", and the message cut to WARNING_CHARS with its "..."
    assert len(text) == len("arch.yaml: ") + WARNING_CHARS
    assert text.endswith("...")
