// Prints how to use the running demo system.
// Usage: node scripts/print-demo-banner.mjs '<seed json>' <apiPort> <uiPort> [<sync workflow id>] [<simulator url>]
const [seedJson, port, uiPort, syncWorkflow, simulatorUrl] = process.argv.slice(2);
const d = JSON.parse(seedJson);
const body = {
  secretKey: d.partnerSecretKey,
  businessId: `demo-${Date.now()}`,
  linkManName: '王先生',
  linkManTel: '138 0013 8000',
  remark: '想了解企业版报价',
  source: 1,
  fromPage: 'https://www.baidu.com/s?wd=scrm',
  landPage: 'https://example.com/landing',
  submitPage: 'https://example.com/landing#form',
  device: 'mobile',
  chat: '访客: 你好, 报价多少?',
};
/** The sales team's logins: the manager sees their department and below, a salesperson their own rows. */
function salesLines(logins) {
  if (!Array.isArray(logins) || logins.length === 0) return '';
  const rows = logins.map(
    (l) =>
      `    ${l.username.padEnd(8)} / ${l.password}   ${l.role} · ${l.dept}` +
      (l.wecomUserid ? `   (WeCom ${l.wecomUserid})` : '   (not bound to a WeCom employee yet)'),
  );
  return `  Sales team   (a 销售经理 sees 销售部 and its teams; a 销售 sees only their own clues and customers)\n${rows.join('\n')}\n`;
}

console.log(`
SCRM backend is running.
  API          http://127.0.0.1:${port}   (docs: /docs, OpenAPI: /openapi.json, health: /health)
  Temporal UI  http://127.0.0.1:${uiPort}
  Admin login  ${d.adminUsername ?? 'admin'} / ${d.adminPassword ?? '(see .data/demo-credentials.json)'}
  Partner key  ${d.partnerSecretKey}
${salesLines(d.salesLogins)}
  Logs         .data/api.log  .data/worker.log  ${process.env.TEMPORAL_LOG_FILE ?? '.data/temporal.log'}

Post a clue (change businessId to post another):
  curl -s -X POST http://127.0.0.1:${port}/api-scrm/openapi/clue/collect \\
    -H 'content-type: application/json' \\
    -d '${JSON.stringify(body)}'

Then, in the Temporal UI, filter workflows by  BusinessId="${body.businessId}"  (or ClueId="<id>");
workflow ids are clue-distribution-<clue id>. Log in for the admin API:
  curl -s -X POST http://127.0.0.1:${port}/admin/auth/login -H 'content-type: application/json' \\
    -d '{"username":"${d.adminUsername ?? 'admin'}","password":"<password above>"}'
`);
if (syncWorkflow) {
  console.log(`WeCom: a full sync of the corp is running as workflow ${syncWorkflow} (Temporal UI, query "progress").`);
}
if (simulatorUrl) {
  console.log(`WeCom simulator (demo corp): ${simulatorUrl}  — make a customer add an employee, with a real signed callback:
  curl -s -X POST ${simulatorUrl}/control/corps/wwdemo00000001/actions/customer-adds-employee -H 'content-type: application/json' -d '{}'
`);
}
