"""Office add-in custom functions: =KPI.STATUS, =KPI.RAG, =KPI.VARIANCE, =KPI.VARIANCE_PCT,
=KPI.TREND.

The namespace "KPI" comes from the manifest (XLWINGS_FUNCTIONS_NAMESPACE=KPI, set by
`kpi serve`); each function's Excel name comes from `name=`. The Python names (kpi_status, ...)
are the ids the client sends as `func_name`. Thin wrappers only: the logic is in
`addin.cell_functions`. Bad input raises `xw.XlwingsError` (HTTP 400, the message shown once
as the cell's error), never a 500.
"""

import xlwings as xw
from xlwings.server import arg, func

from addin import cell_functions as cf

_OPTS = {"ndim": 2, "err_to_str": True}


def _guard(call, *args):
    try:
        return call(*args)
    except cf.CellInputError as exc:
        raise xw.XlwingsError(str(exc)) from None


@func(name="STATUS")
@arg("actual", doc=cf.HELP_ACTUAL, **_OPTS)
@arg("target", doc=cf.HELP_TARGET, **_OPTS)
@arg("polarity", doc=cf.HELP_POLARITY, **_OPTS)
@arg("tolerance", doc=cf.HELP_TOLERANCE, **_OPTS)
@arg("mode", doc=cf.HELP_MODE, **_OPTS)
def kpi_status(actual, target, polarity=None, tolerance=None, mode=None):
    """Status label of actual against target (on target / within tolerance / off target / not assessed). Polarity omitted or blank: bigger is better. Cells or equal-height columns."""
    return _guard(cf.kpi_status, actual, target, polarity, tolerance, mode)


@func(name="RAG")
@arg("actual", doc=cf.HELP_ACTUAL, **_OPTS)
@arg("target", doc=cf.HELP_TARGET, **_OPTS)
@arg("polarity", doc=cf.HELP_POLARITY, **_OPTS)
@arg("tolerance", doc=cf.HELP_TOLERANCE, **_OPTS)
@arg("mode", doc=cf.HELP_MODE, **_OPTS)
def kpi_rag(actual, target, polarity=None, tolerance=None, mode=None):
    """RAG letter: G on target or better, A within tolerance, R off target, blank when not assessed. Polarity omitted or blank: bigger is better."""
    return _guard(cf.kpi_rag, actual, target, polarity, tolerance, mode)


@func(name="VARIANCE")
@arg("actual", doc=cf.HELP_ACTUAL, **_OPTS)
@arg("target", doc=cf.HELP_TARGET, **_OPTS)
def kpi_variance(actual, target):
    """Actual minus target; blank when either is not a number."""
    return _guard(cf.kpi_variance, actual, target)


@func(name="VARIANCE_PCT")
@arg("actual", doc=cf.HELP_ACTUAL, **_OPTS)
@arg("target", doc=cf.HELP_TARGET, **_OPTS)
def kpi_variance_pct(actual, target):
    """(Actual - target) / |target| as a fraction (format as %); blank when the target is 0 or either is not a number."""
    return _guard(cf.kpi_variance_pct, actual, target)


@func(name="TREND")
@arg("current", doc=cf.HELP_CURRENT, **_OPTS)
@arg("previous", doc=cf.HELP_PREVIOUS, **_OPTS)
@arg("polarity", doc=cf.HELP_TREND_POLARITY, **_OPTS)
def kpi_trend(current, previous, polarity=None):
    """Direction of travel: Improving, Worsening or No change; blank when either value is missing. Polarity omitted or blank: bigger is better."""
    return _guard(cf.kpi_trend, current, previous, polarity)
