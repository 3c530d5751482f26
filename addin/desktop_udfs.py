"""Desktop Excel (Windows/Mac) with the xlwings add-in: =KPI_STATUS(...) and friends.

Point the xlwings ribbon's "UDF Modules" at `addin.desktop_udfs` and click "Import Functions".
"Run main" runs `main()`, which refreshes the calling workbook exactly as the Office add-in's
**Refresh statuses** button does.

Off Windows/Mac the xlwings decorators do nothing: the functions below import and run as plain
Python (the tests call them). All logic lives in `addin.cell_functions` and `addin.book_actions`;
errors come back as one short text starting with "#KPI!", never a traceback.
"""

from __future__ import annotations

import xlwings as xw

from addin import cell_functions as cf

ERROR_PREFIX = "#KPI! "

_OPTS = {"ndim": 2, "err_to_str": True}


def _guard(call, *args):
    try:
        return call(*args)
    except cf.CellInputError as exc:
        return ERROR_PREFIX + str(exc)


@xw.func
@xw.arg("actual", doc=cf.HELP_ACTUAL, **_OPTS)
@xw.arg("target", doc=cf.HELP_TARGET, **_OPTS)
@xw.arg("polarity", doc=cf.HELP_POLARITY, **_OPTS)
@xw.arg("tolerance", doc=cf.HELP_TOLERANCE, **_OPTS)
@xw.arg("mode", doc=cf.HELP_MODE, **_OPTS)
def KPI_STATUS(actual, target, polarity=None, tolerance=None, mode=None):
    """Status label of actual against target (on target / within tolerance / off target / not assessed). Polarity omitted or blank: bigger is better. Takes cells or equal-height columns; a column spills."""
    return _guard(cf.kpi_status, actual, target, polarity, tolerance, mode)


@xw.func
@xw.arg("actual", doc=cf.HELP_ACTUAL, **_OPTS)
@xw.arg("target", doc=cf.HELP_TARGET, **_OPTS)
@xw.arg("polarity", doc=cf.HELP_POLARITY, **_OPTS)
@xw.arg("tolerance", doc=cf.HELP_TOLERANCE, **_OPTS)
@xw.arg("mode", doc=cf.HELP_MODE, **_OPTS)
def KPI_RAG(actual, target, polarity=None, tolerance=None, mode=None):
    """RAG letter: G on target or better, A within tolerance, R off target, blank when not assessed. Polarity omitted or blank: bigger is better."""
    return _guard(cf.kpi_rag, actual, target, polarity, tolerance, mode)


@xw.func
@xw.arg("actual", doc=cf.HELP_ACTUAL, **_OPTS)
@xw.arg("target", doc=cf.HELP_TARGET, **_OPTS)
def KPI_VARIANCE(actual, target):
    """Actual minus target; blank when either is not a number."""
    return _guard(cf.kpi_variance, actual, target)


@xw.func
@xw.arg("actual", doc=cf.HELP_ACTUAL, **_OPTS)
@xw.arg("target", doc=cf.HELP_TARGET, **_OPTS)
def KPI_VARIANCE_PCT(actual, target):
    """(Actual - target) / |target| as a fraction (format the cell as %); blank when the target is 0 or either is not a number."""
    return _guard(cf.kpi_variance_pct, actual, target)


@xw.func
@xw.arg("current", doc=cf.HELP_CURRENT, **_OPTS)
@xw.arg("previous", doc=cf.HELP_PREVIOUS, **_OPTS)
@xw.arg("polarity", doc=cf.HELP_TREND_POLARITY, **_OPTS)
def KPI_TREND(current, previous, polarity=None):
    """Direction of travel: Improving, Worsening or No change; blank when either value is missing. Polarity omitted or blank: bigger is better."""
    return _guard(cf.kpi_trend, current, previous, polarity)


def main(book=None):
    """"Run main" on the xlwings ribbon: refresh statuses, variances, trends and colours in the calling workbook."""
    from addin import book_actions

    book = book if book is not None else xw.Book.caller()
    book_actions.refresh_statuses(book)
