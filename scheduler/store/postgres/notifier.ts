/**
 * Cross-process wake-ups on PostgreSQL with LISTEN/NOTIFY: when a process
 * makes tries claimable (a run started, a task's upstream finished, a retry is
 * due), it notifies, and the workers of every other process claim at once
 * instead of waiting for their poll. Consumer evaluation needs no wake-up: the
 * process that commits an event evaluates its consumers right after, and the
 * last commit always sees every earlier one.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The channel tries-ready notifications go on. */
export const TASKS_CHANNEL = "assetflow_tasks";

/**
 * A listening connection that calls `onTasks` when another process made tries
 * claimable, and sends such notifications.
 *
 * @example
 * ```ts
 * const notifier = await PgNotifier.listen(url, () => executor.wake());
 * await notifier.notifyTasks();
 * ```
 */
export class PgNotifier {
  private readonly origin = randomBytes(6).toString("hex");

  private constructor(private readonly client: pg.Client) {}

  /** Connects and LISTENs; `onTasks` runs for other processes' notifications only. */
  static async listen(url: string, onTasks: () => void): Promise<PgNotifier> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const notifier = new PgNotifier(client);
    client.on("notification", (message) => {
      if (message.channel === TASKS_CHANNEL && message.payload !== notifier.origin) onTasks();
    });
    client.on("error", () => undefined);
    await client.query(`LISTEN ${TASKS_CHANNEL}`);
    return notifier;
  }

  /** Tells the other processes that tries are claimable. */
  async notifyTasks(): Promise<void> {
    await this.client.query("SELECT pg_notify($1, $2)", [TASKS_CHANNEL, this.origin]);
  }

  /** Stops listening. */
  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
