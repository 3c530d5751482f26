"""Office add-in ribbon scripts (the "KPI" tab): thin wrappers over `addin.book_actions`.

Each receives the values-only book the Office.js client sends (never our own "KPI Validation"
and "KPI Summary" sheets: they are rewritten whole, so a second click sends no more sheets than
the first) and the number formats ribbon.js read with it; it answers with one action that our
callback kpiApplyPlan applies in one batch. Failures end in a one-line alert, never a traceback.
They run in a worker process (addin.service.script_pool), so a button never holds up the cell
functions.
"""

import xlwings as xw
from xlwings.server import script

from addin import book_actions

OWNED = book_actions.OWNED_SHEETS


@script(exclude=OWNED)
def refresh_statuses(book: xw.Book, formats: dict | None = None):
    """Write statuses, variances, trends and RAG colours (same result as `kpi refresh`)."""
    book_actions.refresh_statuses(book, formats=formats)


@script(exclude=OWNED)
def validate_commentary(book: xw.Book, formats: dict | None = None):
    """Write the findings into the "KPI Validation" sheet and mark missing commentary."""
    book_actions.validate_commentary(book, formats=formats)


@script(exclude=OWNED)
def summary(book: xw.Book, formats: dict | None = None):
    """Write counts by status into the "KPI Summary" sheet."""
    book_actions.summary(book, formats=formats)
