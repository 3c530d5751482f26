"""The package itself (ECMA-376 Part 2, Open Packaging Conventions): which part is the workbook,
which parts are its sheets, and a canonical copy of a valid package the native reader cannot
open as it is."""
