// The KPI task pane (templates/taskpane.html). Its three buttons run the ribbon's scripts
// (runKpiScript in ribbon.js: the same script names, the same xlwings.runPython). Every run,
// from here or from the ribbon, ends with a runMacro action calling kpiShowRun with the run's
// own result (addin/task_pane.py), which this file shows: the counts, the findings (a click
// selects the cell where the fix goes, with Office.js) and the rules in use.
"use strict";

const kpiPane = {
  byId: (id) => document.getElementById(id),
  running: false,
  results: 0,  // runs shown so far: a run that ends without one did not finish
};

function kpiElement(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = String(text);
  return element;
}

function kpiPlural(count, word) {
  return `${count} ${word}${count === 1 || word === "info" ? "" : "s"}`;
}

function kpiSay(message, isError = false) {
  const status = kpiPane.byId("kpi-pane-status");
  status.textContent = message;
  status.classList.toggle("kpi-error", isError);
}

function kpiDefinitions(list, pairs) {
  list.replaceChildren();
  for (const [name, value] of pairs) {
    list.append(kpiElement("dt", "", name), kpiElement("dd", "", value));
  }
}

function kpiShowCounts(counts) {
  const section = kpiPane.byId("kpi-pane-last-run");
  section.hidden = !counts;
  if (!counts) return;
  const severities = ["error", "warning", "info"]
    .filter((level) => counts.severities[level])
    .map((level) => kpiPlural(counts.severities[level], level));
  kpiDefinitions(kpiPane.byId("kpi-pane-counts"), [
    ["Indicators", `${counts.indicators} in ${kpiPlural(counts.tables, "table")}`],
    ...counts.statuses.map((status) => [status.label, String(status.count)]),
    ["Findings", counts.findings ? `${counts.findings}: ${severities.join(", ")}` : "none"],
  ]);
}

function kpiFindingButton(finding) {
  const button = kpiElement("button", "kpi-finding");
  button.type = "button";
  button.dataset.severity = finding.severity;
  button.append(
    kpiElement("span", "kpi-severity", finding.severity),
    kpiElement("span", "kpi-indicator", finding.indicator || "(no indicator)"),
    kpiElement("span", "kpi-problem", finding.problem),
  );
  if (finding.sheet && finding.cell) {
    button.append(kpiElement("span", "kpi-place", `Go to ${finding.place}`));
    button.addEventListener("click", () => kpiSelect(button, finding));
  } else {
    button.disabled = true;  // a finding about the whole book has no cell to go to
  }
  button.title = `${finding.details}. ${finding.advice}`;
  return button;
}

function kpiShowFindings(result) {
  const section = kpiPane.byId("kpi-pane-findings-section");
  const shown = result.part !== "summary" && !result.error;
  section.hidden = !shown;
  const list = kpiPane.byId("kpi-pane-findings");
  list.replaceChildren();
  if (!shown) return;
  for (const finding of result.findings) {
    const item = kpiElement("li");
    item.append(kpiFindingButton(finding));
    list.append(item);
  }
  if (!result.findings.length) list.append(kpiElement("li", "kpi-help", "No findings: every check passed."));
  const more = kpiPane.byId("kpi-pane-more");
  more.hidden = !result.more;
  more.textContent = result.more ? `And ${result.more} more in the "KPI Validation" sheet.` : "";
}

function kpiShowRules(rules) {
  const section = kpiPane.byId("kpi-pane-rules-section");
  section.hidden = !rules;
  if (rules) kpiDefinitions(kpiPane.byId("kpi-pane-rules"), rules.map((rule) => [rule.name, rule.value]));
}

// Called by the runMacro action a ribbon script queues last (its name is the callback's key).
async function kpiShowRun(_context, resultText) {
  const result = JSON.parse(resultText);
  kpiPane.results += 1;
  kpiSay(result.message, Boolean(result.error));
  if (result.error) return;
  kpiShowCounts(result.counts);
  kpiShowFindings(result);
  kpiShowRules(result.rules);
}

async function kpiSelect(button, finding) {
  try {
    await Excel.run(async (context) => {
      const sheet = context.workbook.worksheets.getItem(finding.sheet);
      sheet.activate();
      sheet.getRange(finding.cell).select();
      await context.sync();
    });
    for (const other of document.querySelectorAll(".kpi-finding[aria-current]")) {
      other.removeAttribute("aria-current");
    }
    button.setAttribute("aria-current", "true");
    kpiSay(`Selected ${finding.place}: ${finding.advice}`);
  } catch (error) {
    kpiSay(`Could not go to ${finding.place}: ${error.message || error}`, true);
  }
}

async function kpiRunFromPane(button) {
  if (kpiPane.running) return;
  kpiPane.running = true;
  const buttons = document.querySelectorAll(".kpi-action");
  buttons.forEach((b) => { b.disabled = true; });
  kpiPane.byId("kpi-pane").setAttribute("aria-busy", "true");
  kpiSay(`${button.textContent}: running…`);
  const before = kpiPane.results;
  try {
    // ribbon.js's runner, given an event as Office gives a ribbon button one
    await new Promise((resolve) => { runKpiScript(button.dataset.script, { completed: resolve }); });
    if (kpiPane.results === before) kpiSay(`${button.textContent} did not finish: see the message.`, true);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    kpiPane.byId("kpi-pane").removeAttribute("aria-busy");
    kpiPane.running = false;
  }
}

function kpiStartPane() {
  xlwings.registerCallback(kpiShowRun);
  for (const button of document.querySelectorAll(".kpi-action")) {
    button.addEventListener("click", () => kpiRunFromPane(button));
  }
}

if (globalThis.xlwings) kpiStartPane();
else document.addEventListener("DOMContentLoaded", kpiStartPane);
