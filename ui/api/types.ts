/**
 * The shapes the UI reads, derived from the API's own zod schemas (type
 * imports only: nothing of the server reaches the browser bundle). A change
 * to a response schema breaks the UI's build instead of its pages.
 */
import type { z } from "zod";
import type { aliasSchema } from "../../server/resources/aliases/schemas.js";
import type { assetEventSchema } from "../../server/resources/asset-events/schemas.js";
import type { assetDetailSchema, assetSchema } from "../../server/resources/assets/schemas.js";
import type { consumerStatusSchema, ExplainedConditionJson } from "../../server/resources/consumers/schemas.js";
import type { dagSchema } from "../../server/resources/dags/schemas.js";
import type { assetGraphSchema } from "../../server/resources/graph/schemas.js";
import type { importErrorSchema } from "../../server/resources/import-errors/schemas.js";
import type { queuedEventSchema } from "../../server/resources/queued-events/schemas.js";
import type { dagRunSchema } from "../../server/resources/runs/schemas.js";
import type { taskInstanceSchema, taskLogsSchema } from "../../server/resources/task-instances/schemas.js";
import type { watcherSchema } from "../../server/resources/watchers/schemas.js";

export type Dag = z.output<typeof dagSchema>;
export type DagTask = Dag["tasks"][number];
export type Schedule = Dag["schedule"];
export type DagRun = z.output<typeof dagRunSchema>;
export type RunState = DagRun["state"];
export type RunType = DagRun["runType"];
export type TaskInstance = z.output<typeof taskInstanceSchema>;
export type TaskLogs = z.output<typeof taskLogsSchema>;
export type Asset = z.output<typeof assetSchema>;
export type AssetDetail = z.output<typeof assetDetailSchema>;
export type AssetEvent = z.output<typeof assetEventSchema>;
export type Alias = z.output<typeof aliasSchema>;
export type QueuedEvent = z.output<typeof queuedEventSchema>;
export type Watcher = z.output<typeof watcherSchema>;
export type ConsumerStatus = z.output<typeof consumerStatusSchema>;
export type ExplainedCondition = ExplainedConditionJson;
export type ImportError = z.output<typeof importErrorSchema>;
export type AssetGraph = z.output<typeof assetGraphSchema>;
export type AssetGraphNode = AssetGraph["nodes"][number];
export type AssetGraphEdge = AssetGraph["edges"][number];

/** The latest run of a DAG, as the DAG list gives it. */
export interface DagLastRun {
  readonly runId: string;
  readonly runType: RunType;
  readonly state: RunState;
  readonly createdAt: string;
  readonly startDate: string | null;
  readonly endDate: string | null;
}

/** A DAG as the DAG list gives it: with its latest run and, for asset schedules, its explained condition. */
export type DagListItem = Dag & {
  readonly lastRun: DagLastRun | null;
  readonly assetCondition: ExplainedCondition | null;
};

/** A run as the grid gives it. */
export type RunSummary = DagLastRun;

/** The grid of a DAG: its recent runs and their task instances. */
export interface DagGrid {
  readonly dagRuns: readonly RunSummary[];
  readonly taskInstances: readonly TaskInstance[];
}

/** What changed since a cursor. */
export interface Changes {
  readonly cursor: string;
  readonly changed: readonly import("../model/live.js").Resource[];
}

/** A value of a facet with how many rows have it. */
export interface FacetValue {
  readonly value: string;
  readonly count: number;
}

/** Groups and schemes of the asset catalog. */
export interface AssetFacets {
  readonly total: number;
  readonly groups: readonly FacetValue[];
  readonly schemes: readonly FacetValue[];
}

/** One try's log, read from a byte offset or tailed. */
export interface TryLog {
  readonly tryNumber: number;
  readonly text: string;
  readonly offset: number;
  readonly nextOffset: number;
  readonly truncated: boolean;
}
