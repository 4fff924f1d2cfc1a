/**
 * One table of rule cases for the SDK and the compiler: for each case the SDK
 * throws an error whose code and message equal the rule code and message of
 * the compiler's first error diagnostic, which is located at the option.
 */
import { describe, expect, it } from "vitest";
import { AssetflowError, dag, task } from "../sdk/index.js";
import { compileSource } from "./test-support.js";

interface RuleCase {
  readonly name: string;
  /** The options of `dag(...)`, as written in source. */
  readonly dag: string;
  /** The options of `task(..., function load() {})`, as written in source. */
  readonly task?: string;
  /** The body of the DAG's build function (default: one task with `task`'s options). */
  readonly build?: string;
  /** Text on the line the diagnostic points at. */
  readonly at: string;
}

const CASES: readonly RuleCase[] = [
  { name: "a misspelled DAG option", dag: '{ dagId: "d", shedule: null }', at: "shedule" },
  { name: "an unknown DAG option far from any", dag: '{ dagId: "d", schedule: null, zzzzzzzz: 1 }', at: "zzzzzzzz" },
  { name: "a dagId with a space", dag: '{ dagId: "my dag", schedule: null }', at: "my dag" },
  { name: "a dagId that is a number", dag: "{ dagId: 7, schedule: null }", at: "dagId: 7" },
  { name: "no dagId", dag: "{ schedule: null }", at: "schedule: null" },
  { name: "maxActiveRuns 0", dag: '{ dagId: "d", schedule: null, maxActiveRuns: 0 }', at: "maxActiveRuns" },
  { name: "maxActiveRuns 1.5", dag: '{ dagId: "d", schedule: null, maxActiveRuns: 1.5 }', at: "maxActiveRuns" },
  { name: "tags not strings", dag: '{ dagId: "d", schedule: null, tags: ["a", 2] }', at: "tags" },
  { name: "a description that is a number", dag: '{ dagId: "d", schedule: null, description: 3 }', at: "description" },
  { name: "a bad startDate", dag: '{ dagId: "d", schedule: null, startDate: "yesterday" }', at: "startDate" },
  { name: "params not an object", dag: '{ dagId: "d", schedule: null, params: [1] }', at: "params" },
  {
    name: "a misspelled task option",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", retrys: 2 }',
    at: "retrys",
  },
  {
    name: "negative retries",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", retries: -1 }',
    at: "retries",
  },
  {
    name: "retryDelay in fractions",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", retryDelay: 0.5 }',
    at: "retryDelay",
  },
  {
    name: "executionTimeout 0",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", executionTimeout: 0 }',
    at: "executionTimeout",
  },
  {
    name: "a URI string in outlets",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", outlets: ["s3://b/k"] }',
    at: "outlets",
  },
  { name: "a taskId with a slash", dag: '{ dagId: "d", schedule: null }', task: '{ taskId: "a/b" }', at: "a/b" },
  {
    name: "a task that runs after itself",
    dag: '{ dagId: "d", schedule: null }',
    build: 'const a = task({ taskId: "a" }, () => 1);\n  a.precedes(a);',
    at: "a.precedes(a)",
  },
  {
    name: "a cycle of three tasks",
    dag: '{ dagId: "d", schedule: null }',
    build:
      'const a = task({ taskId: "a" }, () => 1);\n  const b = task({ taskId: "b" }, () => 1);\n  const c = task({ taskId: "c" }, () => 1);\n  a.precedes(b);\n  b.precedes(c);\n  c.precedes(a);',
    at: 'taskId: "a"',
  },
];

function source(rule: RuleCase): string {
  return `import { dag, task } from "assetflow";
export const d = dag(${rule.dag}, () => {
  ${buildOf(rule)}
});
`;
}

function buildOf(rule: RuleCase): string {
  return rule.build ?? `task(${rule.task ?? '{ taskId: "t" }'}, function load() {});`;
}

/** What the SDK throws for the case (the options evaluated as JavaScript). */
function sdkError(rule: RuleCase): { code: string; message: string } {
  const dagOptions = new Function(`return ${rule.dag};`)();
  const build = new Function("task", buildOf(rule));
  try {
    dag(dagOptions, () => build(task));
  } catch (error) {
    if (error instanceof AssetflowError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`the SDK accepted ${rule.name}`);
}

describe("the SDK and the compiler report the same rule with the same code and message", () => {
  for (const rule of CASES) {
    it(rule.name, () => {
      const expected = sdkError(rule);
      const text = source(rule);
      const errors = compileSource(text).diagnostics.filter((d) => d.severity === "error");
      expect(errors[0] && { code: errors[0].rule, message: errors[0].message }).toEqual(expected);
      const line = text.split("\n").findIndex((l) => l.includes(rule.at)) + 1;
      expect(errors[0]?.line).toBe(line);
    });
  }
});
