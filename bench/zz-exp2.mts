import { benchMessages } from "./sip-parser.ts";
import { parseMessage } from "../src/sip/parse.ts";
const inv = benchMessages()[0]!.data;
function m(fn: () => unknown, n = 300000) { for (let i = 0; i < 5000; i++) fn(); const t = process.cpuUsage(); for (let i = 0; i < n; i++) fn(); const u = process.cpuUsage(t); return Math.round((u.user + u.system) * 1000 / n); }
const r: number[] = []; for (let k = 0; k < 7; k++) r.push(m(() => parseMessage(inv)));
console.log("ns/msg", Math.min(...r), r.join(" "));
