#!/usr/bin/env node
// Summarizes a V8 CPU profile (from `node --cpu-prof`): self time by package
// or file, self time by function, and inclusive time by function.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/run.mjs scheduler --only=throughput
//   node bench/profile-summary.mjs /tmp/prof/*.cpuprofile [--top=30]
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const files = args.filter((arg) => !arg.startsWith("--"));
const top = Number(args.find((arg) => arg.startsWith("--top="))?.slice("--top=".length) ?? 30);
if (files.length === 0) {
  console.error("usage: node bench/profile-summary.mjs <file.cpuprofile>... [--top=30]");
  process.exit(2);
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

  const selfById = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    selfById.set(id, (selfById.get(id) ?? 0) + delta);
    total += delta;
  });

  const where = (url) => {
    if (url.includes("node_modules/")) return url.replace(/.*node_modules\//, "").split("/")[0];
    return url.split("/").slice(-2).join("/");
  };
  const label = (node) => {
    const frame = node.callFrame;
    const file = frame.url.split("/").pop();
    return `${frame.functionName || "(anonymous)"} ${where(frame.url)}${file ? ` ${file}` : ""}:${frame.lineNumber + 1}`;
  };

  const byPlace = new Map();
  const bySelf = new Map();
  const byInclusive = new Map();
  for (const [id, time] of selfById) {
    const node = nodes.get(id);
    const place = where(node.callFrame.url) || node.callFrame.functionName;
    byPlace.set(place, (byPlace.get(place) ?? 0) + time);
    bySelf.set(label(node), (bySelf.get(label(node)) ?? 0) + time);
    const seen = new Set();
    for (let current = id; current !== undefined; current = parents.get(current)) {
      const name = label(nodes.get(current));
      if (seen.has(name)) continue;
      seen.add(name);
      byInclusive.set(name, (byInclusive.get(name) ?? 0) + time);
    }
  }

  const print = (title, map) => {
    console.log(`\n== ${title}`);
    for (const [name, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `${((time / total) * 100).toFixed(1).padStart(5)}%  ${(time / 1000).toFixed(0).padStart(7)} ms  ${name}`,
      );
    }
  };
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
  print("self time by package / file", byPlace);
  print("self time by function", bySelf);
  print("inclusive time by function", byInclusive);
}
