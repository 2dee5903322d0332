"""Line searches along a descent direction: strong Wolfe (bracketing and zoom) and Armijo backtracking.

Both take ``evaluate(step) -> (value, derivative)``, the objective and its directional derivative at
``x + step * direction``; the caller keeps whatever else an evaluation produced (the gradient). Written
after Nocedal & Wright, *Numerical Optimization*, algorithms 3.1, 3.5 and 3.6, with cubic interpolation.

References
----------
DL 4.3 (gradient-based optimization; line search), DL 8.6.2 (line searches of conjugate gradients).
"""
import collections
import math

__all__ = ["LineSearchResult", "strong_wolfe", "backtracking"]

#: ``step`` accepted (the best found when ``success`` is False), its ``value`` and ``derivative``.
LineSearchResult = collections.namedtuple("LineSearchResult", "step value derivative evaluations success")


def _cubic_minimizer(a, fa, da, b, fb, db):
    """Minimizer of the cubic through (a, fa, da) and (b, fb, db), or None when it has none."""
    if a == b:
        return None
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if radicand < 0:
        return None
    d2 = math.copysign(math.sqrt(radicand), b - a)
    denominator = db - da + 2.0 * d2
    if denominator == 0:
        return None
    return b - (b - a) * (db + d2 - d1) / denominator


def strong_wolfe(evaluate, value0, derivative0, step=1.0, c1=1e-4, c2=0.9, max_step=1e10, max_evaluations=30):
    """Find a step satisfying the strong Wolfe conditions.

    ``f(step) <= f(0) + c1 step f'(0)`` (sufficient decrease) and ``|f'(step)| <= c2 |f'(0)|`` (curvature).

    Parameters
    ----------
    evaluate : callable
        ``evaluate(step) -> (value, derivative)``.
    value0, derivative0 : float
        Objective and directional derivative at step 0; ``derivative0`` must be negative.
    step : float
        First trial step.
    c1, c2 : float
        ``0 < c1 < c2 < 1``; ``c2 = 0.9`` suits quasi-Newton methods, ``0.1`` conjugate gradients.
    max_step : float
    max_evaluations : int

    Returns
    -------
    LineSearchResult
    """
    if not derivative0 < 0:
        raise ValueError("strong_wolfe: the direction is not a descent direction (derivative {!r} >= 0)".format(
            derivative0))
    if not 0 < c1 < c2 < 1:
        raise ValueError("strong_wolfe: expected 0 < c1 < c2 < 1, got c1={}, c2={}".format(c1, c2))
    evaluations = 0
    previous, f_previous, d_previous = 0.0, value0, derivative0
    best = (0.0, value0, derivative0)
    step = min(step, max_step)
    while evaluations < max_evaluations:
        value, derivative = evaluate(step)
        evaluations += 1
        if math.isfinite(value) and value < best[1]:
            best = (step, value, derivative)
        if not math.isfinite(value) or value > value0 + c1 * step * derivative0 or (
                evaluations > 1 and value >= f_previous):
            return _zoom(evaluate, value0, derivative0, c1, c2, previous, f_previous, d_previous,
                         step, value, derivative, evaluations, max_evaluations, best)
        if abs(derivative) <= -c2 * derivative0:
            return LineSearchResult(step, value, derivative, evaluations, True)
        if derivative >= 0:
            return _zoom(evaluate, value0, derivative0, c1, c2, step, value, derivative,
                         previous, f_previous, d_previous, evaluations, max_evaluations, best)
        if step >= max_step:
            break
        previous, f_previous, d_previous = step, value, derivative
        step = min(2.0 * step, max_step)
    return LineSearchResult(best[0], best[1], best[2], evaluations, False)


def _zoom(evaluate, value0, derivative0, c1, c2, low, f_low, d_low, high, f_high, d_high,
          evaluations, max_evaluations, best):
    while evaluations < max_evaluations:
        width = high - low
        trial = None
        if math.isfinite(f_high):
            trial = _cubic_minimizer(low, f_low, d_low, high, f_high, d_high)
        # Safeguard: stay 10% inside the bracket, otherwise bisect.
        lo_edge, hi_edge = min(low, high) + 0.1 * abs(width), max(low, high) - 0.1 * abs(width)
        if trial is None or not math.isfinite(trial) or not lo_edge <= trial <= hi_edge:
            trial = low + 0.5 * width
        value, derivative = evaluate(trial)
        evaluations += 1
        if math.isfinite(value) and value < best[1]:
            best = (trial, value, derivative)
        if not math.isfinite(value) or value > value0 + c1 * trial * derivative0 or value >= f_low:
            high, f_high, d_high = trial, value, derivative
        else:
            if abs(derivative) <= -c2 * derivative0:
                return LineSearchResult(trial, value, derivative, evaluations, True)
            if derivative * (high - low) >= 0:
                high, f_high, d_high = low, f_low, d_low
            low, f_low, d_low = trial, value, derivative
        if abs(high - low) <= 1e-12 * max(1.0, abs(low)):
            break
    return LineSearchResult(best[0], best[1], best[2], evaluations, False)


def backtracking(evaluate, value0, derivative0, step=1.0, c1=1e-4, shrink=0.5, max_evaluations=30):
    """Armijo backtracking: shrink the step until ``f(step) <= f(0) + c1 step f'(0)``.

    The shrink uses the minimizer of the quadratic through ``f(0), f'(0), f(step)``, kept within
    ``[0.1, shrink]`` times the step.
    """
    if not derivative0 < 0:
        raise ValueError("backtracking: the direction is not a descent direction (derivative {!r} >= 0)".format(
            derivative0))
    for evaluation in range(1, max_evaluations + 1):
        value, derivative = evaluate(step)
        if math.isfinite(value) and value <= value0 + c1 * step * derivative0:
            return LineSearchResult(step, value, derivative, evaluation, True)
        factor = shrink
        if math.isfinite(value):
            quadratic = -derivative0 * step / (2.0 * (value - value0 - derivative0 * step))
            factor = min(max(quadratic, 0.1), shrink)
        step *= factor
    return LineSearchResult(0.0, value0, derivative0, max_evaluations, False)
