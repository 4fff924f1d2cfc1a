#!/usr/bin/env node
// The registry mirror this project installs from serves only the platform
// packages of this machine (linux-x64-gnu). npm then writes a lockfile without
// the other platforms' optional binaries (@esbuild/*, @rollup/*, @biomejs/cli-*),
// and `npm ci` refuses that lockfile ("Missing: ... from lock file").
// This script adds those entries back, with the `os`/`cpu`/`libc` npm needs to
// skip them on other platforms. Run it after `npm install` changed the lockfile.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const LOCK = new URL("../package-lock.json", import.meta.url);
const OS = ["android", "darwin", "linux", "win32", "freebsd", "openbsd", "netbsd", "sunos", "aix", "openharmony"];
const CPU = {
  x64: "x64",
  arm64: "arm64",
  ia32: "ia32",
  arm: "arm",
  loong64: "loong64",
  ppc64: "ppc64",
  riscv64: "riscv64",
  s390x: "s390x",
  mips64el: "mips64el",
  wasm32: "wasm32",
};

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((part) => OS.includes(part));
  const cpu = parts.map((part) => (part === "arm" || part === "eabi" ? "arm" : CPU[part])).find(Boolean);
  const libc =
    parts.includes("musl") || parts.includes("musleabihf")
      ? "musl"
      : parts.includes("gnu") || parts.includes("gnueabihf")
        ? "glibc"
        : undefined;
  return { os, cpu: parts.includes("arm64") ? "arm64" : cpu, libc };
}

function missing() {
  try {
    execFileSync("npm", ["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], { stdio: "pipe" });
    return [];
  } catch (error) {
    const text = `${error.stdout}${error.stderr}`;
    return [...text.matchAll(/Missing: (@?[^@\s]+)@\S* from lock file/g)].map((match) => match[1]);
  }
}

const names = missing();
if (names.length === 0) {
  console.log("package-lock.json is complete");
  process.exit(0);
}
const lock = JSON.parse(readFileSync(LOCK, "utf8"));
for (const name of names) {
  const parent = Object.entries(lock.packages).find(([, entry]) => entry.optionalDependencies?.[name]);
  if (!parent) throw new Error(`no package lists ${name} as optional`);
  const [parentPath, parentEntry] = parent;
  const { os, cpu, libc } = platformOf(name);
  if (!os || !cpu) throw new Error(`cannot tell the platform of ${name}`);
  const base = parentPath.includes("node_modules/") ? parentPath.slice(0, parentPath.lastIndexOf("node_modules/")) : "";
  lock.packages[`${base}node_modules/${name}`] = {
    version: parentEntry.optionalDependencies[name].replace(/^[~^=]/, ""),
    cpu: [cpu],
    ...(parentEntry.dev ? { dev: true } : {}),
    ...(libc ? { libc: [libc] } : {}),
    optional: true,
    os: [os],
  };
  console.log(`added ${name} (${os}/${cpu}${libc ? `/${libc}` : ""})`);
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
const left = missing();
if (left.length > 0) throw new Error(`still missing: ${left.join(", ")}`);
console.log("package-lock.json repaired");
