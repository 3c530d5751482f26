// KPI ribbon tab (overrides xlwings Server's static/js/ribbon.js).
// Each button in templates/manifest.xml is an ExecuteFunction whose <FunctionName> is bound
// here with Office.actions.associate; it runs one custom script of custom_scripts/__init__.py
// through xlwings.runPython. event.completed() must always be called, even after an error.
async function runKpiScript(scriptName, event) {
  try {
    let authResult =
      typeof globalThis.getAuth === "function"
        ? await globalThis.getAuth()
        : { token: "", provider: "" };
    await xlwings.runPython({
      auth: authResult.token,
      scriptName: scriptName,
      headers: { "Auth-Provider": authResult.provider },
    });
  } finally {
    event.completed();
  }
}

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
