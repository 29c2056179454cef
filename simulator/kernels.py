"""Compiled inner loops of the kerb decision (numba): the gap scan, the vehicles met, the acceptance.

A kerb decision looks at a handful of vehicles one by one: for a gap
(:func:`scan_gaps`, the loop of :func:`simulator.kerb._accept`) and for the
surrogate measures of those near the walker's path (:func:`pick_vehicles`,
:func:`sum_surrogates`, used by :func:`simulator.kerb._nearby` and
:func:`simulator.risk.encounter`), lane after lane in a rolling crossing
(:func:`roll_lanes`, one call for the whole crossing); its expected harm
weighs a few hundred would-be-impact nodes by the walker's acceptance
(:func:`weigh_nodes`, the inside of :meth:`simulator.harm.HitTable.harm`;
:func:`line_rates` for the waits on the lane lines). In Python each of these
cost tens of microseconds a call, most of it the interpreter's and NumPy's
per-call overhead; compiled they cost a few.

Each does the same IEEE operations, in the same order, as the Python and
NumPy code it replaced: the same comparisons, ``pow``, ``log`` and divisions
of the same numbers, and NumPy's own linear interpolation (the node found as
a binary search finds it, the slope ``(y[j+1] - y[j]) / (x[j+1] - x[j])``).
So a run's tables are byte-identical with or without them
(``benchmarks/same_results.sh``), and ``tests/test_kernels.py`` holds the
machine code to its Python source (``.py_func``) and the acceptance to
:meth:`simulator.harm.Judgement.accept`. What stays in NumPy is the sums
whose order NumPy (its BLAS) chooses: the matrix products over the nodes.

Compiled once per installation: numba keeps the machine code beside this
file (``cache=True``, in ``__pycache__``), so later processes and batch
workers load it (about 0.2 s, with numba's import another 0.2 s).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

LAG, GAP, YIELD, INATTENTIVE, IMPATIENT, DEADLINE = range(6)
"""How the gap opened, as :func:`scan_gaps` returns it (a :class:`simulator.kerbdata.Mode` each)."""

HELD_LANE = 1024
"""A held lane's code: direction x HELD_LANE + lane x 2 + (1 for riders); roads have far fewer lanes."""


@njit(cache=True, nogil=True)
def scan_gaps(t, v, d, ln, u, kd, t0, not_before, deadline, patience, tc_patient, tc_impatient,
              fixed, inattentive, ref, exponent, lo, hi, yield_rate, reaction, decel2, ride2,
              sight, has_sight):
    """First time >= ``not_before`` at which the walker steps out (see :func:`simulator.kerb._accept`).

    Parameters are the stream's columns (time, speed, direction, lane,
    yield number, kind), the walker's patience and critical gaps (patient
    and impatient), its gap rule and the road's stopping test; ``sight`` a
    (direction, lane) table used where ``has_sight``.

    Returns the time, the code of how the gap opened (:data:`LAG` ...
    :data:`DEADLINE`), the accepted lag and the held lanes' codes
    (:data:`HELD_LANE`).
    """
    n = t.size
    held = np.empty(16, np.int64)  # each lane at most once: directions x lanes x (cars, riders)
    tau = not_before
    i = np.searchsorted(t, tau, side="right")
    while tau < deadline:
        impatient = tau - t0 >= patience
        tc_eff = tc_impatient if impatient else tc_patient
        horizon = tc_eff * (1.0 if fixed else hi)
        n_held = 0
        lag = math.inf
        j = i
        ok = True
        while j < n and t[j] - tau < horizon:
            code = int(d[j]) * HELD_LANE + int(ln[j]) * 2 + (1 if kd[j] != 0 else 0)
            behind = False
            for k in range(n_held):
                if held[k] == code:
                    behind = True
                    break
            if behind:  # behind a driver who yields: held too
                j += 1
                continue
            gap = t[j] - tau
            vj = v[j]
            if has_sight and vj * gap > sight[d[j], ln[j]]:
                lag = min(lag, gap)  # hidden behind parked cars: the walker does not wait for it
                j += 1
                continue
            if u[j] < yield_rate and vj * gap >= vj * reaction + vj ** 2 / (ride2 if kd[j] else decel2):
                if n_held == held.size:
                    held = np.concatenate((held, np.empty(held.size, np.int64)))
                held[n_held] = code  # a driver who yields and can stop comfortably
                n_held += 1
            else:
                need = tc_eff if fixed else tc_eff * min(max((ref / vj) ** exponent, lo), hi)
                if gap < need:
                    ok = False
                    break
                lag = min(lag, gap)
            j += 1
        if ok:
            if not math.isfinite(lag) and j < n:
                lag = t[j] - tau
            if inattentive:
                how = INATTENTIVE
            elif n_held:
                how = YIELD
            elif impatient:
                how = IMPATIENT
            else:
                how = LAG if tau == not_before else GAP
            return tau, how, lag, held[:n_held].copy()
        nxt = t[j]
        run_out = t0 + patience
        if not impatient and not inattentive and tau < run_out < nxt:
            tau = run_out  # patience runs out before the blocking vehicle passes
            i = np.searchsorted(t, tau, side="right")  # vehicles before then have passed
        else:
            tau = nxt
            i = j + 1
    return deadline, DEADLINE, math.inf, held[:0].copy()


@njit(cache=True, nogil=True)
def weigh_nodes(out, link, rate, lane_of, weight, by_time, rule, has_rule, hidden, has_hidden, min_lag,
                use_min_lag, log_need, sigma, grid, values, slopes):
    """Fill ``out`` (row, arrival node, speed node) with the row's factor x P(the walker accepts).

    The factor of a row is ``link x rate[lane_of[row]] x weight[row]`` (in
    that order, as NumPy's ``link * rate[lane_of] * weight`` computes it).

    ``by_time``: per row and arrival node, the arrival time (with
    ``use_min_lag``: accepted when at least ``min_lag``) or its log; ``rule``:
    per row and speed node, the distance rule's log factor (``has_rule``).
    The acceptance is NumPy's ``interp`` of ``(log s - log_need - rule) /
    sigma`` on (``grid``, ``values``), with the slopes between nodes; a node
    ``hidden`` behind parked cars is accepted.
    """
    rows, times, speeds = out.shape
    for r in range(rows):
        f = link * rate[lane_of[r]] * weight[r]
        for i in range(times):
            x_time = by_time[r, i]
            if use_min_lag:
                p = 1.0 if x_time >= min_lag else 0.0
            elif not has_rule:
                p = _interp((x_time - log_need) / sigma, grid, values, slopes)
            for k in range(speeds):
                if has_hidden and hidden[r, i, k]:
                    out[r, i, k] = f * 1.0
                elif use_min_lag or not has_rule:
                    out[r, i, k] = f * p
                else:
                    out[r, i, k] = f * _interp((x_time - log_need - rule[r, k]) / sigma, grid, values, slopes)


@njit(cache=True, nogil=True)
def line_rates(waits, rate, share, rider_rate, where, rider_share):
    """Vehicles passing a walker on the lane lines (see :func:`simulator.kerbharm.rolling_harm`), per column.

    Lane k is passed for the waits on the lines either side of it
    (``beside``), at its hazard rate ``rate x share``; when ``where`` (the
    kerb lanes' positions) is not empty, two more columns: the e-bikes, then
    the bicycles (``rider_rate``: e-bikes at ``where``, then bicycles) passing
    beside those lanes, times ``rider_share``. The operations of the NumPy
    code it replaced, in its order; the product with the per-vehicle harm
    stays NumPy's.
    """
    lanes = rate.size
    beside = np.zeros(lanes)
    for i in range(lanes - 1):
        beside[i] += waits[i]
    for i in range(1, lanes):
        beside[i] += waits[i - 1]
    m = where.size
    x = np.empty(lanes + (2 if m else 0))
    for i in range(lanes):
        x[i] = beside[i] * rate[i] * share
    for j in range(2 if m else 0):
        total = rider_rate[j * m] * beside[where[0]]
        for i in range(1, m):
            total += rider_rate[j * m + i] * beside[where[i]]
        x[lanes + j] = total * rider_share
    return x


@njit(cache=True, nogil=True, inline="always")
def _interp(x, grid, values, slopes):
    """``np.interp(x, grid, values)`` on a uniform grid, as NumPy computes it (the node found in O(1))."""
    if math.isnan(x):
        return x
    last = grid.size - 1
    if x < grid[0]:
        return values[0]
    if x >= grid[last]:
        return values[last]
    j = min(int((x - grid[0]) / (grid[1] - grid[0])), last - 1)
    while j > 0 and grid[j] > x:  # the node below x, as a binary search finds it
        j -= 1
    while j < last - 1 and grid[j + 1] <= x:
        j += 1
    if grid[j] == x:
        return values[j]
    return slopes[j] * (x - grid[j]) + values[j]


@njit(cache=True, nogil=True)
def pick_vehicles(t, v, d, ln, kd, since, until, start, held, one, only_lane, near, lanes, first, step_in,
                  width, speed, lane_time, sight, has_sight):
    """The sampled vehicles near a stage (see :func:`simulator.kerb._nearby`).

    The vehicles arriving in [``since``, ``until``) of direction ``one`` (-1:
    either), apart from those held by a yielding driver (``held``, as
    :func:`scan_gaps` returns them) once the walker steps out at ``start``.
    ``first``: per direction, where its lanes start on the walker's path
    (in lanes from the near kerb); ``only_lane``: the stage is one lane. Returns
    per vehicle: when the walker enters and leaves its lane, when its driver
    can see the walker, its arrival, speed and kind.
    """
    lo = np.searchsorted(t, since, side="left")
    hi = np.searchsorted(t, until, side="left")
    size = max(hi - lo, 0)
    t_in, t_out, seen = np.empty(size), np.empty(size), np.empty(size)
    t_vehicle, speeds, kinds = np.empty(size), np.empty(size), np.empty(size, np.int8)
    n = 0
    for j in range(lo, hi):
        dj, lj, tj = d[j], ln[j], t[j]
        if one >= 0 and dj != one:
            continue
        if tj >= start:
            code = int(dj) * HELD_LANE + int(lj) * 2 + (1 if kd[j] != 0 else 0)
            behind = False
            for k in range(held.size):
                if held[k] == code:
                    behind = True
                    break
            if behind:
                continue
        pos = 0.0 if only_lane else float(first[dj] + (lj if dj == near else lanes[dj] - 1 - lj))
        t_in[n] = step_in + pos * width / speed
        t_out[n] = t_in[n] + lane_time
        seen[n] = max(step_in, tj - sight[dj, lj] / v[j]) if has_sight else step_in
        t_vehicle[n], speeds[n], kinds[n] = tj, v[j], kd[j]
        n += 1
    return t_in[:n], t_out[:n], seen[:n], t_vehicle[:n], speeds[:n], kinds[:n]


@njit(cache=True, nogil=True)
def sum_surrogates(seen, t_in, t_out, t_vehicle, v, kind, reaction, ttc_limit, pet_limit, drac_limit):
    """Conflicts (all, with two-wheelers), min TTC, min PET, max DRAC (:func:`simulator.risk.encounter`)."""
    conflicts, riders = 0, 0
    min_ttc, min_pet, max_drac = math.inf, math.inf, 0.0
    for i in range(t_vehicle.size):
        a, b, tv, speed = t_in[i], t_out[i], t_vehicle[i], v[i]
        if a <= tv <= b:
            ttc = tv - a
            free = speed * max(tv - seen[i], 0.0) - speed * reaction
            drac = speed * speed / (2 * max(free, 1e-9)) if free > 0 else math.inf
            conflict = ttc < ttc_limit or drac > drac_limit
            min_ttc, max_drac = min(min_ttc, ttc), max(max_drac, drac)
        else:
            pet = a - tv if tv < a else tv - b
            conflict = pet < pet_limit
            min_pet = min(min_pet, pet)
        if conflict:
            conflicts += 1
            if kind[i] != 0:
                riders += 1
    return conflicts, riders, min_ttc, min_pet, max_drac


@njit(cache=True, nogil=True)
def roll_lanes(t, v, d, ln, u, kd, bounds, t0, not_before, tc, fixed, ref, exponent, lo, hi, yield_rate,
               reaction, decel2, ride2, kerb_sight, has_kerb_sight, step_off, width, speed, surrogates,
               near_sight, has_near_sight, braking_reaction, ttc_limit, pet_limit, drac_limit):
    """A crossing lane by lane (see :func:`simulator.kerb._lane_by_lane`): each lane's gap, then its vehicles.

    The lanes' vehicles are ``t, v, d, ln, u, kd`` cut at ``bounds`` (lane i
    from ``bounds[i]`` to ``bounds[i + 1]``, in walking order); each lane is
    judged as :func:`scan_gaps` judges a stream with the lane walker's
    critical gap ``tc`` (patient: no deadline), the first from the kerb
    (``kerb_sight``), and its vehicles near the walker picked as
    :func:`pick_vehicles` picks a one-lane stage (``near_sight`` from the kerb).

    Returns the first step-out, the far kerb's time, the waits on the lane
    lines, the least accepted lag, the number of vehicles near, and their
    conflicts (all, with two-wheelers), min TTC, min PET and max DRAC
    (:func:`sum_surrogates`).
    """
    lanes = bounds.size - 1
    waits = np.empty(max(lanes - 1, 0))
    first, at, lag = math.nan, not_before, math.inf
    near, conflicts, riders = 0, 0, 0
    min_ttc, min_pet, max_drac = math.inf, math.inf, 0.0
    no_lanes = np.zeros(2, np.int64)
    for i in range(lanes):
        a, b = bounds[i], bounds[i + 1]
        kerb = i == 0
        start, _, lag_k, held = scan_gaps(
            t[a:b], v[a:b], d[a:b], ln[a:b], u[a:b], kd[a:b], t0, at, math.inf, math.inf, tc, tc, fixed,
            False, ref, exponent, lo, hi, yield_rate, reaction, decel2, ride2, kerb_sight,
            kerb and has_kerb_sight)
        if kerb:
            first = start
        else:
            waits[i - 1] = start - at
        if surrogates:
            step_in = start + step_off
            t_in, t_out, seen, t_vehicle, speeds, kinds = pick_vehicles(
                t[a:b], v[a:b], d[a:b], ln[a:b], kd[a:b], start - pet_limit - 1.0,
                step_in + width / speed + pet_limit + 1.0, start, held, -1, True, 0, no_lanes, no_lanes,
                step_in, width, speed, width / speed, near_sight, kerb and has_near_sight)
            if t_vehicle.size:
                near += t_vehicle.size
                c, r, ttc, pet_k, drac = sum_surrogates(seen, t_in, t_out, t_vehicle, speeds, kinds,
                                                        braking_reaction, ttc_limit, pet_limit, drac_limit)
                conflicts += c
                riders += r
                min_ttc, min_pet, max_drac = min(min_ttc, ttc), min(min_pet, pet_k), max(max_drac, drac)
        lag = min(lag, lag_k)
        at = start + step_off + width / speed
    return first, at, waits, lag, near, conflicts, riders, min_ttc, min_pet, max_drac
