/**
 * Runs several npm scripts at once and fails if any fails:
 * `node scripts/run-parallel.mjs typecheck:src typecheck:ui build`.
 * `npm test` uses it for its checks before vitest: each tsc run is one
 * process on one core, so on two cores they take the time of the longest
 * instead of the sum. Each script's output is printed as a block when it ends
 * (not interleaved), then the exit code of every script.
 */
import { spawn } from "node:child_process";

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error("usage: node scripts/run-parallel.mjs <npm script> [<npm script> ...]");
  process.exit(2);
}

const started = Date.now();
const results = await Promise.all(scripts.map(runScript));
for (const { script, code, output, ms } of results) {
  process.stdout.write(
    `\n== npm run ${script} (${code === 0 ? "ok" : `failed, exit code ${code}`}, ${ms} ms)\n${output}`,
  );
}
const failed = results.filter((result) => result.code !== 0).map((result) => result.script);
console.log(
  `\n== ${scripts.join(", ")}: ${Date.now() - started} ms${failed.length ? `; failed: ${failed.join(", ")}` : ""}`,
);
process.exit(failed.length ? 1 : 0);

/** Runs `npm run <script>`, collecting its stdout and stderr together. */
function runScript(script) {
  return new Promise((resolve) => {
    const begun = Date.now();
    const child = spawn("npm", ["run", "--silent", script], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", (error) => resolve({ script, code: 1, output: `${output}${error.message}\n`, ms: 0 }));
    child.on("close", (code, signal) =>
      resolve({ script, code: code ?? (signal ? 1 : 0), output, ms: Date.now() - begun }),
    );
  });
}
