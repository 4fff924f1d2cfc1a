import { assetflow } from "assetflow/vitest";
import { defineConfig } from "vitest/config";

// assetflow() lowers @dag/@task decorators before Vite transforms the files (Vite 8 does not).
export default defineConfig({ plugins: [assetflow()] });
