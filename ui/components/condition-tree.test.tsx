// @vitest-environment happy-dom
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ExplainedCondition } from "../api/types.js";
import { ConditionTree } from "./condition-tree.js";
import { Router } from "./router.js";

afterEach(cleanup);

const win = {
  location: { pathname: "/ui/dags/d", search: "" },
  history: { pushState: () => undefined, replaceState: () => undefined },
  addEventListener: () => undefined,
  removeEventListener: () => undefined,
};

const condition: ExplainedCondition = {
  kind: "all",
  satisfied: false,
  conditions: [
    { kind: "asset", name: "<img src=x onerror=alert(1)>", uri: "s3://xss/a", satisfied: true },
    {
      kind: "any",
      satisfied: false,
      conditions: [
        { kind: "asset", name: "s3://b", uri: "s3://b", satisfied: false },
        { kind: "alias", name: "outputs", satisfied: false },
      ],
    },
  ],
};

describe("<ConditionTree>", () => {
  it("draws AND and OR gates distinctly, marks each node, and links assets to their pages", () => {
    const { container } = render(
      <Router win={win}>
        <ConditionTree condition={condition} />
      </Router>,
    );
    const root = container.querySelector('ul.condition > li[data-kind="all"]');
    expect(root?.getAttribute("data-satisfied")).toBe("false");
    expect(within(root as HTMLElement).getByText("ALL of (AND)")).toBeTruthy();
    expect(screen.getByText("ANY of (OR)").className).toContain("gate-or");
    const satisfied = container.querySelector('li[data-uri="s3://xss/a"]');
    expect(satisfied?.getAttribute("data-satisfied")).toBe("true");
    expect(satisfied?.textContent).toContain("satisfied: ");
    const link = screen.getByRole("link", { name: "<img src=x onerror=alert(1)>" });
    expect(link.getAttribute("href")).toBe(
      "/ui/assets/s3%3A%2F%2Fxss%2Fa?name=%3Cimg+src%3Dx+onerror%3Dalert%281%29%3E",
    );
    expect(screen.getByText("alias outputs").tagName).toBe("SPAN");
    // Values are text: no element came out of the asset's name.
    expect(container.querySelector("img")).toBeNull();
  });

  it("lets a page add what it knows about a node", () => {
    render(
      <Router win={win}>
        <ConditionTree
          condition={condition}
          renderDetail={(node) => (node.uri ? <em>{`detail of ${node.uri}`}</em> : null)}
        />
      </Router>,
    );
    expect(screen.getByText("detail of s3://b")).toBeTruthy();
  });
});
