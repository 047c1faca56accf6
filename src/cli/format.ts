import pc from "picocolors";
import { reasonInfo, isDisconnectionReason } from "../core/index.js";

type Call = Record<string, unknown>;

const STATUS_COLOR: Record<string, (s: string) => string> = {
  ended: pc.green,
  ongoing: pc.cyan,
  registered: pc.cyan,
  not_connected: pc.yellow,
  error: pc.red,
};

function time(ms: unknown): string {
  return typeof ms === "number" ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "-";
}

/** One line per call, aligned, for `parley calls list`. */
export function callTable(calls: Call[]): string {
  const rows = calls.map((c) => [
    String(c.call_id),
    time(c.start_timestamp),
    String(c.call_type === "web_call" ? "web" : (c.direction ?? "")),
    String(c.to_number ?? c.from_number ?? ""),
    String(c.call_status),
    String(c.disconnection_reason ?? ""),
  ]);
  const head = ["CALL", "STARTED (UTC)", "DIR", "NUMBER", "STATUS", "REASON"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[], color = false) =>
    r.map((v, i) => {
      const padded = v.padEnd(widths[i]!);
      return color && i === 4 ? (STATUS_COLOR[v] ?? ((s: string) => s))(padded) : padded;
    }).join("  ");
  return [pc.bold(fmt(head)), ...rows.map((r) => fmt(r, true))].join("\n");
}

/** The full story of one ending, for `parley calls explain`. */
export function explainCall(c: Call): string {
  const reason = c.disconnection_reason;
  const lines: string[] = [];
  lines.push(`${pc.bold("Call")} ${String(c.call_id)}  ${(STATUS_COLOR[String(c.call_status)] ?? pc.white)(String(c.call_status))}`);
  if (!isDisconnectionReason(reason)) {
    lines.push(`The call has not ended yet (status ${String(c.call_status)}).`);
    return lines.join("\n");
  }
  const info = reasonInfo(reason);
  const d = (c.disconnection_detail ?? {}) as Record<string, unknown>;
  lines.push(`${pc.bold("Reason")}   ${pc.bold(reason)}${info.legacy ? pc.dim(" (legacy)") : ""}`);
  lines.push(`${pc.bold("Meaning")}  ${info.meaning}`);
  lines.push(`${pc.bold("Ended by")} ${String(d.fault ?? info.fault)}, during ${String(d.phase ?? "?")}`);
  if (d.message) lines.push(`${pc.bold("Detail")}   ${String(d.message)}${d.sub_reason ? pc.dim(` [${String(d.sub_reason)}]`) : ""}`);
  const sip = d.sip as Record<string, unknown> | undefined;
  if (sip) {
    lines.push(`${pc.bold("SIP")}      ${sip.code != null ? `${String(sip.code)} ${String(sip.phrase)}` : `${String(sip.method)} from the far end`}`);
    if (sip.reason_header) lines.push(`${pc.bold("Reason:")}  ${String(sip.reason_header)}`);
    const carrier = sip.carrier_headers as Record<string, string> | undefined;
    for (const [k, v] of Object.entries(carrier ?? {})) lines.push(`${pc.bold(k + ":")} ${v}`);
  }
  const ts = (d.timestamps ?? {}) as Record<string, number | null>;
  const start = typeof c.start_timestamp === "number" ? c.start_timestamp : undefined;
  const steps = Object.entries(ts).filter(([, v]) => typeof v === "number") as [string, number][];
  if (steps.length > 0 && start !== undefined) {
    lines.push(pc.bold("Timeline"));
    for (const [k, v] of steps) lines.push(`  +${String(v - start).padStart(6)} ms  ${k}`);
  }
  lines.push(`${pc.bold("Remedy")}   ${info.remedy === "none" ? pc.dim("none needed") : pc.yellow(info.remedy)}`);
  for (const k of ["public_log_url", "recording_url", "pcap_url"]) if (typeof c[k] === "string") lines.push(`${pc.dim(k.padEnd(15))} ${String(c[k])}`);
  return lines.join("\n");
}
