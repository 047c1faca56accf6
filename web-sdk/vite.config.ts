import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

// `npx vite build --config web-sdk/vite.config.ts` → dist/web-sdk/parley-web.js (one ES module),
// which Parley serves at /sdk/parley-web.js.
export default defineConfig({
  build: {
    lib: { entry: fileURLToPath(new URL("src/index.ts", import.meta.url)), formats: ["es"], fileName: () => "parley-web.js" },
    outDir: fileURLToPath(new URL("../dist/web-sdk", import.meta.url)),
    emptyOutDir: false,
    target: "es2022",
    minify: false,
    sourcemap: true,
  },
});
