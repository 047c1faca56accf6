#!/usr/bin/env node
// Builds the browser bundles (dashboard, web SDK) when missing or older than their sources, so
// `npm start` and the tests on a fresh clone serve current code without a separate build step.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const BUNDLES = [
  { src: "dashboard", out: "dist/dashboard/index.html", script: "build:dashboard" },
  { src: "web-sdk", out: "dist/web-sdk/parley-web.js", script: "build:web-sdk" },
];

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

for (const b of BUNDLES) {
  if (!existsSync(b.src)) continue;
  if (existsSync(b.out) && statSync(b.out).mtimeMs >= newest(b.src)) continue;
  const r = spawnSync("npm", ["run", "--silent", b.script], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
