"""Office add-in ribbon scripts (the "KPI" tab): thin wrappers over `addin.book_actions`.

Each receives the values-only book the Office.js client sends and returns its writes as
actions; failures end in a one-line alert, never a traceback. They run in a worker process
(addin.service.script_pool), so a button never holds up the cell functions.
"""

import xlwings as xw
from xlwings.server import script

from addin import book_actions


@script
def refresh_statuses(book: xw.Book):
    """Write statuses, variances, trends and RAG colours (same result as `kpi refresh`)."""
    book_actions.refresh_statuses(book)


@script
def validate_commentary(book: xw.Book):
    """Write the findings into the "KPI Validation" sheet."""
    book_actions.validate_commentary(book)


@script
def summary(book: xw.Book):
    """Write counts by status into the "KPI Summary" sheet."""
    book_actions.summary(book)
