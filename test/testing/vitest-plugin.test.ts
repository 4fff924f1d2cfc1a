/**
 * `assetflow/vitest` lowers decorators before Vite's own transform (Vite 8
 * does not): the output has no decorator syntax left, loads, and defines the
 * same DAG, with standard decorators and with `experimentalDecorators`
 * (following the tsconfig above the file). Files without decorators are left
 * to Vite. (The generated project's system test runs it under Vite 8.)
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { resolveDag } from "assetflow";
import { assetflow } from "assetflow/vitest";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const work = join(root, "test/artifacts", `vitest-plugin-${process.pid}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const source = `import { Asset, dag, Metadata, type TaskContext, task } from "assetflow";
const orders = new Asset<{ rowCount: number }>("s3://warehouse/orders.parquet");
@dag({ dagId: "decorated", schedule: "@daily" })
export class Decorated {
  @task({ outlets: [orders] })
  *load(_ctx: TaskContext) {
    yield new Metadata(orders, { rowCount: 3 });
  }
  @task({ after: ["load"] })
  report(ctx: TaskContext): void {
    ctx.log("done");
  }
}
`;

async function lower(mode: "standard" | "experimental") {
  const folder = join(work, mode);
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, "tsconfig.json"),
    `{
  // comments are allowed, as in any tsconfig
  "compilerOptions": { "strict": true${mode === "experimental" ? ', "experimentalDecorators": true' : ""} }
}
`,
  );
  const file = join(folder, "decorated.ts");
  const result = await assetflow().transform(source, `${file}?v=1`);
  expect(result).not.toBeNull();
  const lowered = join(folder, "decorated.mjs");
  writeFileSync(lowered, result?.code ?? "");
  return { result, module: (await import(/* @vite-ignore */ pathToFileURL(lowered).href)) as Record<string, unknown> };
}

describe("assetflow/vitest", () => {
  it.each(["standard", "experimental"] as const)(
    "lowers %s decorators into code that defines the DAG",
    async (mode) => {
      const { result, module } = await lower(mode);
      expect(result?.code).not.toMatch(/^\s*@(dag|task)\(/m);
      expect(JSON.parse(result?.map ?? "{}").sources).toEqual([join(work, mode, "decorated.ts")]);
      const dag = resolveDag(module.Decorated);
      expect(dag.dagId).toBe("decorated");
      expect([...dag.tasks.keys()].sort()).toEqual(["load", "report"]);
      expect([...(dag.upstream.get("report") ?? [])]).toEqual(["load"]);
    },
  );

  it("the two modes lower differently, as their tsconfigs ask", async () => {
    const standard = await assetflow().transform(source, join(work, "standard", "decorated.ts"));
    const legacy = await assetflow().transform(source, join(work, "experimental", "decorated.ts"));
    expect(legacy?.code).toContain("__decorateClass");
    expect(standard?.code).toContain("__decorateElement");
  });

  it("leaves files without decorators, JavaScript and dependencies to Vite", async () => {
    const plugin = assetflow();
    expect(await plugin.transform("export const x: number = 1;\n", join(work, "plain.ts"))).toBeNull();
    expect(await plugin.transform(source, join(work, "decorated.js"))).toBeNull();
    expect(await plugin.transform(source, "/project/node_modules/lib/index.ts")).toBeNull();
    expect(plugin).toMatchObject({ name: "assetflow:decorators", enforce: "pre" });
  });
});
