import {
  Asset,
  collectDags,
  Dag,
  DEFAULT_MAX_ACTIVE_RUNS,
  DEFAULT_RETRY_DELAY_MS,
  DefinitionError,
  dag,
  ErrorCode,
  isDag,
  task,
} from "assetflow";
import { describe, expect, it } from "vitest";

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

describe("dag(options, build)", () => {
  it("returns a Dag holding the tasks declared inside the build function, in declaration order", () => {
    const etl = dag({ dagId: "etl" }, () => {
      task({ taskId: "extract" }, () => 1);
      task({ taskId: "load" }, () => 2);
    });
    expect(etl).toBeInstanceOf(Dag);
    expect(isDag(etl)).toBe(true);
    expect(etl.dagId).toBe("etl");
    expect([...etl.tasks.keys()]).toEqual(["extract", "load"]);
    expect(etl.getTaskOrThrow("load").operator).toBe("task");
  });

  it("applies the defaults: manual schedule, 16 active runs, no catchup, no retries, 5 minute retry delay", () => {
    const defaults = dag({ dagId: "defaults" }, () => {
      task({ taskId: "only" }, () => undefined);
    });
    expect(defaults.settings).toMatchObject({
      dagId: "defaults",
      description: null,
      schedule: { kind: "none" },
      startDate: null,
      catchup: false,
      maxActiveRuns: 16,
      tags: [],
      params: {},
      scheduleAssets: [],
    });
    expect(DEFAULT_MAX_ACTIVE_RUNS).toBe(16);
    expect(defaults.getTaskOrThrow("only")).toMatchObject({
      retries: 0,
      retryDelayMs: 300_000,
      executionTimeoutMs: null,
      outlets: [],
      inlets: [],
      args: [],
    });
    expect(DEFAULT_RETRY_DELAY_MS).toBe(300_000);
  });

  it("treats schedule: null as manual only", () => {
    expect(dag({ dagId: "manual", schedule: null }, () => {}).settings.schedule).toEqual({ kind: "none" });
  });

  it("keeps every given option, normalizing startDate to an ISO string", () => {
    const orders = new Asset("s3://warehouse/orders");
    const configured = dag(
      {
        dagId: "configured.v2",
        schedule: [orders],
        description: "Daily report",
        startDate: "2024-01-01",
        catchup: true,
        maxActiveRuns: 1,
        tags: ["finance", "daily"],
        params: { region: "eu", limits: { rows: 10 } },
      },
      () => {},
    );
    expect(configured.settings).toMatchObject({
      dagId: "configured.v2",
      description: "Daily report",
      startDate: "2024-01-01T00:00:00.000Z",
      catchup: true,
      maxActiveRuns: 1,
      tags: ["finance", "daily"],
      params: { region: "eu", limits: { rows: 10 } },
      schedule: {
        kind: "assets",
        condition: {
          kind: "all",
          conditions: [{ kind: "asset", name: "s3://warehouse/orders", uri: "s3://warehouse/orders" }],
        },
      },
    });
    expect(configured.settings.scheduleAssets).toEqual([orders]);
  });

  it("accepts a Date as startDate", () => {
    const fromDate = dag({ dagId: "from_date", startDate: new Date(Date.UTC(2024, 5, 1, 12)) }, () => {});
    expect(fromDate.settings.startDate).toBe("2024-06-01T12:00:00.000Z");
  });

  it("copies params so later changes to the caller's object do not reach the DAG", () => {
    const params = { region: "eu" };
    const copied = dag({ dagId: "copied", params }, () => {});
    params.region = "us";
    expect(copied.settings.params).toEqual({ region: "eu" });
    expect(Object.isFrozen(copied.settings.params)).toBe(true);
  });

  it("is frozen once built: no dependency can be added to it afterwards", () => {
    let addLater: (() => void) | undefined;
    const built = dag({ dagId: "built" }, () => {
      const first = task({ taskId: "first" }, () => 1);
      addLater = () => first.precedes(first);
    });
    expect(Object.isFrozen(built)).toBe(true);
    const error = definitionError(() => addLater?.());
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toContain('DAG "built" is already built');
  });
});

describe("dag() option validation", () => {
  it('rejects an unknown option with OPTION_UNKNOWN and suggests "schedule" for "schedul"', () => {
    const error = definitionError(() => dag({ dagId: "typo", schedul: "@daily" } as never, () => {}));
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toContain('Unknown option "schedul" in dag "typo"');
    expect(error.message).toContain('Did you mean "schedule"?');
    expect(error.message).toContain("Known options: dagId, schedule,");
    expect(error.details).toMatchObject({ option: "schedul" });
  });

  it("lists the known options without a guess when the unknown key resembles none of them", () => {
    const error = definitionError(() => dag({ dagId: "far", zzzzzzzzzz: 1 } as never, () => {}));
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).not.toContain("Did you mean");
    expect(error.message).toContain("Known options:");
  });

  it.each([
    ["maxActiveRuns", { dagId: "d", maxActiveRuns: 0 }, "maxActiveRuns must be a whole number >= 1 (got 0)"],
    ["maxActiveRuns", { dagId: "d", maxActiveRuns: 1.5 }, "(got 1.5)"],
    ["dagId", { dagId: "has space" }, 'may only contain letters, digits, "_", "-" and "."'],
    [
      "startDate",
      { dagId: "d", startDate: "not a date" },
      'must be a Date or an ISO date string such as "2024-01-01T00:00:00Z"',
    ],
    ["params", { dagId: "d", params: { when: new Date(0) } }, "must be a plain JSON object"],
    ["params", { dagId: "d", params: { count: Number.NaN } }, "must be a plain JSON object"],
    ["catchup", { dagId: "d", catchup: "yes" }, 'got the string "yes"'],
    ["tags", { dagId: "d", tags: "finance" }, "expected array"],
  ])('rejects a wrong "%s" with OPTION_INVALID naming the option (%j)', (option, options, fix) => {
    const error = definitionError(() => dag(options as never, () => {}));
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain(`Invalid option "${option}" in dag`);
    expect(error.message).toContain(fix);
    expect(error.details).toMatchObject({ option });
  });

  it("names a missing dagId as a required option", () => {
    const error = definitionError(() => dag({ schedule: null } as never, () => {}));
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain('Missing required option "dagId" in dag()');
  });

  it("rejects options that are not an object", () => {
    const error = definitionError(() => dag("etl" as never, () => {}));
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toBe('Options of dag() must be an object, got the string "etl".');
  });

  it("rejects a second argument that is not a function", () => {
    const error = definitionError(() => dag({ dagId: "x" }, "build" as never));
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toContain("takes a function as its second argument");
  });

  it("rejects an invalid schedule with SCHEDULE_INVALID naming the DAG", () => {
    const error = definitionError(() => dag({ dagId: "bad_cron", schedule: "every day" }, () => {}));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toContain('Invalid cron expression "every day" in dag "bad_cron"');
  });
});

describe("dag() build function", () => {
  it("rejects a build function that returns a Promise, without leaving an unhandled rejection", async () => {
    let resume: () => void = () => {};
    const pending = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const error = definitionError(() =>
      dag({ dagId: "async_build" }, async () => {
        await pending;
        // Runs after dag() returned: outside any DAG, so it rejects the build function's promise.
        task({ taskId: "late" }, () => 1);
      }),
    );
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toContain('The build function of DAG "async_build" returned a Promise');
    expect(error.message).toContain("declare tasks synchronously");
    resume();
    // Give the rejected promise a chance to surface as an unhandled rejection (vitest would fail the run).
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it("propagates an error thrown by the build function and leaves no DAG open", () => {
    expect(() =>
      dag({ dagId: "throws" }, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    const error = definitionError(() => task({ taskId: "after_failure" }, () => 1));
    expect(error.message).toContain("created outside a DAG");
  });

  it("allows defining a DAG while another is being built; each keeps its own tasks", () => {
    let inner: Dag | undefined;
    const outer = dag({ dagId: "outer" }, () => {
      task({ taskId: "outer_task" }, () => 1);
      inner = dag({ dagId: "inner" }, () => {
        task({ taskId: "inner_task" }, () => 1);
      });
      task({ taskId: "outer_again" }, () => 1);
    });
    expect([...outer.tasks.keys()]).toEqual(["outer_task", "outer_again"]);
    expect([...(inner?.tasks.keys() ?? [])]).toEqual(["inner_task"]);
  });
});

describe("dag() registration", () => {
  it("registers each built DAG with the active collectDags, in definition order", async () => {
    const { result, dags } = await collectDags(() => {
      const first = dag({ dagId: "first" }, () => {});
      const second = dag({ dagId: "second" }, () => {});
      return [first, second];
    });
    expect(dags).toEqual(result);
    expect(dags.map((d) => d.dagId)).toEqual(["first", "second"]);
  });

  it("collects from an async function and stops collecting when it returns", async () => {
    const { dags } = await collectDags(async () => {
      await Promise.resolve();
      dag({ dagId: "after_await" }, () => {});
    });
    expect(dags.map((d) => d.dagId)).toEqual(["after_await"]);
    const later = await collectDags(() => undefined);
    dag({ dagId: "outside_collector" }, () => {});
    expect(later.dags).toEqual([]);
  });

  it("does not register a DAG whose definition fails", async () => {
    const { dags } = await collectDags(() => {
      expect(() => dag({ dagId: "broken", maxActiveRuns: -1 }, () => {})).toThrow(DefinitionError);
      dag({ dagId: "fine" }, () => {});
    });
    expect(dags.map((d) => d.dagId)).toEqual(["fine"]);
  });

  it("hands a DAG to every nested collector", async () => {
    const outer = await collectDags(async () => {
      const inner = await collectDags(() => dag({ dagId: "nested" }, () => {}));
      expect(inner.dags.map((d) => d.dagId)).toEqual(["nested"]);
    });
    expect(outer.dags.map((d) => d.dagId)).toEqual(["nested"]);
  });
});

describe("Dag lookups", () => {
  const lookups = dag({ dagId: "lookups" }, () => {
    task({ taskId: "a" }, () => 1);
  });

  it("getTask returns undefined for an unknown id and getTaskOrThrow names the known tasks", () => {
    expect(lookups.getTask("a")?.taskId).toBe("a");
    expect(lookups.getTask("missing")).toBeUndefined();
    const error = definitionError(() => lookups.getTaskOrThrow("missing"));
    expect(error.code).toBe(ErrorCode.taskNotFound);
    expect(error.message).toBe('DAG "lookups" has no task "missing". Its tasks: a.');
  });
});
