"""Labels on maps: risk ranks that cannot be read as numbers, and street names that do not collide."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"  # in GB 2312: every Chinese font draws them
GAP_PX = 2.0  # labels closer than this (pixels) count as overlapping


def format_rank(rank: int) -> str:
    """``①`` … ``⑩`` for ranks 1–10, ``#11`` beyond: never a bare number such as "4·6".

    Parameters
    ----------
    rank
        1 for the riskiest.
    """
    return CIRCLED[rank - 1] if 1 <= rank <= len(CIRCLED) else f"#{rank}"


def join_ranks(labels: Sequence[str]) -> str:
    """Several rank labels at one place: ``①②`` side by side, ``#11 #12`` with a space."""
    return "".join(labels) if all(label in CIRCLED for label in labels) else " ".join(labels)


def cluster_labels(points: Sequence[tuple[float, float]], labels: Sequence[str], *, within: float
                   ) -> list[tuple[tuple[float, float], list[str]]]:
    """Labels of points closer than ``within`` (m) to an earlier kept point gathered on that point.

    Returns ``(point, labels)`` in the order of the first label of each group.
    """
    groups: list[tuple[tuple[float, float], list[str]]] = []
    for point, label in zip(points, labels, strict=True):
        near = next((g for g in groups if math.dist(g[0], point) <= within), None)
        if near is None:
            groups.append((point, [label]))
        else:
            near[1].append(label)
    return groups


def place_texts(fig: Figure, texts: Sequence[tuple[Text, Sequence[tuple[float, float, float]]]], *,
                keep: Iterable[Artist] = ()) -> int:
    """Put each text at its first spot where it overlaps no kept artist and no text placed before it.

    The figure is drawn once to measure (its layout is then done); a text that
    fits nowhere is removed.

    Parameters
    ----------
    fig
        The figure.
    texts
        ``(text, spots)`` in priority order; a spot is ``(x, y, rotation)`` in data units.
    keep
        Artists that stay (legend, scale bar, other labels): texts over them move or go.

    Returns
    -------
    int
        How many texts were removed.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    taken: list[Bbox] = [a.get_window_extent(renderer) for a in keep if a.get_visible()]
    removed = 0
    for text, spots in texts:
        for x, y, angle in spots or [(*text.get_position(), text.get_rotation())]:
            text.set_position((x, y))
            text.set_rotation(angle)
            box = text.get_window_extent(renderer).padded(GAP_PX)
            if not any(box.overlaps(other) for other in taken):
                taken.append(box)
                break
        else:
            text.remove()
            removed += 1
    return removed
