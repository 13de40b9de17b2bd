"""Text files: the delimiter is judged on the first records, the chosen one split in full."""

from __future__ import annotations

import pytest

from analysis.ingest.text_files import _choose_delimiter, _split_records


@pytest.mark.parametrize(
    ("sample", "delim"),
    [
        ("a;b;c\n" + "".join(f"{i};x,y;{i}.5\n" for i in range(500)), ";"),
        ("a,b\n" + "".join(f'{i},"q; {i}"\n' for i in range(300)) + 'z,"open\n', ","),
        ("title\n\n" + "".join(f"{i}\t{i}\n" for i in range(250)) + "a,b,c,d\n" * 300, "\t"),
    ],
)
def test_the_chosen_delimiter_comes_with_every_record(sample: str, delim: str) -> None:
    chosen, records = _choose_delimiter(sample)
    assert chosen == delim
    if '"open' not in sample:
        assert records == _split_records(sample, delim)
    assert records[-1][0] > 250  # the records after the first 200 are all there
