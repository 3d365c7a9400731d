// Reads a Statuspage-compatible API with the npm client `statuspage.io`
// (written for Atlassian Statuspage, not for Clarion) and prints what it got
// as one JSON object. Usage: node read_status.js BASE_URL
"use strict";
const { Statuspage } = require("statuspage.io");

async function main() {
  const base = process.argv[2];
  if (!base) throw new Error("usage: node read_status.js BASE_URL");
  const client = new Statuspage("clarion");
  client.setApiUrl(base);
  const { api } = client;
  const [summary, status, components, all, unresolved, upcoming, active, maintenances] = await Promise.all([
    api.getSummary(),
    api.getStatus(),
    api.getComponents(),
    api.incidents.getAll(),
    api.incidents.getUnresolved(),
    api.scheduledMaintenances.getUpcoming(),
    api.scheduledMaintenances.getActive(),
    api.scheduledMaintenances.getAll(),
  ]);
  const names = (list) => list.map((item) => item.name);
  process.stdout.write(
    JSON.stringify({
      page: summary.page.name,
      indicator: status.status.indicator,
      description: status.status.description,
      summaryIndicator: summary.status.indicator,
      components: Object.fromEntries(components.components.map((c) => [c.name, c.status])),
      summaryIncidents: names(summary.incidents),
      summaryMaintenances: names(summary.scheduled_maintenances),
      incidents: all.incidents.map((i) => ({ name: i.name, status: i.status, impact: i.impact, updates: i.incident_updates.length })),
      unresolved: names(unresolved.incidents),
      upcoming: names(upcoming.scheduled_maintenances),
      // This client's getActive() and getAll() request upcoming.json (a bug in
      // the client, kept as it is): they are reported for completeness.
      active: names(active.scheduled_maintenances),
      maintenances: names(maintenances.scheduled_maintenances),
    }) + "\n",
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
