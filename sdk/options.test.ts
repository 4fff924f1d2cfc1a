import { DefinitionError, ErrorCode } from "assetflow";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { dagOptionsSchema, taskOptionsSchema } from "./option-schemas.js";
import { closest, parseOptions } from "./options.js";

/** Runs `fn` and returns the DefinitionError it throws (failing the test if it throws nothing or something else). */
function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return error as DefinitionError;
  }
  throw new Error("expected a DefinitionError, but nothing was thrown");
}

const exampleSchema = z.strictObject({
  name: z.string(),
  count: z.number().int().positive({ error: "count must be a whole number >= 1" }).optional(),
  nested: z.strictObject({ enabled: z.boolean() }).optional(),
});

describe("parseOptions", () => {
  it("returns the validated options", () => {
    expect(parseOptions(exampleSchema, { name: "a", count: 2 }, "the example")).toEqual({ name: "a", count: 2 });
  });

  it("rejects an unknown key with OPTION_UNKNOWN, a suggestion and the known keys", () => {
    const error = definitionError(() => parseOptions(exampleSchema, { name: "a", cuont: 2 }, "the example"));
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toBe(
      'Unknown option "cuont" in the example. Did you mean "count"? Known options: name, count, nested.',
    );
    expect(error.details).toEqual({ option: "cuont", where: "the example" });
  });

  it("names the full path of an unknown nested key", () => {
    const error = definitionError(() =>
      parseOptions(exampleSchema, { name: "a", nested: { enabled: true, extra: 1 } }, "the example"),
    );
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toContain('Unknown option "nested.extra" in the example.');
  });

  it("rejects a wrong value with OPTION_INVALID naming the option, the owner, the rule and the value", () => {
    const error = definitionError(() => parseOptions(exampleSchema, { name: "a", count: 0 }, "the example"));
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toBe('Invalid option "count" in the example: count must be a whole number >= 1 (got 0).');
    expect(error.details).toEqual({ option: "count", where: "the example" });
  });

  it("shows a wrong number as written and a wrong string quoted", () => {
    const error = definitionError(() => parseOptions(exampleSchema, { name: 5 }, "the example"));
    expect(error.message).toContain('Invalid option "name" in the example');
    expect(error.message).toContain("(got 5)");
    const nested = definitionError(() =>
      parseOptions(exampleSchema, { name: "a", nested: { enabled: "yes" } }, "the example"),
    );
    expect(nested.message).toContain('Invalid option "nested.enabled" in the example');
    expect(nested.message).toContain('(got the string "yes")');
  });

  it("reports a missing required option as missing", () => {
    const error = definitionError(() => parseOptions(exampleSchema, {}, "the example"));
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain('Missing required option "name" in the example: add name to the options');
  });

  it.each([
    [null, "null"],
    [undefined, "undefined"],
    ["text", 'the string "text"'],
    [[1], "an array"],
  ])("rejects options that are not an object (%j)", (input, described) => {
    const error = definitionError(() => parseOptions(exampleSchema, input, "the example"));
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toBe(`Options of the example must be an object, got ${described}.`);
  });

  it("validates DAG options with the same schema for every owner", () => {
    const error = definitionError(() => parseOptions(dagOptionsSchema, { dagId: "x", catchUp: true }, 'dag "x"'));
    expect(error.message).toContain('Did you mean "catchup"?');
    const taskError = definitionError(() => parseOptions(taskOptionsSchema, { taskID: "x" }, "task"));
    expect(taskError.message).toContain('Did you mean "taskId"?');
  });
});

describe("closest", () => {
  it("suggests the known key a typo is closest to, ignoring case", () => {
    expect(closest("schedul", ["dagId", "schedule", "catchup"])).toBe("schedule");
    expect(closest("DAGID", ["dagId", "schedule"])).toBe("dagId");
    expect(closest("maxActiveRun", ["maxActiveRuns", "catchup"])).toBe("maxActiveRuns");
  });

  it("suggests nothing when no known key is close", () => {
    expect(closest("color", ["dagId", "schedule"])).toBeUndefined();
    expect(closest("anything", [])).toBeUndefined();
  });
});
