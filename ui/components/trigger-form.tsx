/**
 * Triggering a manual run with conf: the conf is checked as JSON before it
 * is sent, and the new run opens when the API has created it.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useApi } from "../api/hooks.js";
import type { DagRun } from "../api/types.js";
import { initialConf, parseConf } from "../model/conf.js";

/**
 * The trigger form.
 *
 * @example
 * ```tsx
 * <TriggerForm dagId="producer" params={dag.params} onTriggered={(run) => navigate(runRoute(run.dagId, run.runId))} />
 * ```
 */
export function TriggerForm({
  dagId,
  params,
  onTriggered,
  onCancel,
}: {
  dagId: string;
  params: Record<string, unknown>;
  onTriggered: (run: DagRun) => void;
  onCancel: () => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [conf, setConf] = useState(() => initialConf(params));
  const [runId, setRunId] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const trigger = useMutation({
    mutationFn: (body: { conf: Record<string, unknown>; dagRunId?: string }) => api.trigger(dagId, body),
    onSuccess: async (run) => {
      await queryClient.invalidateQueries({
        predicate: (query) => ["grid", "dagRuns", "dagList", "graph"].includes(String(query.queryKey[0])),
      });
      onTriggered(run);
    },
    onError: (error: Error) => setMessage(error.message),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseConf(conf);
    if (!parsed.ok) {
      setMessage(parsed.message);
      return;
    }
    setMessage(null);
    trigger.mutate({ conf: parsed.conf, ...(runId.trim() === "" ? {} : { dagRunId: runId.trim() }) });
  };
  return (
    <form className="trigger-form card-inline" onSubmit={submit} aria-label={`Trigger ${dagId}`}>
      <label htmlFor="trigger-conf">Conf (JSON object)</label>
      <textarea
        id="trigger-conf"
        rows={6}
        spellCheck={false}
        value={conf}
        onChange={(event) => setConf(event.target.value)}
      />
      <label htmlFor="trigger-run-id">Run id (optional)</label>
      <input
        id="trigger-run-id"
        type="text"
        value={runId}
        placeholder="generated when empty"
        onChange={(event) => setRunId(event.target.value)}
      />
      <p className="error" role="alert">
        {message}
      </p>
      <div className="actions">
        <button type="submit" className="primary" disabled={trigger.isPending}>
          {trigger.isPending ? "Triggering…" : "Trigger run"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
