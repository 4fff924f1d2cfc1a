import { type Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { isAssetflowError } from "../sdk/errors.js";
import { formatCondition, formatSchedule, parseCount, parseJsonObject } from "./commands/common.js";
import { createProgram } from "./program.js";

/** Parses `args` with the real program, its output captured; returns what it threw, if anything. */
async function parse(args: string[]): Promise<{ error: unknown; out: string; err: string }> {
  const program = createProgram();
  let out = "";
  let err = "";
  const capture = (command: Command) => {
    command.configureOutput({
      writeOut: (text) => {
        out += text;
      },
      writeErr: (text) => {
        err += text;
      },
    });
    for (const sub of command.commands) capture(sub);
  };
  capture(program);
  try {
    await program.parseAsync(["node", "assetflow", ...args]);
    return { error: undefined, out, err };
  } catch (error) {
    return { error, out, err };
  }
}

function leafCommands(command: Command, path: string[] = []): Array<{ path: string; command: Command }> {
  if (command.commands.length === 0) return [{ path: path.join(" "), command }];
  return command.commands.flatMap((sub) => leafCommands(sub, [...path, sub.name()]));
}

describe("the assetflow program", () => {
  it("has the commands of issue 5, each with a description and --json", () => {
    const leaves = leafCommands(createProgram()).filter((leaf) => leaf.path !== "help");
    const paths = leaves.map((leaf) => leaf.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "standalone",
        "scheduler",
        "worker",
        "dags list",
        "dags trigger",
        "dags pause",
        "dags unpause",
        "dags errors",
        "dags test",
        "runs list",
        "tasks list",
        "tasks logs",
        "assets list",
        "assets events",
        "assets emit",
        "assets materialize",
        "assets queued",
      ]),
    );
    for (const leaf of leaves) {
      expect({ path: leaf.path, hasDescription: leaf.command.description().length > 10 }).toEqual({
        path: leaf.path,
        hasDescription: true,
      });
      expect({ path: leaf.path, json: leaf.command.options.some((o) => o.long === "--json") }).toEqual({
        path: leaf.path,
        json: true,
      });
    }
  });

  it("prints help for a command and stops with code 0", async () => {
    const { error, out } = await parse(["assets", "emit", "--help"]);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).toBe(0);
    expect(out).toContain("Usage: assetflow assets emit [options] <uri>");
    expect(out).toContain("--extra <json>");
  });

  it("rejects wrong usage with a CommanderError (exit code 2 in main)", async () => {
    for (const args of [
      ["dags", "trigger"],
      ["dags", "nope"],
      ["runs", "list", "x", "--nope"],
      ["worker", "--concurrency"],
    ]) {
      const { error, err } = await parse(args);
      expect(error).toBeInstanceOf(CommanderError);
      expect((error as CommanderError).exitCode).not.toBe(0);
      expect(err).toMatch(/^error: /);
    }
  });

  it("rejects bad JSON before touching the store", async () => {
    const { error } = await parse(["dags", "trigger", "some-dag", "--conf", "{not json"]);
    expect(isAssetflowError(error) && error.code).toBe("INVALID_JSON");
  });
});

describe("input parsing", () => {
  it("parseJsonObject accepts objects and says how to fix anything else", () => {
    expect(parseJsonObject('{"a": [1, {"b": null}]}', "--conf")).toEqual({ a: [1, { b: null }] });
    expect(parseJsonObject(undefined, "--conf")).toBeUndefined();
    expect(() => parseJsonObject("{a: 1}", "--conf")).toThrow(
      /^--conf is not valid JSON \(.+\)\. Pass a JSON object, for example --conf '\{"key": "value"\}'\.$/,
    );
    expect(() => parseJsonObject("[1]", "--extra")).toThrow(/^--extra must be a JSON object, got an array\./);
    expect(() => parseJsonObject("42", "--extra")).toThrow(/^--extra must be a JSON object, got 42\./);
    expect(() => parseJsonObject("null", "--extra")).toThrow(/got null/);
  });

  it("parseCount accepts whole numbers from its minimum", () => {
    expect(parseCount("3", "--limit")).toBe(3);
    expect(parseCount("0", "--grace", 0)).toBe(0);
    expect(parseCount(undefined, "--limit")).toBeUndefined();
    for (const bad of ["0", "-1", "1.5", "abc", "", "1e3"]) {
      expect(() => parseCount(bad, "--limit")).toThrow(/^--limit must be a whole number >= 1, got/);
    }
  });
});

describe("schedule formatting", () => {
  const a = { kind: "asset", name: "s3://a", uri: "s3://a" } as const;
  const b = { kind: "asset", name: "b", uri: "s3://b" } as const;
  const c = { kind: "alias", name: "out" } as const;

  it("writes conditions as people do, with parentheses only where needed", () => {
    expect(formatCondition({ kind: "all", conditions: [a, b] })).toBe("s3://a & b (s3://b)");
    expect(formatCondition({ kind: "any", conditions: [a, { kind: "all", conditions: [b, c] }] })).toBe(
      "s3://a | (b (s3://b) & alias out)",
    );
    expect(formatCondition({ kind: "ref", uri: "s3://x" })).toBe("uri s3://x");
  });

  it("names every schedule kind", () => {
    expect(formatSchedule({ kind: "none" })).toBe("none");
    expect(formatSchedule({ kind: "cron", expression: "@daily", timezone: "UTC" })).toBe("cron @daily UTC");
    expect(formatSchedule({ kind: "assets", condition: a })).toBe("assets: s3://a");
    expect(
      formatSchedule({
        kind: "assetOrTime",
        timetable: { kind: "cronTrigger", expression: "0 1 * * 3", timezone: "UTC" },
        condition: { kind: "all", conditions: [a, b] },
      }),
    ).toBe("assets: s3://a & b (s3://b) | cron-trigger 0 1 * * 3 UTC");
  });
});
