// KPI ribbon tab (overrides xlwings Server's static/js/ribbon.js).
// Each button in templates/manifest.xml is an ExecuteFunction whose <FunctionName> is bound
// here with Office.actions.associate; it runs one custom script of custom_scripts/__init__.py
// through xlwings.runPython. event.completed() must always be called, even after an error.
//
// Round trips (each context.sync() is one in Excel on the web):
//   1. our read of the sheets' number formats: 2 syncs (sheet names, then every used range's
//      formats), passed to the script as its one argument, so percentages are recognised as in
//      the file;
//   2. xlwings' client reads the book itself (about 13 syncs for one sheet, 4 more for each
//      further sheet it sends, 1 for each sheet the script excludes: our own sheets);
//   3. the script answers with ONE action, runMacro("kpiApplyPlan", plan), applied below in
//      2 syncs: one to read what is there (our sheets, earlier colour rules and marks), one for
//      every write. The count never depends on the number of rows.

const KPI_SCRIPTS_META = "/xlwings/custom-scripts-meta.json";
let kpiScriptsMeta = null;

// The script's exclude list (custom_scripts/__init__.py) is the one place that names the sheets
// a button never reads: fetched once, as xlwings' own task pane buttons do.
async function kpiScriptOptions(scriptName) {
  if (kpiScriptsMeta === null) {
    const base = window.location.origin + (globalThis.config ? globalThis.config.appPath : "");
    const response = await fetch(base + KPI_SCRIPTS_META, { credentials: "same-origin" });
    kpiScriptsMeta = response.ok ? await response.json() : [];
  }
  const meta = kpiScriptsMeta.find((m) => m.function_name === scriptName) || {};
  return { exclude: meta.exclude || "", include: meta.include || "" };
}

function kpiSentSheets(names, options) {
  const listed = (text) => text.split(",").map((name) => name.trim()).filter(Boolean);
  if (options.include) return names.filter((name) => listed(options.include).includes(name));
  return names.filter((name) => !listed(options.exclude).includes(name));
}

// Each column's number formats as runs from row 1: [[column, [[format, rows], ...]], ...], only
// for columns with a format other than General (the server decides what is a percentage).
function kpiFormatRuns(numberFormat) {
  const columns = [];
  const width = numberFormat.length ? numberFormat[0].length : 0;
  for (let column = 0; column < width; column++) {
    const runs = [];
    let general = true;
    for (const row of numberFormat) {
      const format = String(row[column]);
      if (format !== "General") general = false;
      const last = runs[runs.length - 1];
      if (last && last[0] === format) last[1] += 1;
      else runs.push([format, 1]);
    }
    if (!general) columns.push([column, runs]);
  }
  return columns;
}

async function kpiReadFormats(options) {
  return Excel.run(async (context) => {
    const worksheets = context.workbook.worksheets.load("items/name");
    await context.sync();
    const names = kpiSentSheets(worksheets.items.map((sheet) => sheet.name), options);
    const used = names.map((name) =>
      worksheets.getItem(name).getUsedRangeOrNullObject(true).load("numberFormat, rowIndex, columnIndex"));
    await context.sync();
    const formats = {};
    names.forEach((name, index) => {
      const range = used[index];
      // The used range starts at A1 for a KPI sheet in practice; a range starting lower is
      // padded so that runs still count from row 1 and columns from A.
      if (range.isNullObject) return;
      const padded = [];
      for (let r = 0; r < range.rowIndex; r++) padded.push([]);
      for (const row of range.numberFormat) padded.push(Array(range.columnIndex).fill("General").concat(row));
      const width = Math.max(...padded.map((row) => row.length));
      formats[name] = kpiFormatRuns(padded.map((row) => row.concat(Array(width - row.length).fill("General"))));
    });
    return formats;
  });
}

async function runKpiScript(scriptName, event) {
  try {
    let authResult =
      typeof globalThis.getAuth === "function"
        ? await globalThis.getAuth()
        : { token: "", provider: "" };
    const options = await kpiScriptOptions(scriptName);
    const formats = await kpiReadFormats(options);
    await xlwings.runPython({
      auth: authResult.token,
      scriptName: scriptName,
      headers: { "Auth-Provider": authResult.provider },
      exclude: options.exclude,
      include: options.include,
      args: [formats],
    });
  } finally {
    event.completed();
  }
}

// --- applying the plan: runMacro("kpiApplyPlan", plan), see addin/office_plan.py ---------------

function kpiIsOurStatusRule(format) {
  if (format.type !== "CellValue" || format.cellValueOrNullObject.isNullObject) return false;
  const rule = format.cellValueOrNullObject.rule;
  return rule.operator === "EqualTo" && /^="(?:[^"]|"")+"$/.test(String(rule.formula1 || ""));
}

function kpiIsOurMark(format, markFill) {
  if (format.type !== "CellValue" || format.cellValueOrNullObject.isNullObject) return false;
  const cellValue = format.cellValueOrNullObject;
  return cellValue.rule.operator === "EqualTo" && cellValue.rule.formula1 === '=""' &&
    String(cellValue.format.fill.color).toUpperCase() === markFill.toUpperCase();
}

const KPI_RULE_FIELDS = "items/type, items/cellValueOrNullObject/rule, items/cellValueOrNullObject/format/fill/color";

function kpiAddRule(range, formula, fill) {
  const format = range.conditionalFormats.add(Excel.ConditionalFormatType.cellValue);
  format.cellValue.format.fill.color = fill;
  format.cellValue.rule = { formula1: formula, operator: "EqualTo" };
}

function kpiQuoted(text) {
  return '="' + String(text).replace(/"/g, '""') + '"';
}

function kpiWriteSheet(worksheet, sheet, found, markFill) {
  for (const block of sheet.blocks) {
    const range = worksheet.getRangeByIndexes(block.row, block.column, block.values.length, block.values[0].length);
    range.values = block.values;
    if (block.numberFormat) range.numberFormat = [[block.numberFormat]];
    if (block.bold) range.format.font.bold = true;
  }
  for (const format of found.statusRules.flatMap((c) => c.items)) {
    if (kpiIsOurStatusRule(format)) format.delete();
  }
  for (const format of found.markColumns.flatMap((c) => c.items)) {
    if (kpiIsOurMark(format, markFill)) format.delete();
  }
  for (const column of sheet.statusRules) {
    const range = worksheet.getRangeByIndexes(column.row, column.column, column.rows, 1);
    for (const rule of column.rules) kpiAddRule(range, kpiQuoted(rule.label), rule.fill);
  }
  for (const mark of sheet.marks) {
    kpiAddRule(worksheet.getRangeByIndexes(mark.row, mark.column, 1, 1), '=""', markFill);
  }
}

function kpiWriteOwned(context, owned, existing) {
  let worksheet;
  if (existing.isNullObject) {
    worksheet = context.workbook.worksheets.add(owned.name);
  } else {
    worksheet = existing;
    worksheet.getRange().clear();
  }
  const rows = owned.values;
  if (rows.length) {
    const width = rows[0].length;
    worksheet.getRangeByIndexes(0, 0, rows.length, width).values = rows;
    worksheet.getRangeByIndexes(owned.headerRow, 0, 1, width).format.font.bold = true;
    const below = rows.length - owned.headerRow - 1;
    for (const [column, format] of owned.columnFormats) {
      if (below > 0) worksheet.getRangeByIndexes(owned.headerRow + 1, column, below, 1).numberFormat = [[format]];
    }
    for (const column of owned.wrap) {
      if (below > 0) worksheet.getRangeByIndexes(owned.headerRow + 1, column, below, 1).format.wrapText = true;
    }
  }
  for (const [column, points] of owned.widths) {
    worksheet.getRangeByIndexes(0, column, 1, 1).format.columnWidth = points;
  }
  for (const run of owned.fills) {
    worksheet.getRangeByIndexes(run.row, run.column, run.rows, 1).format.fill.color = run.fill;
  }
  for (const link of owned.links) {
    worksheet.getRangeByIndexes(link.row, link.column, 1, 1).hyperlink = {
      documentReference: link.location, textToDisplay: link.text, screenTip: `Go to ${link.location}`,
    };
  }
}

async function kpiApplyPlan(context, plan) {
  const worksheets = context.workbook.worksheets;
  // Read: our sheets (add or clear), earlier status rules and marks (replace only ours).
  const owned = plan.owned.map((sheet) => worksheets.getItemOrNullObject(sheet.name));
  const found = plan.sheets.map((sheet) => {
    const worksheet = worksheets.getItem(sheet.name);
    const formatsOver = (area) =>
      worksheet.getRangeByIndexes(area.row, area.column, area.rows, 1).conditionalFormats.load(KPI_RULE_FIELDS);
    return { worksheet, statusRules: sheet.statusRules.map(formatsOver), markColumns: sheet.markColumns.map(formatsOver) };
  });
  await context.sync();
  // Write everything, then one sync.
  plan.sheets.forEach((sheet, index) => kpiWriteSheet(found[index].worksheet, sheet, found[index], plan.markFill));
  plan.owned.forEach((sheet, index) => kpiWriteOwned(context, sheet, owned[index]));
  await context.sync();
}

xlwings.registerCallback(kpiApplyPlan);

async function kpiRefreshStatuses(event) {
  await runKpiScript("refresh_statuses", event);
}

async function kpiValidateCommentary(event) {
  await runKpiScript("validate_commentary", event);
}

async function kpiSummary(event) {
  await runKpiScript("summary", event);
}

Office.actions.associate("kpi-refresh-statuses", kpiRefreshStatuses);
Office.actions.associate("kpi-validate-commentary", kpiValidateCommentary);
Office.actions.associate("kpi-summary", kpiSummary);
