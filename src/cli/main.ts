import { Command } from "commander";
import pc from "picocolors";
import { ApiClient } from "./api-client.js";
import { callTable, explainCall } from "./format.js";
import { serve } from "./serve.js";

type Json = Record<string, unknown>;

const program = new Command("parley").description("Parley: self-hosted voice-AI calls with a precise reason for every ending").version("0.1.0");
program.option("--url <url>", "Parley's HTTP address", process.env.PARLEY_URL ?? `http://127.0.0.1:${process.env.PARLEY_HTTP_PORT ?? 8080}`);
program.option("--api-key <key>", "API key (default $PARLEY_API_KEY)", process.env.PARLEY_API_KEY);
program.option("--json", "print raw JSON");

const client = () => {
  const o = program.opts<{ url: string; apiKey?: string }>();
  return new ApiClient(o.url, o.apiKey);
};
const asJson = () => Boolean(program.opts<{ json?: boolean }>().json);
const print = (v: unknown): void => {
  process.stdout.write(JSON.stringify(v, null, 2) + "\n");
};

program.command("serve").description("run the platform (HTTP API, dashboard, SIP, media)").action(serve);

const calls = program.command("calls").description("inspect calls");
calls
  .command("list")
  .description("recent calls, newest first")
  .option("-n, --limit <n>", "how many", "20")
  .option("-r, --reason <reason...>", "only these disconnection reasons")
  .option("-s, --status <status...>", "only these statuses")
  .action(async (o: { limit: string; reason?: string[]; status?: string[] }) => {
    const filter: Json = {};
    if (o.reason) filter.disconnection_reason = { type: "enum", op: "in", value: o.reason };
    if (o.status) filter.call_status = { type: "enum", op: "in", value: o.status };
    const page = await client().call<{ items: Json[] }>("POST", "/v3/list-calls", { limit: Number(o.limit), filter_criteria: filter });
    if (asJson()) print(page.items);
    else process.stdout.write(callTable(page.items) + "\n");
  });
calls.command("get <callId>").description("one call as JSON").action(async (id: string) => print(await client().call("GET", `/v2/get-call/${encodeURIComponent(id)}`)));
calls
  .command("explain <callId>")
  .description("why a call ended: the reason, what it means, the evidence and the remedy")
  .action(async (id: string) => {
    const call = await client().call<Json>("GET", `/v2/get-call/${encodeURIComponent(id)}`);
    if (asJson()) print(call);
    else process.stdout.write(explainCall(call) + "\n");
  });
calls.command("stop <callId>").description("stop a live call").action(async (id: string) => {
  await client().call("POST", `/v2/stop-call/${encodeURIComponent(id)}`);
  process.stdout.write(`stopped ${id}\n`);
});

const agents = program.command("agents").description("manage agents");
agents.command("list").action(async () => {
  const page = await client().call<{ items: Json[] }>("POST", "/v2/list-agents?limit=1000");
  if (asJson()) print(page.items);
  else for (const a of page.items) process.stdout.write(`${String(a.agent_id)}  ${String(a.agent_name ?? "")}\n`);
});
agents.command("get <agentId>").action(async (id: string) => print(await client().call("GET", `/get-agent/${encodeURIComponent(id)}`)));
agents.command("delete <agentId>").action(async (id: string) => {
  await client().call("DELETE", `/delete-agent/${encodeURIComponent(id)}`);
  process.stdout.write(`deleted ${id}\n`);
});

const numbers = program.command("numbers").description("manage phone numbers");
numbers.command("list").action(async () => {
  const page = await client().call<{ items: Json[] }>("GET", "/v2/list-phone-numbers?limit=1000");
  if (asJson()) print(page.items);
  else for (const n of page.items) process.stdout.write(`${String(n.phone_number)}  ${String(n.phone_number_type)}  ${JSON.stringify(n.sip_outbound_trunk_config ?? {})}\n`);
});
numbers.command("get <number>").action(async (n: string) => print(await client().call("GET", `/get-phone-number/${n}`)));
numbers.command("delete <number>").action(async (n: string) => {
  await client().call("DELETE", `/delete-phone-number/${n}`);
  process.stdout.write(`deleted ${n}\n`);
});

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${pc.red("error")} ${(err as Error).message}\n`);
  process.exit(1);
});
