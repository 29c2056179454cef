"""Result tables written by simulator.csvfile are byte for byte what pandas' to_csv writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.csvfile import write_csv

texts = st.one_of(st.none(), st.text(alphabet=st.sampled_from([*'ab,"\n\r\t 护学岗\'']), max_size=6))


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 6))
    floats = draw(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=n, max_size=n))
    return pd.DataFrame({
        "x": np.array(floats, dtype=np.float64),
        "k": np.array(draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n)), np.int64),
        "ok": np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
        "name, quoted": pd.array(draw(st.lists(texts, min_size=n, max_size=n)), dtype="str"),
        "any": pd.Series(draw(st.lists(st.one_of(texts, st.floats(), st.integers()), min_size=n, max_size=n)),
                         dtype=object),
    })


@settings(max_examples=200, deadline=None)
@given(frames())
def test_the_bytes_are_those_of_pandas(tmp_path_factory, frame: pd.DataFrame) -> None:
    folder = tmp_path_factory.mktemp("csv")
    frame.to_csv(folder / "pandas.csv", index=False)
    write_csv(frame, folder / "ours.csv")
    assert (folder / "ours.csv").read_bytes() == (folder / "pandas.csv").read_bytes()


def test_other_kinds_of_column_are_written_by_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"day": pd.to_datetime(["2026-12-07", None]), "kind": pd.Categorical(["a", "b"]),
                          "n": pd.array([1, None], dtype="Int64"), "x": np.array([0.1, 2.0], np.float32)})
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    write_csv(frame, tmp_path / "ours.csv")
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
