/**
 * A consumer's asset condition as a tree: AND / OR gates with their
 * children, each node marked satisfied (✓) or not (✗) by the events queued
 * for the consumer. `renderDetail` lets a page add what it knows about a
 * node (queued counts, consumption policy details) without changing the tree.
 */
import type { ReactNode } from "react";
import type { ExplainedCondition } from "../api/types.js";
import { type ConditionTreeNode, conditionTree } from "../model/condition.js";
import { assetRoute } from "../model/routes.js";
import { Link } from "./router.js";

/**
 * The tree of an explained condition.
 *
 * @example
 * ```tsx
 * <ConditionTree condition={status.condition} />
 * ```
 */
export function ConditionTree({
  condition,
  renderDetail,
}: {
  condition: ExplainedCondition;
  renderDetail?: (node: ConditionTreeNode) => ReactNode;
}) {
  return (
    <ul className="condition" aria-label="Asset condition">
      <ConditionItem node={conditionTree(condition)} renderDetail={renderDetail} />
    </ul>
  );
}

function ConditionItem({
  node,
  renderDetail,
}: {
  node: ConditionTreeNode;
  renderDetail: ((node: ConditionTreeNode) => ReactNode) | undefined;
}) {
  const gate = node.kind === "all" || node.kind === "any";
  return (
    <li
      className={node.satisfied ? "yes" : "no"}
      data-kind={node.kind}
      data-satisfied={String(node.satisfied)}
      {...(node.uri ? { "data-uri": node.uri } : {})}
    >
      <span className="mark" aria-hidden="true">
        {node.satisfied ? "✓" : "✗"}
      </span>
      <span className="visually-hidden">{node.satisfied ? "satisfied: " : "not satisfied: "}</span>
      {gate ? (
        <span className={`gate gate-${node.kind === "all" ? "and" : "or"}`}>
          {node.kind === "all" ? "ALL of (AND)" : "ANY of (OR)"}
        </span>
      ) : node.uri ? (
        <Link to={assetRoute(node.uri, node.name)}>{node.label}</Link>
      ) : (
        <span>{node.label}</span>
      )}
      {renderDetail?.(node)}
      {gate && (
        <ul>
          {node.children.map((child) => (
            <ConditionItem key={child.key} node={child} renderDetail={renderDetail} />
          ))}
        </ul>
      )}
    </li>
  );
}
