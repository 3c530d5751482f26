"""Ordinary workbooks that are not KPI tables (issue 11, point 4), and one that is: a budget
monitoring table. Each shape is the rows of one sheet, written with xlsxwriter.

Several shapes carry the very words a KPI header has ("Target", "Actual", "Value", "Status",
"Measure", years and months as column headings) without being a table of indicators against
targets: a target column of text, an actual with no target, letter grades that look like RAG
letters, years side by side with nothing to measure them against.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from tests.layout_books import P, _book, _write_row

DAY = datetime.datetime(2024, 4, 1)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _days(count: int) -> list:
    return [DAY + datetime.timedelta(days=day) for day in range(count)]


SHAPES: dict[str, list[list]] = {
    "product list": [
        ["Code", "Product", "Description", "Price", "Stock"],
        ["P-100", "Desk lamp", "LED, warm white", 24.99, 120],
        ["P-101", "Office chair", "Mesh back", 129.0, 14],
        ["P-102", "Monitor arm", "Single, clamp", 39.5, 60],
    ],
    "price list with VAT": [
        ["Price list 2024"],
        ["Item", "Unit price", "VAT", "Price inc VAT"],
        ["A4 paper (box)", 18.0, 3.6, 21.6],
        ["Toner", 65.0, 13.0, 78.0],
        ["Stapler", 6.5, 1.3, 7.8],
    ],
    "pivot output": [
        ["Row Labels", "Sum of Sales", "Count of Orders"],
        ["North", 120450, 310], ["South", 98200, 280], ["East", 75010, 190],
        ["Grand Total", 293660, 780],
    ],
    "pivot by year": [
        ["Sum of Sales", "Column Labels"],
        ["Row Labels", 2022, 2023, 2024, "Grand Total"],
        ["Books", 1200, 1350, 1500, 4050], ["Games", 800, 760, 900, 2460],
        ["Toys", 430, 510, 620, 1560], ["Grand Total", 2430, 2620, 3020, 8070],
    ],
    "timesheet": [
        ["Date", "Start", "Finish", "Break (mins)", "Hours", "Project"],
        *[[day, "09:00", "17:00", 30, 7.5, "Website"] for day in _days(5)],
    ],
    "invoice": [
        ["INVOICE", None, None, "Invoice No", "INV-2041"],
        ["Bill to", "Acme Ltd", None, "Date", DAY],
        [],
        ["Description", "Qty", "Unit Price", "Amount"],
        ["Consultancy (days)", 3, 450, 1350], ["Travel", 1, 86.4, 86.4],
        [None, None, "Subtotal", 1436.4], [None, None, "VAT 20%", 287.28],
        [None, None, "Total", 1723.68],
    ],
    "contact list": [
        ["Name", "Email", "Phone", "Organisation", "Role"],
        ["Asha Patel", "asha@example.org", "01234 567890", "Parish council", "Clerk"],
        ["Tom Reid", "tom@example.org", "01234 567891", "Library", "Manager"],
    ],
    "budget template without actuals": [
        ["Cost centre", "Description", "Budget 2024/25", "Actual", "Variance"],
        ["CC100", "Staffing", 450000, None, None], ["CC200", "Premises", 120000, None, None],
        ["CC300", "Supplies", 35000, None, None],
    ],
    "name and value list": [
        ["Name", "Value"], ["Host", "srv-01"], ["Port", 8080], ["Timeout", 30], ["Retries", 3],
    ],
    "settings with a target audience": [
        ["Setting", "Value"], ["Target audience", "Residents"], ["Target date", DAY],
        ["Budget holder", "Finance"], ["Status", "Draft"],
    ],
    "survey results": [
        ["Question", "Strongly agree", "Agree", "Neutral", "Disagree", "Strongly disagree"],
        ["The service was easy to use", P(0.41), P(0.33), P(0.12), P(0.09), P(0.05)],
        ["Staff were helpful", P(0.52), P(0.30), P(0.10), P(0.05), P(0.03)],
    ],
    "calendar": [
        ["April 2024"],
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        [1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14], [15, 16, 17, 18, 19, 20, 21],
    ],
    "project plan": [
        ["Task", "Owner", "Start", "End", "% Complete", "Status"],
        ["Scope", "AB", DAY, DAY, P(1), "Complete"], ["Build", "CD", DAY, DAY, P(0.4),
                                                       "In progress"],
        ["Test", "EF", DAY, DAY, P(0), "Not started"],
    ],
    "risk register": [
        ["Ref", "Risk", "Likelihood", "Impact", "Score", "Owner", "Status"],
        ["R1", "Supplier failure", 3, 4, 12, "Head of Procurement", "Open"],
        ["R2", "Data breach", 2, 5, 10, "DPO", "Open"], ["R3", "Flooding", 1, 4, 4, "Estates",
                                                         "Closed"],
    ],
    "sales by month": [
        ["Product", *MONTHS[:6], "Total"],
        ["Widgets", 10, 12, 9, 14, 15, 11, 71], ["Gadgets", 5, 6, 8, 7, 9, 10, 45],
    ],
    "forecast against actual sales": [
        ["Product", "Forecast", "Actual", "Difference"],
        ["Widgets", 100, 96, -4], ["Gadgets", 50, 61, 11],
    ],
    "stock take": [
        ["SKU", "Location", "Expected", "Counted", "Discrepancy"],
        ["S-1", "Bay 1", 40, 38, -2], ["S-2", "Bay 2", 12, 12, 0],
    ],
    "grade book": [
        ["Student", "Test 1", "Test 2", "Final", "Grade"],
        ["Ana", 71, 80, 76, "B"], ["Ben", 55, 62, 60, "C"], ["Cal", 88, 91, 90, "A"],
    ],
    "target and actual grades": [
        ["Student", "Target Grade", "Actual Grade", "Result"],
        ["Ana", "B", "A", "Above"], ["Ben", "B", "C", "Below"], ["Cal", "A", "A", "Met"],
        ["Dev", "C", "B", "Above"],
    ],
    "weight log with a goal": [
        ["Date", "Weight (kg)", "Goal"],
        *[[day, 82.0 - index * 0.3, 78] for index, day in enumerate(_days(4))],
    ],
    "league table": [
        ["Pos", "Team", "P", "W", "D", "L", "GF", "GA", "GD", "Pts"],
        [1, "Rovers", 10, 8, 1, 1, 25, 8, 17, 25], [2, "United", 10, 7, 2, 1, 20, 9, 11, 23],
    ],
    "recipe": [
        ["Ingredient", "Quantity", "Unit"], ["Flour", 500, "g"], ["Milk", 300, "ml"],
        ["Eggs", 2, None],
    ],
    "inventory valuation": [
        ["Item", "Quantity", "Unit cost", "Value"],
        ["Laptops", 12, 650, 7800], ["Phones", 30, 210, 6300], ["Docks", 12, 95, 1140],
    ],
    "staff list": [
        ["Staff ID", "Name", "Department", "Start date", "Salary"],
        [1001, "J. Khan", "Finance", DAY, 32000], [1002, "L. Moss", "Planning", DAY, 36500],
    ],
    "bank statement": [
        ["Date", "Description", "Paid out", "Paid in", "Balance"],
        [DAY, "Opening balance", None, None, 1200.0], [DAY, "Rent", 650.0, None, 550.0],
        [DAY, "Salary", None, 2100.0, 2650.0],
    ],
    "action log": [
        ["Item", "Discussion", "Action", "Owner", "Due"],
        [1, "Budget setting for next year", "Circulate draft", "Treasurer", DAY],
        [2, "Annual target for volunteers", "Agree a number", "Chair", DAY],
    ],
    "shopping list": [
        ["Item", "Qty", "Bought"], ["Bread", 1, "Yes"], ["Apples", 6, "No"], ["Tea", 1, "Yes"],
    ],
    "attendance register": [
        ["Name", "Mon", "Tue", "Wed", "Thu", "Fri"],
        ["Ana", "/", "/", "X", "/", "/"], ["Ben", "/", "/", "/", "/", "N"],
    ],
    "price comparison": [
        ["Product", "Shop A", "Shop B", "Cheapest"], ["Milk", 1.45, 1.39, "Shop B"],
        ["Bread", 1.10, 1.20, "Shop A"],
    ],
    "exchange rates": [
        ["Currency", "Rate", "Date"], ["EUR", 1.17, DAY], ["USD", 1.27, DAY], ["JPY", 190.2, DAY],
    ],
    "accounts by year": [
        ["Summary of accounts"],
        ["Item", "2022/23", "2023/24"],
        ["Income", "£1.20m", "£1.31m"], ["Expenditure", "£1.15m", "£1.28m"],
        ["Surplus", "£50k", "£30k"],
    ],
    "fundraising with a target": [
        ["Event", "Target £", "Raised £", "Date"],
        ["Fun run", 2000, 2350, DAY], ["Bake sale", 300, 280, DAY],
    ],
    "data dictionary": [
        ["Field", "Type", "Description", "Example"],
        ["ref", "text", "Indicator reference", "HR 01"],
        ["actual", "number", "This period's value", "0.93"],
        ["target", "number", "The target", "0.95"],
    ],
    "mileage claim": [
        ["Date", "From", "To", "Miles", "Rate", "Amount"],
        [DAY, "Office", "Depot", 12, 0.45, 5.4], [DAY, "Depot", "Office", 12, 0.45, 5.4],
    ],
    "plan with text targets": [
        ["Objective", "Target", "Actions", "Progress"],
        ["Cut waste", "Reduce landfill by 2025", "New contract", "Contract let in May"],
        ["Greener fleet", "All vans electric by 2030", "Lease plan", "Six vans ordered"],
        ["Local jobs", "Apprentices in every team", "Campaign", "On track"],
    ],
    "summary statistics": [
        ["Measure", "Value"], ["Mean", 4.2], ["Median", 3.9], ["Standard deviation", 1.1],
        ["Count", 250],
    ],
    "latest readings": [
        ["Meter", "Previous reading", "Latest reading", "Units used"],
        ["Gas", 10450, 10620, 170], ["Electricity", 55210, 55890, 680],
    ],
}

# A budget-monitoring table: budget (the target), actual, variance. It is a KPI table.
BUDGET_MONITORING = [
    ["Revenue budget monitoring - Quarter 2 2024/25"],
    [],
    ["Service", "Budget £k", "Actual £k", "Variance £k", "Comments"],
    ["Adult social care", 1250, 1310, 60, "Placement costs"],
    ["Waste collection", 640, 612, -28, None],
    ["Libraries", 210, 209, -1, None],
]


def ordinary_book(path: Path, name: str) -> Path:
    """One shape on a sheet of its own name (a few with a second, empty sheet)."""
    book = _book(path)
    formats = {"percent": book.add_format({"num_format": "0%"})}
    sheet = book.add_worksheet(name[:31].title())
    for row, values in enumerate(SHAPES[name]):
        _write_row(sheet, row, values, formats)
    if name == "calendar":
        sheet.merge_range("A1:G1", "April 2024", book.add_format({"align": "center"}))
    if name == "product list":
        sheet.add_table("A1:E4", {"columns": [{"header": text} for text in SHAPES[name][0]]})
    book.close()
    return path


def budget_monitoring_book(path: Path) -> Path:
    book = _book(path)
    sheet = book.add_worksheet("Budget Q2")
    for row, values in enumerate(BUDGET_MONITORING):
        _write_row(sheet, row, values, {})
    book.close()
    return path
