import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^assetflow$/, replacement: here("./sdk/index.ts") },
      { find: /^assetflow\/sdk$/, replacement: here("./sdk/index.ts") },
      { find: /^assetflow\/testing$/, replacement: here("./testing/index.ts") },
      { find: /^assetflow\/compiler$/, replacement: here("./compiler/index.ts") },
      { find: /^assetflow\/runtime$/, replacement: here("./runtime/index.ts") },
      { find: /^assetflow\/scheduler$/, replacement: here("./scheduler/index.ts") },
    ],
  },
  test: {
    include: [
      "sdk/**/*.test.ts",
      "compiler/**/*.test.ts",
      "scheduler/**/*.test.ts",
      "runtime/**/*.test.ts",
      "server/**/*.test.ts",
      "cli/**/*.test.ts",
      "testing/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    typecheck: { enabled: false },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
