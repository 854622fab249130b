"""Small, well-tested statistics for reading a single-arm lupus trial.

Every function is pure: it takes numbers or a table and returns a frozen
dataclass or a new :class:`pandas.DataFrame`, computed with a maintained
library (:mod:`statsmodels`, :mod:`scipy`) wherever one exists. Rounding is
left to the caller (the plots, reports and notebooks).

* :func:`proportion_ci` and :func:`response_proportions`: a response rate with
  its Wilson or exact (Clopper-Pearson) confidence interval.
* :func:`paired_change`: the change in a marker between two visits in the same
  patients, with a Wilcoxon signed-rank or paired t-test.
* :func:`kaplan_meier`: time to relapse or death, with a pointwise interval.
* :func:`sample_size_two_proportions` and :func:`power_two_proportions`: how
  many patients a randomised trial comparing two response rates would need.
* :func:`regression_to_mean_simulation`, :func:`summarise_regression` and
  :func:`expected_regression`: why patients chosen for a high score improve
  even when nothing is done.

Examples
--------
>>> from lupus_teach.stats import proportion_ci
>>> ci = proportion_ci(13, 40)
>>> print(f"{ci.proportion:.1%} (95% CI {ci.lower:.1%} to {ci.upper:.1%})")
32.5% (95% CI 20.1% to 48.0%)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_confint, proportion_effectsize

from lupus_teach.errors import NotEnoughDataError, StatsInputError, UnknownNameError

__all__ = [
    "CI_METHODS",
    "PAIRED_TESTS",
    "NotEnoughDataError",
    "PairedChange",
    "ProportionCI",
    "RegressionToMean",
    "StatsInputError",
    "expected_regression",
    "kaplan_meier",
    "paired_change",
    "paired_change_table",
    "power_two_proportions",
    "proportion_ci",
    "regression_to_mean_simulation",
    "response_proportions",
    "sample_size_two_proportions",
    "summarise_regression",
]


#: Confidence-interval methods by name, mapped to statsmodels' names.
CI_METHODS: dict[str, str] = {"wilson": "wilson", "exact": "beta"}

#: Paired tests by name.
PAIRED_TESTS: tuple[str, ...] = ("wilcoxon", "t")


def _check_level(level: float) -> float:
    if not 0 < float(level) < 1:
        raise StatsInputError(
            f"level={level!r} is not a confidence level; give a number between 0 and 1, "
            "such as 0.95 for a 95% interval."
        )
    return float(level)


def _check_method(method: str) -> str:
    if method not in CI_METHODS:
        raise UnknownNameError(
            "confidence-interval method",
            method,
            CI_METHODS,
            "'wilson' suits teaching and small samples; 'exact' is Clopper-Pearson.",
        )
    return CI_METHODS[method]


def _whole_number(value: object, name: str) -> int:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise StatsInputError(f"{name}={value!r} is not a number; give a whole count.") from None
    if not number.is_integer():
        raise StatsInputError(f"{name}={value!r} is not a whole number; counts are whole.")
    return int(number)


# --------------------------------------------------------------------------
# Proportions
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProportionCI:
    """A proportion with its confidence interval.

    Attributes
    ----------
    successes, n : int
        Patients with the outcome, and patients in all.
    proportion : float
        ``successes / n``.
    lower, upper : float
        The interval's limits, between 0 and 1.
    method : str
        ``"wilson"`` or ``"exact"``.
    level : float
        Confidence level, 0.95 for a 95% interval.
    """

    successes: int
    n: int
    proportion: float
    lower: float
    upper: float
    method: str
    level: float = 0.95


def proportion_ci(
    successes: int, n: int, method: str = "wilson", level: float = 0.95
) -> ProportionCI:
    """A proportion with its Wilson or exact (Clopper-Pearson) confidence interval.

    Parameters
    ----------
    successes : int
        Number of patients with the outcome (for example a major clinical response).
    n : int
        Number of patients in all; at least 1.
    method : {"wilson", "exact"}
        ``"wilson"`` is the Wilson score interval; ``"exact"`` is the
        Clopper-Pearson interval from the beta distribution (statsmodels'
        ``method="beta"``), which never undercovers but is wider.
    level : float
        Confidence level; 0.95 for a 95% interval.

    Returns
    -------
    ProportionCI

    Raises
    ------
    StatsInputError
        If the counts are not whole numbers, ``n < 1`` or ``successes`` is
        outside ``0..n``.
    UnknownNameError
        For an unknown ``method``.

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical
    inference. J Am Stat Assoc 1927;22:209-212.

    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated
    in the case of the binomial. Biometrika 1934;26:404-413.

    Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion.
    Stat Sci 2001;16:101-133.

    Examples
    --------
    >>> ci = proportion_ci(13, 40, method="exact")
    >>> round(ci.proportion, 3), round(ci.lower, 3), round(ci.upper, 3)
    (0.325, 0.186, 0.491)
    >>> proportion_ci(41, 40)
    Traceback (most recent call last):
    ...
    lupus_teach.errors.StatsInputError: successes=41 is more than n=40; ...
    """
    sm_method = _check_method(method)
    level = _check_level(level)
    k = _whole_number(successes, "successes")
    total = _whole_number(n, "n")
    if total < 1:
        raise NotEnoughDataError(
            f"n={n!r}: a proportion needs at least one patient; check the table is not empty."
        )
    if k < 0:
        raise StatsInputError(f"successes={successes!r} is negative; counts start at 0.")
    if k > total:
        raise StatsInputError(
            f"successes={successes!r} is more than n={n!r}; the count of patients with the "
            "outcome cannot exceed the number of patients."
        )
    lower, upper = proportion_confint(k, total, alpha=1 - level, method=sm_method)
    # guard against floating-point noise at the edges (e.g. 1.0000000000000002)
    lower = min(max(float(lower), 0.0), k / total)
    upper = max(min(float(upper), 1.0), k / total)
    return ProportionCI(k, total, k / total, lower, upper, method, level)


def response_proportions(
    table: pd.DataFrame,
    column: str = "response",
    categories: Sequence[str] | None = None,
    method: str = "wilson",
    level: float = 0.95,
) -> pd.DataFrame:
    """Count each category of a column and give its proportion with a confidence interval.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per patient.
    column : str
        The column holding each patient's category (for example ``"MCR"``,
        ``"PCR"``, ``"none"``).
    categories : sequence of str, optional
        Categories to report, in this order; a listed category that nobody has
        gets a count of 0. By default the column's categories if it is
        categorical, otherwise its distinct values in sorted order.
    method : {"wilson", "exact"}
        Interval method, see :func:`proportion_ci`.
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per category with columns ``category``, ``count``, ``n``,
        ``proportion``, ``lower``, ``upper``. ``n`` is the number of rows with
        a value in ``column`` (missing values are left out of every
        denominator), so proportions are of all patients with a known
        category, including categories not listed in ``categories``.

    Raises
    ------
    UnknownNameError
        If ``column`` is not in the table.
    NotEnoughDataError
        If the column has no values.

    References
    ----------
    Wang D, Li J, Zhang Y, et al. Umbilical cord mesenchymal stem cell
    transplantation in active and refractory systemic lupus erythematosus: a
    multicenter clinical study. Arthritis Res Ther 2014;16:R79.

    Examples
    --------
    >>> import pandas as pd
    >>> cohort = pd.DataFrame({"response": ["MCR"] * 13 + ["PCR"] * 11 + ["none"] * 16})
    >>> out = response_proportions(cohort, categories=["MCR", "PCR", "none"])
    >>> out[["category", "count", "n"]].to_string(index=False)
    'category  count  n\\n     MCR     13 40\\n     PCR     11 40\\n    none     16 40'
    >>> print(out.round(3).loc[0, ["proportion", "lower", "upper"]].tolist())
    [0.325, 0.201, 0.48]
    """
    if column not in table.columns:
        raise UnknownNameError("column of the table", column, [str(c) for c in table.columns])
    values = table[column].dropna()
    if len(values) == 0:
        raise NotEnoughDataError(
            f"column {column!r} has no values; every patient's {column} is missing."
        )
    if categories is None:
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = list(values.cat.categories)
        else:
            categories = sorted(values.unique(), key=str)
    counts = values.value_counts()
    rows = []
    for category in categories:
        count = int(counts.get(category, 0))
        ci = proportion_ci(count, len(values), method=method, level=level)
        rows.append(
            {
                "category": category,
                "count": count,
                "n": ci.n,
                "proportion": ci.proportion,
                "lower": ci.lower,
                "upper": ci.upper,
            }
        )
    return pd.DataFrame(rows, columns=["category", "count", "n", "proportion", "lower", "upper"])


# --------------------------------------------------------------------------
# Paired change
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PairedChange:
    """The change in a measurement between two visits in the same patients.

    Attributes
    ----------
    n : int
        Pairs used (both values present).
    n_dropped : int
        Pairs left out because a value was missing.
    mean_before, mean_after, mean_change : float
        Means over the pairs used; ``mean_change = mean_after - mean_before``.
    sd_change : float
        Standard deviation of the changes (``ddof=1``).
    statistic, p_value : float
        The test's statistic (W for Wilcoxon, t for the t-test) and two-sided
        p-value.
    test : str
        ``"wilcoxon"`` or ``"t"``.
    """

    n: int
    mean_before: float
    mean_after: float
    mean_change: float
    sd_change: float
    statistic: float
    p_value: float
    test: str
    n_dropped: int = 0


def paired_change(
    before: Iterable[float], after: Iterable[float], test: str = "wilcoxon"
) -> PairedChange:
    """Test the change in a marker between two visits in the same patients.

    Parameters
    ----------
    before, after : sequences of float
        The marker in each patient at the earlier and later visit, in the same
        patient order. A pair with a missing value (``NaN`` or ``None``) in
        either is left out and counted in ``n_dropped``.
    test : {"wilcoxon", "t"}
        The Wilcoxon signed-rank test (no assumption of normality; suits small
        samples and skewed markers such as proteinuria) or the paired t-test.

    Returns
    -------
    PairedChange

    Raises
    ------
    NotEnoughDataError
        If fewer than 2 complete pairs remain.
    StatsInputError
        If the two sequences differ in length, or the t-test is asked for when
        every patient changed by exactly the same non-zero amount.
    UnknownNameError
        For an unknown ``test``.

    Notes
    -----
    When every change is exactly zero, the statistic is 0 and the p-value 1
    (no evidence of change) for both tests.

    References
    ----------
    Wilcoxon F. Individual comparisons by ranking methods. Biometrics Bulletin
    1945;1:80-83. Computed with :func:`scipy.stats.wilcoxon` and
    :func:`scipy.stats.ttest_rel`.

    Examples
    --------
    >>> result = paired_change([3.1, 2.4, 5.0, 1.2, None], [1.0, 0.9, 2.2, 1.1, 0.4])
    >>> result.n, result.n_dropped, round(result.mean_change, 2), round(result.p_value, 3)
    (4, 1, -1.62, 0.125)
    >>> paired_change([1.0, None], [2.0, 3.0])
    Traceback (most recent call last):
    ...
    lupus_teach.errors.NotEnoughDataError: only 1 patient has both values ...
    """
    if test not in PAIRED_TESTS:
        raise UnknownNameError(
            "paired test", test, PAIRED_TESTS,
            "'wilcoxon' makes no assumption of normality; 't' is the paired t-test.",
        )
    b = pd.to_numeric(pd.Series(list(before), dtype=object), errors="coerce").to_numpy(float)
    a = pd.to_numeric(pd.Series(list(after), dtype=object), errors="coerce").to_numpy(float)
    if len(a) != len(b):
        raise StatsInputError(
            f"before has {len(b)} values and after has {len(a)}; give one value per patient "
            "in both, in the same patient order (use NaN for a missing value)."
        )
    complete = np.isfinite(a) & np.isfinite(b)
    n, dropped = int(complete.sum()), int((~complete).sum())
    if n < 2:
        noun = "patient has" if n == 1 else "patients have"
        raise NotEnoughDataError(
            f"only {n} {noun} both values ({dropped} pairs had a missing value); a paired "
            "test needs at least 2 patients measured at both visits."
        )
    b, a = b[complete], a[complete]
    diff = a - b
    sd = float(np.std(diff, ddof=1))
    if np.all(diff == 0):
        statistic, p_value = 0.0, 1.0
    elif test == "t":
        if np.ptp(diff) == 0:
            raise StatsInputError(
                "every patient changed by exactly the same amount, so the changes have no "
                "spread and a t-test cannot be computed; use test='wilcoxon'."
            )
        res = sps.ttest_rel(a, b)
        statistic, p_value = float(res.statistic), float(res.pvalue)
    else:
        res = sps.wilcoxon(a, b)
        statistic, p_value = float(res.statistic), float(res.pvalue)
    return PairedChange(
        n=n,
        mean_before=float(b.mean()),
        mean_after=float(a.mean()),
        mean_change=float(diff.mean()),
        sd_change=sd,
        statistic=statistic,
        p_value=p_value,
        test=test,
        n_dropped=dropped,
    )


# --------------------------------------------------------------------------
# Kaplan-Meier
# --------------------------------------------------------------------------


def paired_change_table(
    markers: pd.DataFrame,
    names: Sequence[str] | None = None,
    months: Sequence[float] | None = None,
    baseline: float = 0,
    test: str = "wilcoxon",
) -> pd.DataFrame:
    """Paired change from baseline for several markers and months, one row each.

    Parameters
    ----------
    markers : DataFrame
        Long table with columns ``patient_id``, ``month``, ``marker``, ``value``.
    names : sequence of str, optional
        Markers to test (default: every marker in the table, in order of appearance).
    months : sequence of numbers, optional
        Months to compare with ``baseline`` (default: every later month present).
    baseline : number
        The month every change is measured from (default 0).
    test : {"wilcoxon", "t"}
        Passed to :func:`paired_change`.

    Returns
    -------
    DataFrame
        Columns ``marker``, ``month`` and the fields of :class:`PairedChange`.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"patient_id": ["a", "b", "c"] * 2, "month": [0] * 3 + [6] * 3,
    ...                      "marker": "c3", "value": [0.5, 0.6, 0.7, 0.8, 0.9, 0.9]})
    >>> table = paired_change_table(long, test="t")
    >>> table[["marker", "month", "n"]].values.tolist()
    [['c3', 6, 3]]
    >>> round(float(table.loc[0, "mean_change"]), 3)
    0.267
    """
    chosen = list(names) if names is not None else list(pd.unique(markers["marker"]))
    rows = []
    for name in chosen:
        wide = markers[markers["marker"] == name].pivot_table(
            index="patient_id", columns="month", values="value", aggfunc="first"
        )
        if baseline not in wide.columns:
            raise NotEnoughDataError(f"marker {name!r} has no values at month {baseline}.")
        later = months if months is not None else [m for m in wide.columns if m > baseline]
        for month in later:
            if month not in wide.columns:
                raise NotEnoughDataError(f"marker {name!r} has no values at month {month}.")
            result = paired_change(wide[baseline], wide[month], test=test)
            rows.append({"marker": name, "month": month, **dataclasses.asdict(result)})
    return pd.DataFrame(rows)


def kaplan_meier(
    time: Iterable[float], event: Iterable[bool | int], level: float = 0.95
) -> pd.DataFrame:
    """Kaplan-Meier estimate of the probability of staying free of an event.

    Parameters
    ----------
    time : sequence of float
        Follow-up time of each patient (for example months from the first
        infusion to relapse, death or last visit); ``>= 0``.
    event : sequence of bool or 0/1
        True (1) if the event happened at ``time``; False (0) if the patient
        was censored (still event-free when last seen).
    level : float
        Confidence level of the pointwise interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``time``, ``at_risk``, ``events``, ``censored``, ``survival``,
        ``lower``, ``upper``. The first row is the start, time 0, with every
        patient at risk and survival 1; then one row per distinct observed time
        (event or censoring), where ``survival`` is the estimate just after
        that time. The interval is the pointwise log-log ("exponential
        Greenwood") interval from the Greenwood standard error; it is [1, 1]
        before the first event.

    Raises
    ------
    StatsInputError
        If lengths differ, a time is negative or missing, or an event flag is
        not 0/1.
    NotEnoughDataError
        If there are no patients.

    References
    ----------
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
    J Am Stat Assoc 1958;53:457-481.

    Klein JP, Moeschberger ML. Survival Analysis: Techniques for Censored and
    Truncated Data, 2nd ed. Springer, 2003; section 4.2. Computed with
    :class:`statsmodels.duration.survfunc.SurvfuncRight`.

    Examples
    --------
    >>> km = kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
    >>> print(km[["time", "at_risk", "events", "censored"]].to_string(index=False))
     time  at_risk  events  censored
      0.0        5       0         0
      2.0        5       1         0
      3.0        4       1         1
      5.0        2       1         0
      8.0        1       0         1
    >>> print(km["survival"].round(3).tolist())
    [1.0, 0.8, 0.6, 0.3, 0.3]
    """
    level = _check_level(level)
    t = pd.to_numeric(pd.Series(list(time), dtype=object), errors="coerce").to_numpy(float)
    e_raw = pd.Series(list(event), dtype=object)
    if len(t) != len(e_raw):
        raise StatsInputError(
            f"time has {len(t)} values and event has {len(e_raw)}; give one of each per patient."
        )
    if len(t) == 0:
        raise NotEnoughDataError("no patients: time and event are empty.")
    if not np.all(np.isfinite(t)):
        raise StatsInputError(
            "a follow-up time is missing or not a number; every patient needs a time "
            "(the time of the event, or of the last visit if censored)."
        )
    if np.any(t < 0):
        raise StatsInputError("a follow-up time is negative; times count from the start (0).")
    e_num = pd.to_numeric(e_raw.map(lambda v: int(v) if isinstance(v, bool | np.bool_) else v),
                          errors="coerce").to_numpy(float)
    if not np.all(np.isin(e_num, [0.0, 1.0])):
        raise StatsInputError(
            "event flags must be 1/True (event happened) or 0/False (censored)."
        )
    e = e_num.astype(int)
    sf = SurvfuncRight(t, e)
    times = np.unique(t)
    at_risk = np.array([(t >= u).sum() for u in times])
    events = np.array([((t == u) & (e == 1)).sum() for u in times])
    censored = np.array([((t == u) & (e == 0)).sum() for u in times])
    surv = np.ones(len(times))
    se = np.zeros(len(times))
    surv_times = np.asarray(sf.surv_times, float)
    for i, u in enumerate(times):
        pos = np.searchsorted(surv_times, u, side="right") - 1
        if pos >= 0:
            surv[i] = sf.surv_prob[pos]
            se[i] = sf.surv_prob_se[pos]
    lower, upper = _loglog_interval(surv, se, level)
    out = pd.DataFrame(
        {
            "time": np.concatenate([[0.0], times]),
            "at_risk": np.concatenate([[len(t)], at_risk]).astype("int64"),
            "events": np.concatenate([[0], events]).astype("int64"),
            "censored": np.concatenate([[0], censored]).astype("int64"),
            "survival": np.concatenate([[1.0], surv]),
            "lower": np.concatenate([[1.0], lower]),
            "upper": np.concatenate([[1.0], upper]),
        }
    )
    return out


def _loglog_interval(
    surv: np.ndarray, se: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log(-log S) interval (Kalbfleisch & Prentice) from Greenwood's SE."""
    z = sps.norm.ppf(0.5 + level / 2)
    lower, upper = surv.copy(), surv.copy()
    inner = (surv > 0) & (surv < 1)
    s = surv[inner]
    log_s = np.log(s)
    sigma = se[inner] / (s * np.abs(log_s))
    # S ** exp(+z sigma) is the lower limit, S ** exp(-z sigma) the upper
    lower[inner] = s ** np.exp(z * sigma)
    upper[inner] = s ** np.exp(-z * sigma)
    return lower, upper


# --------------------------------------------------------------------------
# Power and sample size
# --------------------------------------------------------------------------


def _check_p(p: float, name: str) -> float:
    if not 0 < float(p) < 1:
        raise StatsInputError(
            f"{name}={p!r} is not a proportion strictly between 0 and 1 (e.g. 0.3 for 30%)."
        )
    return float(p)


def _check_alpha_power(alpha: float, power: float | None = None) -> None:
    if not 0 < float(alpha) < 1:
        raise StatsInputError(f"alpha={alpha!r} must be between 0 and 1, usually 0.05.")
    if power is not None and not 0 < float(power) < 1:
        raise StatsInputError(f"power={power!r} must be between 0 and 1, usually 0.8 or 0.9.")


def sample_size_two_proportions(
    p1: float, p2: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> int:
    """Patients needed per group to compare two response proportions.

    Uses the normal approximation on Cohen's arcsine effect size
    ``h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2))`` with a two-sided test.

    Parameters
    ----------
    p1, p2 : float
        Expected response proportions in the two groups (for example control
        and treatment), strictly between 0 and 1 and different.
    alpha : float
        Two-sided significance level.
    power : float
        Probability of detecting the difference if it is real.
    ratio : float
        Size of group 2 relative to group 1 (1 = equal groups).

    Returns
    -------
    int
        Patients in group 1, rounded up; group 2 needs ``ceil(ratio * n)``.

    Raises
    ------
    StatsInputError
        For proportions outside (0, 1), equal proportions, or alpha/power
        outside (0, 1).

    References
    ----------
    Cohen J. Statistical Power Analysis for the Behavioral Sciences, 2nd ed.
    Lawrence Erlbaum, 1988; chapter 6. Computed with
    :class:`statsmodels.stats.power.NormalIndPower` and
    :func:`statsmodels.stats.proportion.proportion_effectsize`.

    Examples
    --------
    >>> sample_size_two_proportions(0.3, 0.6)
    42
    >>> sample_size_two_proportions(0.3, 0.6, power=0.9)
    56
    """
    effect = _effect_size(p1, p2)
    _check_alpha_power(alpha, power)
    if not float(ratio) > 0:
        raise StatsInputError(f"ratio={ratio!r} must be a positive number (1 = equal groups).")
    n = NormalIndPower().solve_power(
        effect_size=effect, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return math.ceil(float(np.asarray(n).item()) - 1e-9)


def power_two_proportions(
    p1: float, p2: float, n_per_group: float, alpha: float = 0.05, ratio: float = 1.0
) -> float:
    """Power of a two-sided comparison of two proportions with ``n_per_group`` patients.

    Parameters
    ----------
    p1, p2 : float
        Expected response proportions in the two groups.
    n_per_group : float
        Patients in group 1 (group 2 has ``ratio * n_per_group``).
    alpha : float
        Two-sided significance level.
    ratio : float
        Size of group 2 relative to group 1.

    Returns
    -------
    float
        The probability of a significant result if the proportions are as given.

    References
    ----------
    Cohen J. Statistical Power Analysis for the Behavioral Sciences, 2nd ed.
    Lawrence Erlbaum, 1988; chapter 6.

    Examples
    --------
    >>> round(power_two_proportions(0.3, 0.6, 42), 2)
    0.8
    >>> round(power_two_proportions(0.3, 0.6, 20), 2)
    0.49
    """
    effect = _effect_size(p1, p2)
    _check_alpha_power(alpha)
    if not float(n_per_group) > 1:
        raise StatsInputError(
            f"n_per_group={n_per_group!r}: each group needs more than 1 patient."
        )
    power = NormalIndPower().power(
        effect_size=effect, nobs1=n_per_group, alpha=alpha, ratio=ratio,
        alternative="two-sided",
    )
    return float(np.asarray(power).item())


def _effect_size(p1: float, p2: float) -> float:
    p1, p2 = _check_p(p1, "p1"), _check_p(p2, "p2")
    if p1 == p2:
        raise StatsInputError(
            "p1 and p2 are equal; a trial cannot be powered to detect no difference. "
            "Give the response proportion you expect in each group."
        )
    return abs(float(proportion_effectsize(p1, p2)))


# --------------------------------------------------------------------------
# Regression to the mean
# --------------------------------------------------------------------------


def regression_to_mean_simulation(
    n_patients: int = 200,
    true_mean: float = 8.0,
    between_sd: float = 3.0,
    within_sd: float = 3.0,
    entry_threshold: float = 12.0,
    seed: int = 0,
    keep_all: bool = False,
) -> pd.DataFrame:
    """Simulate an untreated cohort screened on a noisy activity score.

    Each patient has a stable true disease activity, drawn from
    ``Normal(true_mean, between_sd)``. The score measured at screening and again
    at follow-up is the true activity plus independent measurement and
    day-to-day noise ``Normal(0, within_sd)``. Nothing changes the true activity
    between the visits: there is **no treatment effect**. Patients enter the
    "trial" when their screening score is at least ``entry_threshold``; their
    mean follow-up score is nevertheless lower, because many were selected on
    a high, unlucky reading.

    Parameters
    ----------
    n_patients : int
        Patients screened.
    true_mean, between_sd : float
        Mean and spread of true activity among the patients screened.
    within_sd : float
        Spread of one measurement around a patient's true activity.
    entry_threshold : float
        Entry requires a screening score at least this high.
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same
        cohort.
    keep_all : bool
        Also return the patients screened but not selected.

    Returns
    -------
    pandas.DataFrame
        Columns ``patient``, ``true_activity``, ``screening``, ``follow_up``,
        ``change`` (follow-up minus screening) and ``selected``; one row per
        selected patient (all screened patients if ``keep_all``).

    Raises
    ------
    StatsInputError
        For fewer than 1 patient or a negative spread.

    References
    ----------
    Barnett AG, van der Pols JC, Dobson AJ. Regression to the mean: what it is
    and how to deal with it. Int J Epidemiol 2005;34:215-220.

    Examples
    --------
    >>> sim = regression_to_mean_simulation(n_patients=1000, seed=1)
    >>> bool((sim["screening"] >= 12).all()), bool(sim["change"].mean() < 0)
    (True, True)
    """
    n = _whole_number(n_patients, "n_patients")
    if n < 1:
        raise StatsInputError(f"n_patients={n_patients!r}: screen at least 1 patient.")
    if between_sd < 0 or within_sd < 0:
        raise StatsInputError("between_sd and within_sd are spreads and cannot be negative.")
    rng = np.random.default_rng(seed)
    true = rng.normal(true_mean, between_sd, n)
    screening = true + rng.normal(0.0, within_sd, n)
    follow_up = true + rng.normal(0.0, within_sd, n)
    out = pd.DataFrame(
        {
            "patient": np.arange(1, n + 1),
            "true_activity": true,
            "screening": screening,
            "follow_up": follow_up,
            "change": follow_up - screening,
            "selected": screening >= entry_threshold,
        }
    )
    if not keep_all:
        out = out[out["selected"]].reset_index(drop=True)
    out.attrs["entry_threshold"] = float(entry_threshold)
    return out


@dataclass(frozen=True)
class RegressionToMean:
    """Mean scores of the selected patients at screening and follow-up.

    Attributes
    ----------
    mean_screening, mean_follow_up : float
        Mean score of the selected patients at each visit.
    apparent_change : float
        ``mean_follow_up - mean_screening``: negative means an apparent
        improvement that no treatment caused.
    fraction_selected : float
        Share of screened patients who met the entry threshold.
    n_selected : int or None
        Selected patients (``None`` for the theoretical expectation).
    """

    mean_screening: float
    mean_follow_up: float
    apparent_change: float
    fraction_selected: float
    n_selected: int | None = None


def summarise_regression(sim: pd.DataFrame) -> RegressionToMean:
    """Summarise a :func:`regression_to_mean_simulation` result (selected patients only).

    Examples
    --------
    >>> sim = regression_to_mean_simulation(n_patients=20000, seed=3, keep_all=True)
    >>> s = summarise_regression(sim)
    >>> round(s.apparent_change)
    -3
    """
    selected = sim[sim["selected"]] if "selected" in sim else sim
    if len(selected) == 0:
        raise NotEnoughDataError(
            "no patient met the entry threshold; lower entry_threshold or screen more patients."
        )
    screening = float(selected["screening"].mean())
    follow_up = float(selected["follow_up"].mean())
    return RegressionToMean(
        mean_screening=screening,
        mean_follow_up=follow_up,
        apparent_change=follow_up - screening,
        fraction_selected=len(selected) / len(sim),
        n_selected=len(selected),
    )


def expected_regression(
    true_mean: float = 8.0,
    between_sd: float = 3.0,
    within_sd: float = 3.0,
    entry_threshold: float = 12.0,
) -> RegressionToMean:
    """The theoretical means that :func:`regression_to_mean_simulation` approaches.

    The screening score is normal with mean ``true_mean`` and standard
    deviation ``s = sqrt(between_sd**2 + within_sd**2)``. Among patients with a
    score of at least ``c``, the mean screening score is that of a truncated
    normal, ``true_mean + s * phi(a) / (1 - Phi(a))`` with
    ``a = (c - true_mean) / s``; the mean follow-up score moves back towards
    ``true_mean`` by the reliability ``r = between_sd**2 / s**2``.

    Parameters
    ----------
    true_mean, between_sd, within_sd, entry_threshold : float
        As for :func:`regression_to_mean_simulation`.

    Returns
    -------
    RegressionToMean
        With ``n_selected=None``.

    References
    ----------
    Barnett AG, van der Pols JC, Dobson AJ. Regression to the mean: what it is
    and how to deal with it. Int J Epidemiol 2005;34:215-220 (equation 1).

    Examples
    --------
    >>> e = expected_regression(true_mean=8, between_sd=3, within_sd=3, entry_threshold=12)
    >>> print(round(e.mean_screening, 2), round(e.mean_follow_up, 2), round(e.apparent_change, 2))
    14.28 11.14 -3.14
    """
    if between_sd < 0 or within_sd < 0:
        raise StatsInputError("between_sd and within_sd are spreads and cannot be negative.")
    total_sd = math.hypot(between_sd, within_sd)
    if total_sd == 0:
        raise StatsInputError("between_sd and within_sd are both 0; the scores do not vary.")
    a = (entry_threshold - true_mean) / total_sd
    tail = float(sps.norm.sf(a))
    if tail == 0:
        raise NotEnoughDataError(
            "practically nobody reaches the entry threshold; lower entry_threshold."
        )
    mean_screening = true_mean + total_sd * float(sps.norm.pdf(a)) / tail
    reliability = between_sd**2 / total_sd**2
    mean_follow_up = true_mean + reliability * (mean_screening - true_mean)
    return RegressionToMean(
        mean_screening=mean_screening,
        mean_follow_up=mean_follow_up,
        apparent_change=mean_follow_up - mean_screening,
        fraction_selected=tail,
        n_selected=None,
    )
