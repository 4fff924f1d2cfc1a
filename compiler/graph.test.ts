import { manifestToJson } from "assetflow";
import { describe, expect, it } from "vitest";
import { emit } from "./emit.js";
import { buildAssetGraph, diffManifests, downstream, upstream } from "./graph.js";
import { compileSource } from "./test-support.js";

/** raw -> ingest -> curated ; curated & reference -> report (all) ; curated | extra -> notify (any) ; outputs alias */
const project = `import { any, Asset, AssetAlias, dag, task } from "assetflow";
const raw = new Asset("s3://lake/raw");
const curated = new Asset({ uri: "s3://lake/curated", name: "curated" });
const reference = new Asset("s3://lake/reference");
const summary = new Asset("s3://lake/summary");
const outputs = new AssetAlias("outputs");
dag({ dagId: "source", schedule: "@hourly" }, () => { task({ taskId: "pull", outlets: [raw] }, () => {}); });
dag({ dagId: "ingest", schedule: [raw] }, () => { task({ taskId: "clean", outlets: [curated], inlets: [raw] }, () => {}); });
dag({ dagId: "report", schedule: curated.and(reference) }, () => { task({ taskId: "build", outlets: [summary, outputs] }, () => {}); });
dag({ dagId: "notify", schedule: any(Asset.ref({ name: "curated" }), new Asset("s3://lake/extra")) }, () => {});
dag({ dagId: "on_alias", schedule: outputs }, () => {});
dag({ dagId: "on_summary", schedule: [summary] }, () => {});
`;

const manifest = compileSource(project).manifest;

describe("downstream: what runs if an asset changes", () => {
  it("follows consumers transitively, marking those that also wait for other assets", () => {
    expect(downstream(manifest, "s3://lake/raw").dags).toEqual([
      { dagId: "ingest", depth: 1, via: ["s3://lake/raw"], runs: true },
      { dagId: "notify", depth: 2, via: ["ref:name:curated"], runs: true },
      { dagId: "report", depth: 2, via: ["s3://lake/curated"], runs: false },
    ]);
  });

  it("runs a DAG once every asset of its condition is updated, and propagates through aliases", () => {
    const result = downstream(manifest, "s3://lake/reference");
    expect(result.dags.map((dag) => [dag.dagId, dag.runs])).toEqual([["report", false]]);
    expect(downstream(manifest, "curated").target.assets).toEqual([{ name: "curated", uri: "s3://lake/curated" }]);
  });

  it("sanitizes the URI it is given", () => {
    expect(downstream(manifest, "S3://lake/raw/").dags[0]?.dagId).toBe("ingest");
  });

  it("answers for an alias name", () => {
    expect(downstream(manifest, "outputs").dags).toEqual([
      { dagId: "on_alias", depth: 1, via: ["alias:outputs"], runs: true },
    ]);
  });
});

describe("query targets", () => {
  it("marks a target nothing declares or references as unknown", () => {
    expect(downstream(manifest, "s3://lake/typo").target.known).toBe(false);
    expect(upstream(manifest, "no_such_dag").target.known).toBe(false);
  });

  it("knows declared assets, aliases, DAGs and names only an Asset.ref mentions", () => {
    expect(downstream(manifest, "s3://lake/raw").target.known).toBe(true);
    expect(downstream(manifest, "outputs").target.known).toBe(true);
    expect(upstream(manifest, "report").target.known).toBe(true);
    const refOnly = compileSource(`import { Asset, dag } from "assetflow";
dag({ dagId: "waits", schedule: Asset.ref({ uri: "s3://elsewhere/data" }) }, () => {});
`).manifest;
    expect(downstream(refOnly, "s3://elsewhere/data").target.known).toBe(true);
    expect(downstream(refOnly, "s3://elsewhere/data").dags.map((dag) => dag.dagId)).toEqual(["waits"]);
  });
});

describe("upstream: what must run before", () => {
  it("lists the producers of a DAG's schedule, transitively", () => {
    expect(upstream(manifest, "report").dags).toEqual([
      { dagId: "ingest", depth: 1, via: ["s3://lake/curated"], runs: true },
      { dagId: "source", depth: 2, via: ["s3://lake/raw"], runs: true },
    ]);
  });

  it("lists the producers of an asset and of what they wait for", () => {
    expect(upstream(manifest, "s3://lake/summary").dags.map((dag) => [dag.dagId, dag.depth])).toEqual([
      ["report", 1],
      ["ingest", 2],
      ["source", 3],
    ]);
  });
});

describe("the asset graph", () => {
  it("has nodes for DAGs, assets, aliases and refs, and edges for outlets, schedules, inlets and refs", () => {
    const graph = buildAssetGraph(manifest);
    expect(graph.nodes.filter((node) => node.kind === "dag")).toHaveLength(6);
    expect(graph.nodes.filter((node) => node.kind === "ref")).toEqual([
      { kind: "ref", id: "ref:name:curated", name: "curated" },
    ]);
    expect(graph.edges.filter((edge) => edge.from === "dag:report")).toEqual([
      { kind: "outlet", from: "dag:report", to: "alias:outputs", tasks: ["build"] },
      { kind: "outlet", from: "dag:report", to: 'asset:["s3://lake/summary","s3://lake/summary"]', tasks: ["build"] },
    ]);
    expect(graph.edges.filter((edge) => edge.kind === "ref")).toEqual([
      { kind: "ref", from: 'asset:["curated","s3://lake/curated"]', to: "ref:name:curated", tasks: [] },
    ]);
  });
});

describe("Asset.ref in a task's inlets", () => {
  const source = `import { Asset, dag, task } from "assetflow";
const orders = new Asset({ uri: "s3://warehouse/orders", name: "orders" });
dag({ dagId: "producer", schedule: null }, () => { task({ taskId: "write", outlets: [orders] }, () => {}); });
dag({ dagId: "report", schedule: null }, () => {
  task({ taskId: "by_name", inlets: [Asset.ref({ name: "orders" })] }, async (ctx) => ctx.inletEvents.get(Asset.ref({ name: "orders" })).length());
  task({ taskId: "by_uri", inlets: [Asset.ref({ uri: "s3://warehouse/orders" })] }, async (ctx) => ctx.inletEvents.get(orders).length());
  task({ taskId: "unknown", inlets: [Asset.ref({ name: "nowhere" })] }, () => {});
});
`;

  it("shows the ref as an inlet node of the DAG, resolved to the asset of that name or URI when there is one", () => {
    const compiled = compileSource(source);
    expect(compiled.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    const graph = buildAssetGraph(compiled.manifest);
    expect(graph.edges.filter((edge) => edge.to === "dag:report")).toEqual([
      { kind: "inlet", from: "ref:name:nowhere", to: "dag:report", tasks: ["unknown"] },
      { kind: "inlet", from: "ref:name:orders", to: "dag:report", tasks: ["by_name"] },
      { kind: "inlet", from: "ref:uri:s3://warehouse/orders", to: "dag:report", tasks: ["by_uri"] },
    ]);
    expect(graph.edges.filter((edge) => edge.kind === "ref")).toEqual([
      { kind: "ref", from: 'asset:["orders","s3://warehouse/orders"]', to: "ref:name:orders", tasks: [] },
      { kind: "ref", from: 'asset:["orders","s3://warehouse/orders"]', to: "ref:uri:s3://warehouse/orders", tasks: [] },
    ]);
  });

  it("warns when a task reads a ref its inlets do not name", () => {
    const compiled = compileSource(
      source.replace('get(Asset.ref({ name: "orders" }))', 'get(Asset.ref({ name: "customers" }))'),
    );
    expect(compiled.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining(
        'reads ctx.inletEvents of Asset.ref({ name: "customers" }), which is not among its inlets',
      ),
    ]);
  });
});

describe("diffManifests", () => {
  it("reports DAGs, assets, aliases and edges added, removed and changed, ignoring source locations", () => {
    const changed = compileSource(
      project
        .replace('dag({ dagId: "on_alias", schedule: outputs }, () => {});\n', "")
        .replace("@hourly", "@daily")
        .replace(
          'dag({ dagId: "on_summary"',
          'dag({ dagId: "archive", schedule: [summary] }, () => { task({ taskId: "copy", outlets: [new Asset("s3://cold/summary")] }, () => {}); });\ndag({ dagId: "on_summary"',
        ),
    ).manifest;
    const changes = diffManifests(manifest, changed);
    expect(changes).toMatchObject({
      dagsAdded: ["archive"],
      dagsRemoved: ["on_alias"],
      dagsChanged: ["source"],
      assetsAdded: [{ name: "s3://cold/summary", uri: "s3://cold/summary" }],
      assetsRemoved: [],
      unchanged: false,
    });
    expect(changes.edgesRemoved).toEqual([{ kind: "schedule", from: "alias:outputs", to: "dag:on_alias", tasks: [] }]);
    const moved = compileSource(`\n\n${project}`, { sourceLocations: true }).manifest;
    const withSources = compileSource(project, { sourceLocations: true }).manifest;
    expect(diffManifests(withSources, moved).unchanged).toBe(true);
  });
});

describe("emitters", () => {
  it("writes JSON exactly as manifestToJson", () => {
    expect(emit(manifest, "json")).toBe(manifestToJson(manifest));
  });

  it("writes a Graphviz digraph", () => {
    const dot = emit(manifest, "dot");
    expect(dot.startsWith("digraph assetflow {\n  rankdir=LR;")).toBe(true);
    expect(dot).toContain('"dag:report" [label="report", shape=box, style=rounded];');
    expect(dot).toContain(
      '"asset:[\\"curated\\",\\"s3://lake/curated\\"]" [label="curated\\ns3://lake/curated", shape=ellipse];',
    );
    expect(dot).toContain('"dag:ingest" -> "asset:[\\"curated\\",\\"s3://lake/curated\\"]" [label="clean"];');
    expect(dot).toContain(
      '"asset:[\\"s3://lake/raw\\",\\"s3://lake/raw\\"]" -> "dag:ingest" [style=dashed, label="clean"];',
    );
    expect(dot.endsWith("}\n")).toBe(true);
  });

  it("writes a Mermaid flowchart", () => {
    const mermaid = emit(manifest, "mermaid");
    const lines = mermaid.split("\n");
    expect(lines[0]).toBe("flowchart LR");
    const id = (label: string) =>
      lines
        .find((line) => line.includes(`"${label}"`))
        ?.trim()
        .split(/[([{>]/)[0];
    expect(lines).toContain(`  ${id("ingest")} -->|"clean"| ${id("curated<br/>s3://lake/curated")}`);
    expect(lines).toContain(`  ${id("alias: outputs")} --> ${id("on_alias")}`);
    expect(mermaid).toContain("classDef dag");
  });
});
