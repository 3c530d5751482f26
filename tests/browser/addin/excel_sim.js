// A strict simulation of the Excel JavaScript API (Office.js), served to the add-in's page in
// place of office.js, so that xlwings Server's client JS and ours run unmodified in chromium.
//
// Built on Microsoft's office-addin-mock (loaded before this file as globalThis.OfficeAddinMock,
// see addin_page.mjs): every proxy's loaded properties live in an OfficeMockObject, populated at
// context.sync() from the simulated workbook and loaded with the same property paths the page
// asked for; a read the mock answers with one of its PossibleErrors throws.
//
// What is strict, and fails the test (window.__sim.violations, checked by the driver):
//   - reading a property that was not loaded, or loaded but not synced yet: throws;
//   - any member this simulation does not know (Office.js has it or not: we never guess): throws
//     and is recorded even when the page catches the error;
//   - writes are queued and applied, in order, at context.sync(); a failing queued operation
//     rejects that sync (code ItemNotFound / InvalidArgument), as Excel does;
//   - a cell's effective colour is decided by the conditional formats over it (cellValue rules,
//     EqualTo a quoted text, first match wins, Excel's case-insensitive compare), else its fill.
//
// API for the driver (page.evaluate):
//   __sim.loadBook({name, sheets: [{name, values: [[...]], numberFormats?: [[...]]}]})
//   __sim.dump(parts?)      -> {name, sheets: [{name, values, numberFormats, colours, fills,
//                               bold, widths, conditionalFormats, formulas, links}]}
//                               (parts: the matrices wanted, e.g. ["values", "colours"])
//   __sim.syncs             -> context.sync() calls so far (all Excel.run contexts)
//   __sim.answers           -> [{url, syncsBefore}] one per answered /xlwings/ POST
//   __sim.alerts            -> prompts shown with Office.context.ui.displayDialogAsync
//   __sim.actions           -> {id: handler} bound with Office.actions.associate
//   __sim.functions         -> {name: fn} bound with CustomFunctions.associate
//   __sim.setCell(sheet, row, column, value)   an officer's edit (1-based), applied at once
//   __sim.selected()        -> the range Range.select() chose last ("'Exception Notes'!B5"), or null
//   __sim.violations        -> strict-mode failures (must stay empty)
// ExcelApi requirement sets up to 1.8 are reported as supported (isSetSupported), nothing later
// (no notes: 1.18). Tables, charts, shapes, pivot tables and names: always none.
(function () {
  "use strict";
  const { OfficeMockObject } = globalThis.OfficeAddinMock;
  const MOCK_ERRORS = new Set(["Error, property was not loaded", "Error, context.sync() was not called"]);
  const SUPPORTED = { ExcelApi: "1.8", SharedRuntime: "1.1", CustomFunctionsRuntime: "1.3", DialogApi: "1.2" };

  const sim = {
    syncs: 0, answers: [], alerts: [], actions: {}, functions: {}, violations: [], book: null,
  };
  globalThis.__sim = sim;

  function violation(message) {
    sim.violations.push(message);
    const error = new Error(message);
    error.code = "SimulationViolation";
    return error;
  }

  class OfficeError extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
      this.name = "RichApi.Error";
    }
  }

  // --- the workbook model -------------------------------------------------------------------
  function newSheet(name) {
    return { name, cells: [], formats: [], fills: [], bold: [], formulas: [], links: [],
             widths: {}, cfs: [], visibility: "Visible", showGridlines: true };
  }

  function at(grid, row, column, fallback = null) {
    const cells = grid[row];
    return cells && cells[column] !== undefined ? cells[column] : fallback;
  }

  function put(grid, row, column, value) {
    if (!grid[row]) grid[row] = [];
    grid[row][column] = value;
  }

  function isEmpty(value) {
    return value === null || value === undefined || value === "";
  }

  sim.loadBook = function (spec) {
    const book = { name: spec.name, sheets: [], active: 0 };
    for (const sheetSpec of spec.sheets) {
      const sheet = newSheet(sheetSpec.name);
      (sheetSpec.values || []).forEach((cells, r) => cells.forEach((value, c) => {
        if (!isEmpty(value)) put(sheet.cells, r, c, value);
      }));
      (sheetSpec.numberFormats || []).forEach((cells, r) => cells.forEach((format, c) => {
        if (format && format !== "General") put(sheet.formats, r, c, format);
      }));
      book.sheets.push(sheet);
    }
    sim.book = book;
  };

  function findSheet(name) {
    const wanted = String(name).toLowerCase();
    return sim.book.sheets.find((s) => s.name.toLowerCase() === wanted) || null;
  }

  function usedBounds(sheet) {
    let bottom = -1, right = -1;
    sheet.cells.forEach((cells, r) => {
      if (!cells) return;
      cells.forEach((value, c) => {
        if (!isEmpty(value)) { bottom = Math.max(bottom, r); right = Math.max(right, c); }
      });
    });
    return bottom < 0 ? null : { sheet, top: 0, left: 0, rows: bottom + 1, columns: right + 1 };
  }

  // --- addresses ------------------------------------------------------------------------------
  function columnName(index) {
    let name = "";
    for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
      name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
    }
    return name;
  }

  function quoteSheet(name) {
    return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
  }

  function rangeAddress(rect) {
    const first = columnName(rect.left) + (rect.top + 1);
    const last = columnName(rect.left + rect.columns - 1) + (rect.top + rect.rows);
    return `${quoteSheet(rect.sheet.name)}!${first === last ? first : first + ":" + last}`;
  }

  function parseCell(text) {
    const found = /^\$?([A-Z]+)\$?(\d+)$/i.exec(text);
    if (!found) throw new OfficeError("InvalidArgument", `not a cell address: ${text}`);
    let column = 0;
    for (const letter of found[1].toUpperCase()) column = column * 26 + letter.charCodeAt(0) - 64;
    return [Number(found[2]) - 1, column - 1];
  }

  function parseRange(sheet, address) {
    const local = String(address).split("!").pop();
    const [start, end = start] = local.split(":");
    const [top, left] = parseCell(start);
    const [bottom, right] = parseCell(end);
    return { sheet, top, left, rows: bottom - top + 1, columns: right - left + 1 };
  }

  function eachCell(rect, visit) {
    for (let r = 0; r < rect.rows; r++) {
      for (let c = 0; c < rect.columns; c++) visit(rect.top + r, rect.left + c, r, c);
    }
  }

  function matrix(rect, read) {
    const rows = [];
    for (let r = 0; r < rect.rows; r++) {
      const cells = [];
      for (let c = 0; c < rect.columns; c++) cells.push(read(rect.top + r, rect.left + c));
      rows.push(cells);
    }
    return rows;
  }

  // A single value, or a 1x1 array, applies to every cell of the range (as Excel does); any other
  // array must match the range's shape.
  function writeMatrix(rect, value, write) {
    if (Array.isArray(value) && value.length === 1 && Array.isArray(value[0]) && value[0].length === 1) {
      value = value[0][0];
    }
    if (!Array.isArray(value)) {
      eachCell(rect, (row, column) => write(row, column, value));
      return;
    }
    if (value.length !== rect.rows || value.some((cells) => !Array.isArray(cells) || cells.length !== rect.columns)) {
      throw new OfficeError("InvalidArgument",
        `the ${value.length}-row array does not match the ${rect.rows}x${rect.columns} range ${rangeAddress(rect)}`);
    }
    eachCell(rect, (row, column, r, c) => write(row, column, value[r][c]));
  }

  function writeValue(sheet, row, column, value) {
    if (value === null || value === undefined) return; // null leaves the cell as it is
    if (typeof value === "string" && value.startsWith("'")) {
      put(sheet.cells, row, column, value.slice(1));
      put(sheet.formulas, row, column, null);
    } else if (typeof value === "string" && value.startsWith("=")) {
      put(sheet.cells, row, column, null); // a formula: the simulation does not calculate
      put(sheet.formulas, row, column, value);
    } else {
      put(sheet.cells, row, column, value === "" ? null : value);
      put(sheet.formulas, row, column, null);
    }
  }

  // --- conditional formats and effective colour ------------------------------------------------
  function contains(rect, row, column) {
    return row >= rect.top && row < rect.top + rect.rows &&
      column >= rect.left && column < rect.left + rect.columns;
  }

  function intersects(a, b) {
    return a.top < b.top + b.rows && b.top < a.top + a.rows &&
      a.left < b.left + b.columns && b.left < a.left + a.columns;
  }

  function quotedText(formula) {
    const found = /^="((?:[^"]|"")*)"$/.exec(String(formula || "").trim());
    return found ? found[1].replace(/""/g, '"') : null;
  }

  // ="text" equals a cell holding that text (any case); ="" equals an empty cell, as in Excel.
  function ruleMatches(cf, value) {
    if (cf.type !== "CellValue" || !cf.rule || cf.rule.operator !== "EqualTo") return false;
    const text = quotedText(cf.rule.formula1);
    if (text === null) throw violation(`conditional format formula the simulation cannot evaluate: ${cf.rule.formula1}`);
    if (text === "") return isEmpty(value);
    return typeof value === "string" && value.toLowerCase() === text.toLowerCase();
  }

  function effectiveColour(sheet, row, column) {
    const value = at(sheet.cells, row, column);
    for (const cf of sheet.cfs) {
      if (contains(cf.rect, row, column) && cf.fill && ruleMatches(cf, value)) return cf.fill;
    }
    return at(sheet.fills, row, column);
  }

  // --- proxies --------------------------------------------------------------------------------
  // A type: props {name: {get(model), set?(model, value)}}, nav {name: (proxy) => child proxy},
  // methods {name(proxy, ...args)}, collection: (model) => [item models] with itemType.
  const TYPES = {};
  const stateProxies = new WeakMap(); // proxy state -> proxy, to navigate from a loaded item
  function proxyFromState(state) {
    return stateProxies.get(state);
  }

  function proxyOf(ctx, typeName, resolve, { nullable = false } = {}) {
    const type = TYPES[typeName];
    if (!type) throw violation(`no simulated type ${typeName}`);
    const state = { ctx, typeName, type, resolve, nullable, mock: null, loads: [], children: {},
                    isNull: undefined, items: undefined, resolved: undefined };
    const handler = {
      get(_, member) {
        if (typeof member === "symbol") return undefined;
        if (member === "then" || member === "toJSON") return undefined;
        if (member === "__state") return state;
        if (member === "context") return ctx;
        if (member === "load") return (what) => { queueLoad(state, what); return proxy; };
        if (member === "track" || member === "untrack") return () => proxy;
        if (member === "isNullObject") {
          if (!nullable) return false;
          if (state.isNull === undefined) throw new OfficeError("PropertyNotLoaded", `${typeName}.isNullObject read before context.sync()`);
          return state.isNull;
        }
        if (member === "items" && type.collection) {
          if (state.items === undefined) throw new OfficeError("PropertyNotLoaded", `${typeName}.items was not loaded`);
          return state.items;
        }
        if (type.nav && member in type.nav) {
          if (!state.children[member]) state.children[member] = type.nav[member](proxy);
          return state.children[member];
        }
        if (type.methods && member in type.methods) return (...args) => type.methods[member](proxy, ...args);
        if (type.props && member in type.props) {
          if (state.isNull) throw new OfficeError("InvalidObjectPath", `${typeName}.${member} of a null object`);
          if (!state.mock) throw new OfficeError("PropertyNotLoaded", `${typeName}.${member} was not loaded (or not synced)`);
          const value = state.mock[member];
          if (typeof value === "string" && MOCK_ERRORS.has(value)) {
            throw new OfficeError("PropertyNotLoaded", `${typeName}.${member}: ${value}`);
          }
          return value;
        }
        throw violation(`unknown member ${typeName}.${String(member)}`);
      },
      set(_, member, value) {
        const prop = type.props && type.props[member];
        if (!prop || !prop.set) throw violation(`cannot set ${typeName}.${String(member)}`);
        queue(ctx, () => prop.set(model(state), value));
        return true;
      },
    };
    const proxy = new Proxy({}, handler);
    ctx.__proxies.push(state);
    stateProxies.set(state, proxy);
    return proxy;
  }

  function model(state) {
    if (state.resolved === undefined) state.resolved = state.resolve();
    if (state.resolved === null) throw new OfficeError("ItemNotFound", `${state.typeName} does not exist`);
    return state.resolved;
  }

  function queue(ctx, apply) {
    ctx.__queue.push(apply);
  }

  function loadPaths(what) {
    if (what === undefined) return ["*"];
    if (Array.isArray(what)) return what.flatMap(loadPaths);
    if (typeof what === "string") return what.split(",").map((p) => p.trim()).filter(Boolean);
    if (typeof what === "object" && what.select) return loadPaths(what.select);
    throw violation(`load() argument the simulation does not know: ${JSON.stringify(what)}`);
  }

  function queueLoad(state, what) {
    const paths = loadPaths(what);
    for (const path of paths) checkPath(state.type, state.typeName, path.split("/"));
    queue(state.ctx, () => loadNow(state, paths));
  }

  function checkPath(type, typeName, parts) {
    const [first, ...rest] = parts;
    if (first === "*") return;
    if (type.collection && first === "items") {
      if (rest.length) checkPath(TYPES[type.itemType], type.itemType, rest);
      return;
    }
    if (type.collection && !rest.length && TYPES[type.itemType].props[first]) return; // items' props
    if (type.props && first in type.props && !rest.length) return;
    if (type.navTypes && first in type.navTypes) {
      if (rest.length) checkPath(TYPES[type.navTypes[first]], type.navTypes[first], rest);
      return;
    }
    throw violation(`load of unknown member ${typeName}.${parts.join("/")}`);
  }

  async function loadNow(state, paths) {
    const { type } = state;
    if (state.nullable) {
      if (state.resolved === undefined) state.resolved = state.resolve();
      state.isNull = state.resolved === null;
      if (state.isNull) return;
    }
    const target = model(state);
    if (type.collection) {
      const itemPaths = paths.map((p) => (p.startsWith("items/") ? p.slice(6) : p === "items" ? "*" : p));
      state.items = type.collection(target).map((item) => proxyOf(state.ctx, type.itemType, () => item));
      await Promise.all(state.items.map((child) => loadNow(child.__state, itemPaths)));
      return;
    }
    const scalars = [];
    for (const path of paths) {
      const [first, ...rest] = path.split("/");
      if (first === "*") { scalars.push(...Object.keys(type.props || {})); continue; }
      if (type.props && first in type.props) { scalars.push(first); continue; }
      const proxy = state.children[first] || (state.children[first] = type.nav[first](proxyFromState(state)));
      await loadNow(proxy.__state, [rest.length ? rest.join("/") : "*"]);
    }
    if (!scalars.length) return;
    const data = {};
    for (const name of new Set([...scalars, ...Object.keys(state.mockData || {})])) {
      data[name] = name in (state.mockData || {}) && !scalars.includes(name) ? state.mockData[name] : type.props[name].get(target);
    }
    state.mockData = data;
    const mock = new OfficeMockObject(data);
    mock.load(Object.keys(data));
    await mock.sync();
    state.mock = mock;
  }


  class RequestContext {
    constructor() {
      this.__queue = [];
      this.__proxies = [];
      const ctx = this;
      const workbook = proxyOf(ctx, "Workbook", () => sim.book);
      stateProxies.set(workbook.__state, workbook);
      this.workbook = workbook;
    }

    async sync() {
      sim.syncs += 1;
      const work = this.__queue.splice(0);
      try {
        for (const apply of work) await apply();
      } finally {
        for (const state of this.__proxies) {
          if (state.nullable && state.isNull === undefined) {
            try { state.resolved = state.resolve(); } catch { state.resolved = null; }
            state.isNull = state.resolved === null;
          }
        }
      }
    }
  }

  // --- the simulated object model --------------------------------------------------------------
  const sheetOf = (proxy) => model(proxy.__state);
  const rectOf = (proxy) => model(proxy.__state);

  function rangeProxy(ctx, resolve, nullable = false) {
    return proxyOf(ctx, "Range", resolve, { nullable });
  }

  TYPES.Workbook = {
    props: { name: { get: (book) => book.name } },
    navTypes: { worksheets: "WorksheetCollection", names: "NamedItemCollection", application: "Application" },
    nav: {
      worksheets: (wb) => proxyOf(wb.context, "WorksheetCollection", () => sim.book),
      names: (wb) => proxyOf(wb.context, "NamedItemCollection", () => ({ names: [] })),
      application: (wb) => proxyOf(wb.context, "Application", () => sim.book),
    },
    methods: {
      getSelectedRange: (wb) => rangeProxy(wb.context, () => {
        const sheet = sim.book.sheets[sim.book.active];
        const chosen = sim.book.selection;
        return chosen && chosen.sheet === sheet ? { ...chosen } : { sheet, top: 0, left: 0, rows: 1, columns: 1 };
      }),
    },
  };

  TYPES.Application = {
    props: { calculationMode: { get: () => "Automatic" } },
    methods: {},
  };

  TYPES.NamedItemCollection = { collection: (names) => names.names, itemType: "NamedItem", props: {}, methods: {} };
  TYPES.NamedItem = { props: { name: { get: () => "" }, type: { get: () => "" }, formula: { get: () => "" } }, methods: {} };

  TYPES.WorksheetCollection = {
    collection: (book) => book.sheets,
    itemType: "Worksheet",
    props: {},
    methods: {
      getItem: (ws, name) => proxyOf(ws.context, "Worksheet", () => findSheet(name)),
      getItemOrNullObject: (ws, name) => proxyOf(ws.context, "Worksheet", () => findSheet(name), { nullable: true }),
      getActiveWorksheet: (ws) => proxyOf(ws.context, "Worksheet", () => sim.book.sheets[sim.book.active]),
      add: (ws, name) => {
        queue(ws.context, () => {
          if (findSheet(name)) throw new OfficeError("ItemAlreadyExists", `a sheet named ${name} exists`);
          sim.book.sheets.push(newSheet(name));
        });
        return proxyOf(ws.context, "Worksheet", () => findSheet(name));
      },
    },
  };

  function emptyCollection(itemType) {
    return { collection: () => [], itemType, props: {}, methods: {} };
  }
  TYPES.TableCollection = emptyCollection("Table");
  TYPES.Table = { props: { name: { get: () => "" }, showHeaders: { get: () => true }, showTotals: { get: () => false },
    style: { get: () => "" }, showFilterButton: { get: () => true }, highlightFirstColumn: { get: () => false },
    highlightLastColumn: { get: () => false }, showBandedRows: { get: () => true }, showBandedColumns: { get: () => false },
    // Not a Table property in Office.js's typings, but xlwings' client loads it (it never reads it).
    dataBodyRange: { get: () => null } },
  methods: {} };
  TYPES.ChartCollection = emptyCollection("Chart");
  TYPES.Chart = { props: { name: { get: () => "" }, chartType: { get: () => "" }, left: { get: () => 0 },
    top: { get: () => 0 }, width: { get: () => 0 }, height: { get: () => 0 } }, methods: {} };
  TYPES.ShapeCollection = emptyCollection("Shape");
  TYPES.Shape = { props: { name: { get: () => "" }, width: { get: () => 0 }, height: { get: () => 0 },
    type: { get: () => "" }, left: { get: () => 0 }, top: { get: () => 0 }, lockAspectRatio: { get: () => false } },
  methods: {} };
  TYPES.PivotTableCollection = emptyCollection("PivotTable");
  TYPES.PivotTable = { props: { id: { get: () => "" }, name: { get: () => "" } },
    navTypes: { hierarchies: "PivotHierarchyCollection", rowHierarchies: "PivotHierarchyCollection",
                columnHierarchies: "PivotHierarchyCollection", filterHierarchies: "PivotHierarchyCollection",
                dataHierarchies: "DataPivotHierarchyCollection", layout: "PivotLayout" },
    nav: {}, methods: {} };
  TYPES.PivotHierarchyCollection = emptyCollection("PivotHierarchy");
  TYPES.PivotHierarchy = { props: { name: { get: () => "" } }, methods: {} };
  TYPES.DataPivotHierarchyCollection = emptyCollection("DataPivotHierarchy");
  TYPES.DataPivotHierarchy = { props: { id: { get: () => "" }, name: { get: () => "" },
    summarizeBy: { get: () => "" }, numberFormat: { get: () => "" } },
    navTypes: { field: "PivotField" }, nav: {}, methods: {} };
  TYPES.PivotField = { props: { name: { get: () => "" } }, methods: {} };
  TYPES.PivotLayout = { props: { layoutType: { get: () => "" }, showRowGrandTotals: { get: () => true },
    showColumnGrandTotals: { get: () => true } }, methods: {} };
  TYPES.PageLayout = {
    props: {},
    methods: {
      getPrintAreaOrNullObject: (layout) => proxyOf(layout.context, "RangeAreas", () => null, { nullable: true }),
    },
  };
  TYPES.RangeAreas = { props: { address: { get: () => null } }, navTypes: { areas: "RangeCollection" },
    nav: { areas: (ra) => proxyOf(ra.context, "RangeCollection", () => []) }, methods: {} };
  TYPES.RangeCollection = { collection: (list) => list, itemType: "Range", props: {}, methods: {} };

  TYPES.Worksheet = {
    props: {
      name: { get: (s) => s.name },
      position: {
        get: (s) => sim.book.sheets.indexOf(s),
        set: (s, position) => {
          const sheets = sim.book.sheets;
          sheets.splice(sheets.indexOf(s), 1);
          sheets.splice(Math.max(0, Math.min(position, sheets.length)), 0, s);
        },
      },
      visibility: { get: (s) => s.visibility },
      showGridlines: { get: (s) => s.showGridlines },
    },
    navTypes: { names: "NamedItemCollection", tables: "TableCollection", charts: "ChartCollection",
                shapes: "ShapeCollection", pageLayout: "PageLayout", pivotTables: "PivotTableCollection" },
    nav: {
      names: (ws) => proxyOf(ws.context, "NamedItemCollection", () => ({ names: [] })),
      tables: (ws) => proxyOf(ws.context, "TableCollection", () => sheetOf(ws)),
      charts: (ws) => proxyOf(ws.context, "ChartCollection", () => sheetOf(ws)),
      shapes: (ws) => proxyOf(ws.context, "ShapeCollection", () => sheetOf(ws)),
      pageLayout: (ws) => proxyOf(ws.context, "PageLayout", () => sheetOf(ws)),
      pivotTables: (ws) => proxyOf(ws.context, "PivotTableCollection", () => sheetOf(ws)),
    },
    methods: {
      getRange: (ws, address) => rangeProxy(ws.context, () => {
        const sheet = sheetOf(ws);
        return address === undefined ? { sheet, top: 0, left: 0, rows: 1048576, columns: 16384 } : parseRange(sheet, address);
      }),
      getRangeByIndexes: (ws, top, left, rows, columns) =>
        rangeProxy(ws.context, () => ({ sheet: sheetOf(ws), top, left, rows, columns })),
      getUsedRangeOrNullObject: (ws) => rangeProxy(ws.context, () => usedBounds(sheetOf(ws)), true),
      getUsedRange: (ws) => rangeProxy(ws.context, () => usedBounds(sheetOf(ws)) || { sheet: sheetOf(ws), top: 0, left: 0, rows: 1, columns: 1 }),
      activate: (ws) => queue(ws.context, () => { sim.book.active = sim.book.sheets.indexOf(sheetOf(ws)); }),
      delete: (ws) => queue(ws.context, () => { sim.book.sheets.splice(sim.book.sheets.indexOf(sheetOf(ws)), 1); }),
    },
  };

  // Clears only the cells the sheet holds: a whole-sheet range has 17 billion cells.
  function clearGrid(grid, rect) {
    const bottom = Math.min(grid.length, rect.top + rect.rows);
    for (let row = rect.top; row < bottom; row++) {
      const cells = grid[row];
      if (!cells) continue;
      const right = Math.min(cells.length, rect.left + rect.columns);
      for (let column = rect.left; column < right; column++) cells[column] = null;
    }
  }

  function clearCells(rect, what) {
    const { sheet } = rect;
    if (what !== "Formats") [sheet.cells, sheet.formulas, sheet.links].forEach((grid) => clearGrid(grid, rect));
    if (what !== "Contents") {
      [sheet.formats, sheet.fills, sheet.bold].forEach((grid) => clearGrid(grid, rect));
      sheet.cfs = sheet.cfs.filter((cf) => !intersects(cf.rect, rect));
    }
  }

  TYPES.Range = {
    props: {
      address: { get: rangeAddress },
      rowCount: { get: (r) => r.rows },
      columnCount: { get: (r) => r.columns },
      rowIndex: { get: (r) => r.top },
      columnIndex: { get: (r) => r.left },
      values: {
        get: (r) => matrix(r, (row, column) => { const v = at(r.sheet.cells, row, column); return isEmpty(v) ? "" : v; }),
        set: (r, value) => writeMatrix(r, value, (row, column, v) => writeValue(r.sheet, row, column, v)),
      },
      numberFormat: {
        get: (r) => matrix(r, (row, column) => at(r.sheet.formats, row, column) || "General"),
        set: (r, value) => writeMatrix(r, value, (row, column, v) => {
          if (v !== null) put(r.sheet.formats, row, column, v === "General" ? null : v);
        }),
      },
      hyperlink: {
        get: (r) => at(r.sheet.links, r.top, r.left),
        set: (r, link) => eachCell(r, (row, column) => {
          put(r.sheet.links, row, column, link);
          if (link && link.textToDisplay !== undefined) writeValue(r.sheet, row, column, `'${link.textToDisplay}`);
        }),
      },
    },
    navTypes: { format: "RangeFormat", conditionalFormats: "ConditionalFormatCollection", worksheet: "Worksheet" },
    nav: {
      format: (range) => proxyOf(range.context, "RangeFormat", () => rectOf(range)),
      conditionalFormats: (range) => proxyOf(range.context, "ConditionalFormatCollection", () => rectOf(range)),
      worksheet: (range) => proxyOf(range.context, "Worksheet", () => rectOf(range).sheet),
    },
    methods: {
      clear: (range, what = "All") => queue(range.context, () => clearCells(rectOf(range), what)),
      // Excel shows the selected range: its sheet becomes the active one.
      select: (range) => queue(range.context, () => {
        const rect = rectOf(range);
        sim.book.active = sim.book.sheets.indexOf(rect.sheet);
        sim.book.selection = { ...rect };
      }),
      getSurroundingRegion: (range) => rangeProxy(range.context, () => rectOf(range)),
      getCell: (range, row, column) => rangeProxy(range.context, () => {
        const r = rectOf(range);
        return { sheet: r.sheet, top: r.top + row, left: r.left + column, rows: 1, columns: 1 };
      }),
      getResizedRange: (range, rows, columns) => rangeProxy(range.context, () => {
        const r = rectOf(range);
        return { ...r, rows: r.rows + rows, columns: r.columns + columns };
      }),
    },
  };

  TYPES.RangeFormat = {
    props: {
      columnWidth: {
        get: (r) => r.sheet.widths[r.left] || 48,
        set: (r, width) => { for (let c = 0; c < r.columns; c++) r.sheet.widths[r.left + c] = width; },
      },
      wrapText: { get: () => false, set: () => {} },
    },
    navTypes: { fill: "RangeFill", font: "RangeFont" },
    nav: {
      fill: (f) => proxyOf(f.context, "RangeFill", () => rectOf(f)),
      font: (f) => proxyOf(f.context, "RangeFont", () => rectOf(f)),
    },
    methods: {
      autofitColumns: (f) => queue(f.context, () => { rectOf(f); }),
    },
  };

  TYPES.RangeFill = {
    props: {
      color: {
        get: (r) => at(r.sheet.fills, r.top, r.left) || "#FFFFFF",
        set: (r, colour) => eachCell(r, (row, column) => put(r.sheet.fills, row, column, String(colour).toUpperCase())),
      },
    },
    methods: { clear: (fill) => queue(fill.context, () => { const r = rectOf(fill); eachCell(r, (row, column) => put(r.sheet.fills, row, column, null)); }) },
  };

  TYPES.RangeFont = {
    props: {
      bold: { get: (r) => Boolean(at(r.sheet.bold, r.top, r.left)),
              set: (r, bold) => eachCell(r, (row, column) => put(r.sheet.bold, row, column, Boolean(bold))) },
    },
    methods: {},
  };

  // Conditional formats: the collection of a range is every format that intersects it.
  TYPES.ConditionalFormatCollection = {
    collection: (rect) => rect.sheet.cfs.filter((cf) => intersects(cf.rect, rect)),
    itemType: "ConditionalFormat",
    props: {},
    methods: {
      add: (cfs, type) => {
        if (type !== "CellValue") throw violation(`conditional format type ${type} is not simulated`);
        const created = {};
        queue(cfs.context, () => {
          const rect = rectOf(cfs);
          Object.assign(created, { rect: { ...rect }, type, rule: null, fill: null });
          rect.sheet.cfs.push(created);
        });
        const proxy = proxyOf(cfs.context, "ConditionalFormat", () => created);
        return proxy;
      },
      clearAll: (cfs) => queue(cfs.context, () => {
        const rect = rectOf(cfs);
        rect.sheet.cfs = rect.sheet.cfs.filter((cf) => !intersects(cf.rect, rect));
      }),
    },
  };

  TYPES.ConditionalFormat = {
    props: { type: { get: (cf) => cf.type } },
    navTypes: { cellValue: "CellValueConditionalFormat", cellValueOrNullObject: "CellValueConditionalFormat" },
    nav: {
      cellValue: (cf) => proxyOf(cf.context, "CellValueConditionalFormat", () => model(cf.__state)),
      cellValueOrNullObject: (cf) => proxyOf(cf.context, "CellValueConditionalFormat", () => {
        const found = model(cf.__state);
        return found.type === "CellValue" ? found : null;
      }, { nullable: true }),
    },
    methods: {
      delete: (cf) => queue(cf.context, () => {
        const found = model(cf.__state);
        found.rect.sheet.cfs = found.rect.sheet.cfs.filter((other) => other !== found);
      }),
    },
  };

  TYPES.CellValueConditionalFormat = {
    props: {
      rule: {
        get: (cf) => ({ ...(cf.rule || {}) }),
        set: (cf, rule) => {
          const known = ["formula1", "formula2", "operator"];
          const unknown = Object.keys(rule).filter((k) => !known.includes(k));
          if (unknown.length) throw violation(`unknown conditional format rule keys ${unknown}`);
          cf.rule = { ...rule };
        },
      },
    },
    navTypes: { format: "ConditionalRangeFormat" },
    nav: { format: (v) => proxyOf(v.context, "ConditionalRangeFormat", () => model(v.__state)) },
    methods: {},
  };

  TYPES.ConditionalRangeFormat = {
    props: {},
    navTypes: { fill: "ConditionalRangeFill" },
    nav: { fill: (f) => proxyOf(f.context, "ConditionalRangeFill", () => model(f.__state)) },
    methods: {},
  };

  TYPES.ConditionalRangeFill = {
    props: { color: { get: (cf) => cf.fill, set: (cf, colour) => { cf.fill = String(colour).toUpperCase(); } } },
    methods: {},
  };

  // --- Office, Excel and CustomFunctions globals ------------------------------------------------
  function versionAtMost(asked, have) {
    const a = String(asked || "1.1").split(".").map(Number);
    const h = String(have).split(".").map(Number);
    return a[0] < h[0] || (a[0] === h[0] && (a[1] || 0) <= (h[1] || 0));
  }

  const ready = { host: "Excel", platform: "OfficeOnline" };
  globalThis.Office = {
    onReady: (callback) => { if (callback) callback(ready); return Promise.resolve(ready); },
    initialize: undefined,
    HostType: { Excel: "Excel" },
    PlatformType: { OfficeOnline: "OfficeOnline", PC: "PC" },
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    EventType: { DialogMessageReceived: "dialogMessageReceived", DialogEventReceived: "dialogEventReceived" },
    actions: { associate: (id, handler) => { sim.actions[id] = handler; } },
    context: {
      platform: "OfficeOnline",
      diagnostics: { version: "16.0 (simulated)", platform: "OfficeOnline" },
      requirements: {
        isSetSupported: (name, version) => name in SUPPORTED && versionAtMost(version, SUPPORTED[name]),
      },
      ui: {
        displayDialogAsync: (url, _options, callback) => {
          sim.alerts.push(new URL(url).searchParams.get("prompt"));
          const dialog = { addEventHandler: () => {}, close: () => {} };
          if (callback) callback({ status: "succeeded", value: dialog });
        },
      },
    },
  };

  globalThis.OfficeExtension = { Error: OfficeError };

  globalThis.Excel = {
    RequestContext,
    // Like Office.js, a batch's writes still queued when it returns are sent in one last sync.
    run: async (batch) => {
      const context = new RequestContext();
      const result = await batch(context);
      if (context.__queue.length) await context.sync();
      return result;
    },
    ConditionalFormatType: { cellValue: "CellValue" },
    ConditionalCellValueOperator: { equalTo: "EqualTo" },
    ShapeType: { image: "Image" },
    DeleteShiftDirection: { up: "Up", left: "Left" },
    InsertShiftDirection: { down: "Down", right: "Right" },
    ClearApplyTo: { all: "All", formats: "Formats", contents: "Contents" },
  };

  class CustomFunctionError extends Error {
    constructor(code, message) {
      super(message || code);
      this.code = code;
    }
  }
  globalThis.CustomFunctions = {
    associate: (name, fn) => { sim.functions[name] = fn; },
    Error: CustomFunctionError,
    ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A", divisionByZero: "#DIV/0!",
                 invalidNumber: "#NUM!", nullReference: "#NULL!", invalidName: "#NAME?",
                 invalidReference: "#REF!" },
  };

  // The moment each answer arrives, to count the syncs after it.
  const send = XMLHttpRequest.prototype.send;
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.__simUrl = String(url);
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (...args) {
    if (this.__simUrl.includes("/xlwings/")) {
      this.addEventListener("readystatechange", () => {
        if (this.readyState === 4) sim.answers.push({ url: this.__simUrl, syncsBefore: sim.syncs, status: this.status });
      });
    }
    return send.apply(this, args);
  };

  // --- what the driver reads back and edits ------------------------------------------------------
  const DUMPED = {
    values: (sheet, r, c) => { const v = at(sheet.cells, r, c); return isEmpty(v) ? null : v; },
    numberFormats: (sheet, r, c) => at(sheet.formats, r, c) || "General",
    colours: (sheet, r, c) => effectiveColour(sheet, r, c),
    fills: (sheet, r, c) => at(sheet.fills, r, c),
    formulas: (sheet, r, c) => at(sheet.formulas, r, c),
    bold: (sheet, r, c) => Boolean(at(sheet.bold, r, c)),
    links: (sheet, r, c) => at(sheet.links, r, c),
  };

  // parts: which matrices to return (default all of DUMPED); widths and conditional formats
  // always come along.
  sim.dump = function (parts = Object.keys(DUMPED)) {
    return {
      name: sim.book.name,
      sheets: sim.book.sheets.map((sheet) => {
        const bounds = usedBounds(sheet) || { sheet, top: 0, left: 0, rows: 0, columns: 0 };
        let rows = bounds.rows, columns = bounds.columns;
        for (const grid of [sheet.fills, sheet.formats, sheet.formulas]) {
          grid.forEach((cells, r) => cells && cells.forEach((v, c) => {
            if (v) { rows = Math.max(rows, r + 1); columns = Math.max(columns, c + 1); }
          }));
        }
        const rect = { sheet, top: 0, left: 0, rows, columns };
        const dumped = { name: sheet.name, widths: sheet.widths,
          conditionalFormats: sheet.cfs.map((cf) => ({ address: rangeAddress(cf.rect), type: cf.type, rule: cf.rule, fill: cf.fill })) };
        for (const part of parts) dumped[part] = matrix(rect, (r, c) => DUMPED[part](sheet, r, c));
        return dumped;
      }),
    };
  };

  // The selected range as Excel names it ("'Exception Notes'!B5"); null before any select().
  sim.selected = function () {
    return sim.book.selection ? rangeAddress(sim.book.selection) : null;
  };

  sim.setCell = function (sheetName, row, column, value) {
    writeValue(findSheet(sheetName), row - 1, column - 1, value);
  };
})();
