/**
 * The asset page's Materialize button: starts a run of the DAG that produces
 * the asset (`POST /assets/{uri}/materialize`) and opens it. When several
 * DAGs produce the asset, a list chooses which one; an asset nothing
 * produces has no button.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../api/hooks.js";
import type { AssetDetail } from "../api/types.js";
import { runRoute } from "../model/routes.js";
import { useRouter } from "./router.js";

/** The DAGs that produce an asset, sorted, each once. */
export function producingDags(asset: Pick<AssetDetail, "producingTasks">): string[] {
  return [...new Set(asset.producingTasks.map((task) => task.dagId))].sort();
}

/**
 * The button (with a DAG list when several DAGs produce the asset).
 *
 * @example
 * ```tsx
 * <MaterializeButton asset={asset} />
 * ```
 */
export function MaterializeButton({ asset }: { asset: AssetDetail }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { navigate } = useRouter();
  const dags = producingDags(asset);
  const [chosen, setChosen] = useState(dags[0] ?? "");
  const [message, setMessage] = useState<string | null>(null);
  const materialize = useMutation({
    mutationFn: () => api.materialize(asset.uri, { name: asset.name, dagId: chosen }),
    onSuccess: async ({ dagRun }) => {
      await queryClient.invalidateQueries({
        predicate: (query) => ["grid", "dagRuns", "dagList", "graph"].includes(String(query.queryKey[0])),
      });
      navigate(runRoute(dagRun.dagId, dagRun.runId));
    },
    onError: (error: Error) => setMessage(error.message),
  });
  if (dags.length === 0) return null;
  return (
    <span className="materialize">
      {dags.length > 1 && (
        <select aria-label="Producing DAG to run" value={chosen} onChange={(event) => setChosen(event.target.value)}>
          {dags.map((dagId) => (
            <option key={dagId} value={dagId}>
              {dagId}
            </option>
          ))}
        </select>
      )}
      <button
        type="button"
        className="primary"
        disabled={materialize.isPending}
        title={`Start a run of ${chosen}, which produces this asset`}
        onClick={() => {
          setMessage(null);
          materialize.mutate();
        }}
      >
        {materialize.isPending ? "Materializing…" : "Materialize"}
      </button>
      {message && (
        <span className="error" role="alert">
          {message}
        </span>
      )}
    </span>
  );
}
