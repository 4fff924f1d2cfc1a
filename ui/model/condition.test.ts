import { describe, expect, it } from "vitest";
import type { ExplainedCondition } from "../api/types.js";
import { conditionTree, satisfiedLeaves, waitingFor } from "./condition.js";

const leaf = (name: string, satisfied: boolean): ExplainedCondition => ({ kind: "asset", name, uri: name, satisfied });

describe("explained conditions", () => {
  it("says what an AND still waits for, and that any one of an OR would do", () => {
    const and: ExplainedCondition = { kind: "all", satisfied: false, conditions: [leaf("a", true), leaf("b", false)] };
    expect(waitingFor(and)).toBe("b");
    const or: ExplainedCondition = { kind: "any", satisfied: false, conditions: [leaf("a", false), leaf("b", false)] };
    expect(waitingFor(or)).toBe("a or b");
    const nested: ExplainedCondition = {
      kind: "all",
      satisfied: false,
      conditions: [
        leaf("a", false),
        { kind: "any", satisfied: false, conditions: [leaf("b", false), leaf("c", false)] },
      ],
    };
    expect(waitingFor(nested)).toBe("a and (b or c)");
    expect(waitingFor({ kind: "all", satisfied: true, conditions: [leaf("a", true)] })).toBeNull();
  });

  it("builds a tree with gate labels, leaf links and stable keys, and counts satisfied leaves", () => {
    const condition: ExplainedCondition = {
      kind: "any",
      satisfied: true,
      conditions: [leaf("a", true), { kind: "alias", name: "out", satisfied: false }],
    };
    const tree = conditionTree(condition);
    expect(tree).toMatchObject({ key: "0", label: "OR", satisfied: true });
    expect(tree.children.map((child) => [child.key, child.label, child.uri])).toEqual([
      ["0.0", "a", "a"],
      ["0.1", "alias out", null],
    ]);
    expect(satisfiedLeaves(condition)).toEqual({ satisfied: 1, total: 2 });
  });
});
