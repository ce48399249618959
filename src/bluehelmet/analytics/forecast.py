"""Early warning: weekly counts per area forecast one to four weeks ahead, and the backtest that
says whether the forecast is any better than naive rules.

The model is a Poisson regression (a GLM with a log link, fitted by iteratively reweighted
least squares with a small ridge penalty), one per horizon (the direct strategy), on:
the area's last week, its mean over the last 4 and 13 weeks, the mean of its neighbours over
the last 4 weeks, the same week a year before (when the history reaches it), the area's mean
so far, and the season (sine and cosine of the week of the year). Its over-dispersion is
estimated from the Pearson residuals; the intervals are negative-binomial quantiles.

The backtest replays past weeks: at each origin the model is fitted on what was known then and
scored on the weeks after, against three naive baselines (the area's last week, its mean so
far, the same week a year before). The metric is the mean Poisson deviance (lower is better;
a proper score for a forecast mean); the mean absolute error is also given. The model has skill
only when it beats the best baseline by at least 5% and the gain holds across origins (a paired
t-statistic of the per-origin gains of at least 2): a gain that noise could give is not skill.

A backtest fits the model 4 times per origin (26 origins) and the forecast 4 times more: 108
fits of one model pooled over the areas. Each fit is a pure function of the rows it is fitted on
and of where it begins, so a caller may pass ``fits``, a store of fits by a fingerprint of both:
after a change in the history, only the fits whose rows hold the changed weeks are computed
again (a change in the last four weeks: only the forecast's four), with the same coefficients
to the last bit as a full recompute.

Pure: numpy in, typed results out (``fits`` is the caller's own store).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BASELINES",
    "METRIC",
    "AreaForecast",
    "Backtest",
    "Fits",
    "Forecast",
    "backtest",
    "backtest_and_forecast",
    "forecast",
    "poisson_deviance",
]

Array = NDArray[np.float64]
#: Fits kept by the caller: coefficients by the fingerprint of the rows and the start they came from.
Fits = MutableMapping[bytes, Array]

#: The naive rules the model must beat.
BASELINES = ("last_week", "area_mean", "same_week_last_year")
METRIC = "mean_poisson_deviance"
_MIN_TRAIN = 26  # weeks of history before the first origin
_YEAR = 52
_T_SKILL = 2.0
#: The least gain over the best baseline that counts (a twentieth of its score).
_MARGIN = 0.05


def poisson_deviance(observed: Array, predicted: Array) -> Array:
    """The Poisson deviance of each prediction. Where some were observed, a prediction below 0.1
    is scored as 0.1: a naive rule that predicts none after a quiet week would otherwise be
    infinitely wrong. Where none were observed the deviance is twice the prediction, as it is."""
    y = observed
    mu = np.where(y > 0, np.maximum(predicted, 0.1), np.maximum(predicted, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return 2 * (term - (y - mu))


def _features(counts: Array, neighbours: Array, t: int, horizon: int, weeks_of_year: Array) -> Array:
    """The predictors known at the end of week ``t`` for week ``t + horizon``, one row per area."""
    areas = counts.shape[0]
    last = counts[:, t]
    m4 = counts[:, max(0, t - 3) : t + 1].mean(axis=1)
    m13 = counts[:, max(0, t - 12) : t + 1].mean(axis=1)
    mean = counts[:, : t + 1].mean(axis=1)
    near = neighbours @ m4
    back = t + horizon - _YEAR
    seasonal = counts[:, back] if back >= 0 else mean
    angle = 2 * math.pi * weeks_of_year[min(t + horizon, len(weeks_of_year) - 1)] / _YEAR
    columns = [
        np.ones(areas),
        np.log1p(last),
        np.log1p(m4),
        np.log1p(m13),
        np.log1p(near),
        np.log1p(seasonal),
        np.log1p(mean),
        np.full(areas, math.sin(angle)),
        np.full(areas, math.cos(angle)),
    ]
    return np.column_stack(columns)


def _window_mean(running: Array, origins: NDArray[np.int64], weeks: int) -> Array:
    """The mean of the ``weeks`` weeks up to each origin (fewer at the start), per area, from
    the running sums (``running[:, k]``: the sum of the first ``k`` weeks)."""
    begin = np.maximum(0, origins - (weeks - 1))
    return (running[:, origins + 1] - running[:, begin]) / (origins + 1 - begin)


def _features_of_origins(
    counts: Array, running: Array, neighbours: Array, origins: NDArray[np.int64], horizon: int, weeks_of_year: Array
) -> Array:
    """``_features`` of every origin, stacked origin by origin (each origin's rows one per area)."""
    areas = counts.shape[0]
    last = counts[:, origins]
    m4 = _window_mean(running, origins, 4)
    m13 = _window_mean(running, origins, 13)
    mean = running[:, origins + 1] / (origins + 1)
    near = neighbours @ m4
    back = origins + horizon - _YEAR
    seasonal = np.where(back >= 0, counts[:, np.maximum(back, 0)], mean)
    angle = 2 * math.pi * weeks_of_year[np.minimum(origins + horizon, len(weeks_of_year) - 1)] / _YEAR
    per_area = [np.log1p(v).T.ravel() for v in (last, m4, m13, near, seasonal, mean)]
    season = [np.repeat(np.sin(angle), areas), np.repeat(np.cos(angle), areas)]
    return np.column_stack([np.ones(len(origins) * areas), *per_area, *season])


def _fit(x: Array, y: Array, ridge: float = 1e-2, iterations: int = 50, start: Array | None = None) -> Array:
    """Poisson regression coefficients by IRLS (the intercept is not penalised). ``start``: the
    coefficients to begin from (the fit of a neighbouring problem, as the backtest's previous
    origin: the penalised likelihood has one optimum, so the answer is the same to the
    tolerance, in about three iterations instead of six)."""
    beta: Array = np.zeros(x.shape[1])
    if start is not None and np.all(np.isfinite(start)):
        beta = np.array(start, dtype=np.float64)
    else:
        beta[0] = math.log(max(float(y.mean()), 1e-3))
    penalty = np.eye(x.shape[1]) * ridge
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        eta = np.clip(x @ beta, -20, 10)
        mu = np.exp(eta)
        z = eta + (y - mu) / mu
        weighted = x * mu[:, None]
        updated: Array = np.asarray(np.linalg.solve(x.T @ weighted + penalty, weighted.T @ z), dtype=np.float64)
        if np.max(np.abs(updated - beta)) < 1e-7:
            return updated
        beta = updated
    return beta


def _predict(x: Array, beta: Array) -> Array:
    return np.exp(np.clip(x @ beta, -20, 10))


class _Rows:
    """The predictors and targets of every origin, per horizon, worked out once: what was known
    at an origin does not change with the origin a backtest stands at. Computed for all origins
    at once from running sums (the same values as ``_features`` of each origin: the counts are
    whole numbers, so the sums are exact)."""

    def __init__(self, counts: Array, neighbours: Array, weeks: Array, weeks_ahead: int) -> None:
        self.areas = counts.shape[0]
        self.by_horizon: dict[int, tuple[Array, Array]] = {}
        n_weeks = counts.shape[1]
        running = np.concatenate([np.zeros((self.areas, 1)), np.cumsum(counts, axis=1)], axis=1)
        for h in range(1, weeks_ahead + 1):
            origins = np.arange(3, n_weeks - h)
            if len(origins) == 0:
                self.by_horizon[h] = (np.zeros((0, 9)), np.zeros(0))
                continue
            x = _features_of_origins(counts, running, neighbours, origins, h, weeks)
            y = counts[:, origins + h].T.ravel()
            self.by_horizon[h] = (x, y)
        #: Per horizon, the fingerprints of the first 0, 1, 2 ... origins' rows, as far as asked.
        self._printed: dict[int, tuple[list[bytes], hashlib._Hash]] = {}

    def training(self, until: int, horizon: int) -> tuple[Array, Array]:
        """Rows for every origin whose target week is at most ``until``."""
        x, y = self.by_horizon[horizon]
        n = max(0, until - horizon - 2) * self.areas  # origins 3 .. until - horizon
        return x[:n], y[:n]

    def fingerprint(self, until: int, horizon: int) -> bytes:
        """A digest of ``training(until, horizon)``: its rows' bytes, hashed origin by origin (the
        same rows give the same digest whichever origin was asked first, in any history)."""
        x, y = self.by_horizon[horizon]
        origins = max(0, until - horizon - 2)
        digests, running = self._printed.setdefault(
            horizon, ([], hashlib.sha256(f"rows {self.areas} x {x.shape[1]}".encode()))
        )
        if not digests:
            digests.append(running.digest())
        while len(digests) <= origins:
            begin = (len(digests) - 1) * self.areas
            running.update(x[begin : begin + self.areas].tobytes())
            running.update(y[begin : begin + self.areas].tobytes())
            digests.append(running.digest())
        return digests[origins]

    def fit(self, until: int, horizon: int, start: Array | None, fits: Fits | None) -> Array:
        """``_fit`` of ``training(until, horizon)`` from ``start``, read from ``fits`` when it
        holds that fit (the same rows and start), else computed and put there."""
        x, y = self.training(until, horizon)
        if fits is None:
            return _fit(x, y, start=start)
        begun = b"cold" if start is None else np.asarray(start, dtype=np.float64).tobytes()
        key = hashlib.sha256(self.fingerprint(until, horizon) + begun).digest()
        kept = fits.get(key)
        if kept is not None:
            return kept.copy()
        beta = _fit(x, y, start=start)
        fits[key] = beta.copy()
        return beta


def _dispersion(x: Array, y: Array, beta: Array) -> float:
    """The negative-binomial alpha (variance mu + alpha mu^2) by moments; 0 for Poisson data."""
    mu = _predict(x, beta)
    excess = ((y - mu) ** 2 - mu).sum() / max((mu**2).sum(), 1e-9)
    return max(float(excess), 0.0)


def _quantile(mu: float, alpha: float, q: float) -> int:
    """The ``q`` quantile of a negative binomial (Poisson when ``alpha`` is 0) of mean ``mu``."""
    if mu <= 0:
        return 0
    if alpha <= 1e-9:
        p, k, total = math.exp(-mu), 0, math.exp(-mu)
        while total < q and k < 100_000:
            k += 1
            p *= mu / k
            total += p
        return k
    r = 1 / alpha
    prob = r / (r + mu)
    p = math.exp(r * math.log(prob))
    k, total = 0, p
    while total < q and k < 100_000:
        p *= (k + r) / (k + 1) * (1 - prob)
        k += 1
        total += p
    return k


@dataclass(frozen=True)
class AreaForecast:
    """One area's forecast: per week ahead, the expected count and an 80% interval."""

    area: str
    expected: tuple[float, ...]
    low: tuple[int, ...]
    high: tuple[int, ...]


@dataclass(frozen=True)
class Forecast:
    weeks_ahead: int
    areas: list[AreaForecast]
    dispersion: float


def _neighbour_matrix(areas: Sequence[str], neighbours: Mapping[str, Sequence[str]]) -> Array:
    index = {a: i for i, a in enumerate(areas)}
    m = np.zeros((len(areas), len(areas)))
    for a, near in neighbours.items():
        found = [index[n] for n in near if n in index and n != a]
        for j in found:
            m[index[a], j] = 1 / len(found)
    return m


def forecast(
    counts: Array,
    areas: Sequence[str],
    weeks_of_year: Sequence[int],
    neighbours: Mapping[str, Sequence[str]],
    weeks_ahead: int = 4,
    fits: Fits | None = None,
) -> Forecast:
    """The forecast after the last week of ``counts`` (areas x weeks) for 1..``weeks_ahead``
    (``fits``: see the module's notes)."""
    counts = np.asarray(counts, dtype=float)
    woy = _weeks_beyond(weeks_of_year, weeks_ahead)
    near = _neighbour_matrix(areas, neighbours)
    return _forecast(counts, areas, woy, near, _Rows(counts, near, woy, weeks_ahead), weeks_ahead, fits)


def _weeks_beyond(weeks_of_year: Sequence[int], weeks_ahead: int) -> Array:
    """The weeks of the year of the history and of the ``weeks_ahead`` weeks after it."""
    return np.asarray(list(weeks_of_year) + [(weeks_of_year[-1] + k) % _YEAR for k in range(1, weeks_ahead + 1)])


def _forecast(
    counts: Array, areas: Sequence[str], woy: Array, near: Array, rows: _Rows, weeks_ahead: int,
    fits: Fits | None,
) -> Forecast:  # fmt: skip
    n_weeks = counts.shape[1]
    expected = np.zeros((len(areas), weeks_ahead))
    alphas = []
    for h in range(1, weeks_ahead + 1):
        x, y = rows.training(n_weeks - 1, h)
        beta = rows.fit(n_weeks - 1, h, None, fits)
        alphas.append(_dispersion(x, y, beta))
        expected[:, h - 1] = _predict(_features(counts, near, n_weeks - 1, h, woy), beta)
    alpha = float(np.mean(alphas))
    out = [
        AreaForecast(
            a,
            tuple(round(float(v), 2) for v in expected[i]),
            tuple(_quantile(float(v), alpha, 0.1) for v in expected[i]),
            tuple(_quantile(float(v), alpha, 0.9) for v in expected[i]),
        )
        for i, a in enumerate(areas)
    ]
    return Forecast(weeks_ahead, out, alpha)


@dataclass(frozen=True)
class Backtest:
    """The replay's scores: ``scores`` by name ("model" and each baseline), lower is better."""

    metric: str
    scores: dict[str, float]
    mae: dict[str, float]
    best_baseline: str
    #: The paired t-statistic of the model's per-origin gain over the best baseline.
    t_statistic: float
    origins: int
    skill: bool
    reason: str = ""
    weeks: int = 0
    areas: int = 0
    extra: dict[str, float] = field(default_factory=dict)


def _baseline(name: str, counts: Array, t: int, h: int) -> Array | None:
    found: Array
    if name == "last_week":
        found = counts[:, t]
    elif name == "area_mean":
        found = counts[:, : t + 1].mean(axis=1)
    elif t + h - _YEAR >= 0:
        found = counts[:, t + h - _YEAR]
    else:
        return None
    return found


def backtest(
    counts: Array,
    areas: Sequence[str],
    weeks_of_year: Sequence[int],
    neighbours: Mapping[str, Sequence[str]],
    weeks_ahead: int = 4,
    origins: int = 26,
    fits: Fits | None = None,
) -> Backtest:
    """Replay the last ``origins`` weeks (as many as the history allows after 26 weeks of
    training): fit on what was known at each origin, score weeks 1..``weeks_ahead`` after
    (``fits``: see the module's notes)."""
    counts = np.asarray(counts, dtype=float)
    woy = np.asarray(list(weeks_of_year))
    return _backtest(counts, areas, woy, _neighbour_matrix(areas, neighbours), None, weeks_ahead, origins, fits)


def backtest_and_forecast(
    counts: Array,
    areas: Sequence[str],
    weeks_of_year: Sequence[int],
    neighbours: Mapping[str, Sequence[str]],
    weeks_ahead: int = 4,
    fits: Fits | None = None,
) -> tuple[Backtest, Forecast]:
    """``backtest`` and ``forecast`` of the same history (of more than 8 weeks), the predictors
    of every origin built once for both: no origin's rows reach past the history, so they are
    the same rows in both (the same answers as the two called one after the other)."""
    counts = np.asarray(counts, dtype=float)
    woy = _weeks_beyond(weeks_of_year, weeks_ahead)
    near = _neighbour_matrix(areas, neighbours)
    rows = _Rows(counts, near, woy, weeks_ahead)
    tested = _backtest(counts, areas, woy[: counts.shape[1]], near, rows, weeks_ahead, 26, fits)
    return tested, _forecast(counts, areas, woy, near, rows, weeks_ahead, fits)


def _backtest(
    counts: Array, areas: Sequence[str], woy: Array, near: Array, rows: _Rows | None, weeks_ahead: int,
    origins: int, fits: Fits | None,
) -> Backtest:  # fmt: skip
    n_weeks = counts.shape[1]
    first = max(_MIN_TRAIN, n_weeks - weeks_ahead - origins)
    last_origin = n_weeks - weeks_ahead - 1
    if len(areas) == 0 or last_origin < first:
        empty = dict.fromkeys(("model", *BASELINES), math.nan)
        reason = f"too little history: {n_weeks} weeks, the backtest needs {_MIN_TRAIN + weeks_ahead + 1}"
        return Backtest(METRIC, empty, dict(empty), "", math.nan, 0, False, reason, n_weeks, len(areas))
    seasonal = first + 1 - _YEAR >= 0  # the same week last year exists from the first origin on
    names = ("model", *(b for b in BASELINES if b != "same_week_last_year" or seasonal))
    losses: dict[str, list[Array]] = {n: [] for n in names}
    errors: dict[str, list[Array]] = {n: [] for n in names}
    per_origin: dict[str, list[float]] = {n: [] for n in names}
    rows = rows or _Rows(counts, near, woy, weeks_ahead)
    fitted: dict[int, Array] = {}  # each horizon's fit at the origin before: where the next begins
    for t in range(first, last_origin + 1):
        origin_loss: dict[str, list[Array]] = {n: [] for n in names}
        for h in range(1, weeks_ahead + 1):
            beta = fitted[h] = rows.fit(t, h, fitted.get(h), fits)
            actual = counts[:, t + h]
            predictions = {"model": _predict(_features(counts, near, t, h, woy), beta)}
            for b in names[1:]:
                found = _baseline(b, counts, t, h)
                assert found is not None
                predictions[b] = found
            for n, p in predictions.items():
                d = poisson_deviance(actual, p)
                losses[n].append(d)
                errors[n].append(np.abs(actual - p))
                origin_loss[n].append(d)
        for n in names:
            per_origin[n].append(float(np.concatenate(origin_loss[n]).mean()))
    scores = {n: round(float(np.concatenate(losses[n]).mean()), 4) for n in names}
    mae = {n: round(float(np.concatenate(errors[n]).mean()), 4) for n in names}
    best = min(names[1:], key=lambda n: scores[n])
    gains = np.asarray(per_origin[best]) - np.asarray(per_origin["model"])
    spread = float(gains.std(ddof=1)) if len(gains) > 1 else 0.0
    t_stat = float(gains.mean() / (spread / math.sqrt(len(gains)))) if spread > 0 else 0.0
    skill = scores["model"] <= scores[best] * (1 - _MARGIN) and t_stat >= _T_SKILL
    if skill:
        reason = f"the model beats {best} at {len(gains)} origins (t = {t_stat:.1f})"
    else:
        reason = f"the model does not beat {best} reliably (t = {t_stat:.1f}, needs {_T_SKILL:g})"
    return Backtest(METRIC, scores, mae, best, round(t_stat, 2), len(gains), skill, reason, n_weeks, len(areas))
