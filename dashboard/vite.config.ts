import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

// Parley serves the shell at / and the hashed assets under /dashboard/ (src/api/routes/dashboard.ts).
export default defineConfig({
  root: here,
  base: "/dashboard/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
  },
  server: {
    // `vite --config dashboard/vite.config.ts` during development: the API runs on npm start.
    proxy: Object.fromEntries(
      ["/v2", "/v3", "/parley", "/list-voices", "/create-agent", "/get-agent", "/update-agent", "/delete-agent", "/import-phone-number", "/update-phone-number", "/delete-phone-number", "/artifacts"].map((p) => [p, process.env.PARLEY_URL ?? "http://127.0.0.1:8080"]),
    ),
  },
});
