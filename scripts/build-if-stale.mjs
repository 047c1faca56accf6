#!/usr/bin/env node
// Builds the dashboard when its bundle is missing or older than its sources, so `npm start`
// on a fresh clone serves a current UI without a separate build step.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const out = "dist/dashboard/index.html";
function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}
if (!existsSync("dashboard/index.html")) process.exit(0);
if (existsSync(out) && statSync(out).mtimeMs >= newest("dashboard")) process.exit(0);
const r = spawnSync("npm", ["run", "--silent", "build:dashboard"], { stdio: "inherit" });
process.exit(r.status ?? 1);
