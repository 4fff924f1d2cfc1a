/**
 * Cross-process wake-ups on PostgreSQL with LISTEN/NOTIFY: when a process
 * makes tries claimable (a run started, a task's upstream finished, a retry is
 * due), it notifies, and the workers of every other process claim at once
 * instead of waiting for their poll. Consumer evaluation needs no wake-up: the
 * process that commits an event evaluates its consumers right after, and the
 * last commit always sees every earlier one.
 *
 * The listening connection comes back by itself when the server drops it
 * (restart, failover, `pg_terminate_backend`): reconnect attempts back off
 * from {@link RECONNECT_MIN_MS} to {@link RECONNECT_MAX_MS}, and once LISTENing
 * again the notifier wakes its process up once, for whatever was notified
 * while it was away. Meanwhile workers fall back to their poll.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { NOTIFY_STATEMENT } from "./statement-client.js";

/** The channel tries-ready notifications go on. */
export const TASKS_CHANNEL = "assetflow_tasks";

/** The first reconnect attempt waits this long, ms; each failed one doubles the wait. */
export const RECONNECT_MIN_MS = 100;
/** The longest wait between reconnect attempts, ms. */
export const RECONNECT_MAX_MS = 5000;
/** A connection attempt fails after this long, ms. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A listening connection that calls `onTasks` when another process made tries
 * claimable, and sends such notifications. It reconnects when the connection
 * is lost, until {@link PgNotifier.close}.
 *
 * @example
 * ```ts
 * const notifier = await PgNotifier.listen(url, () => executor.wake());
 * await notifier.notifyTasks();
 * await notifier.close();
 * ```
 */
export class PgNotifier {
  /** This process's notifications carry it, so that its own listener ignores them. */
  readonly origin = randomBytes(6).toString("hex");
  /** The LISTENing connection; null while reconnecting or once closed. */
  private client: pg.Client | null = null;
  private connectedAt = 0;
  private delayMs = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly onTasks: () => void,
  ) {}

  /** Connects and LISTENs (rejects if that fails); `onTasks` runs for other processes' notifications only. */
  static async listen(url: string, onTasks: () => void): Promise<PgNotifier> {
    const notifier = new PgNotifier(url, onTasks);
    await notifier.connect();
    return notifier;
  }

  /** Whether the connection is up and LISTENing (false while reconnecting, and once closed). */
  get connected(): boolean {
    return this.client !== null;
  }

  /** Tells the other processes that tries are claimable; rejects while reconnecting (their poll finds the tries). */
  async notifyTasks(): Promise<void> {
    if (!this.client) throw new Error("The PostgreSQL LISTEN/NOTIFY connection is down (reconnecting).");
    await this.client.query(NOTIFY_STATEMENT, [TASKS_CHANNEL, this.origin]);
  }

  /** Stops listening, and reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      // An attempt against an unreachable server gives up, and the next one is scheduled.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // This connection only reads: TCP keepalive probes (from 10 s idle) let the system notice,
      // within minutes, a server gone without a word (a failover), which ends the connection.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on("notification", (message) => {
      if (message.channel === TASKS_CHANNEL && message.payload !== this.origin) this.onTasks();
    });
    // A dropped connection emits "error" (unless a query takes it), then "end".
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${TASKS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.connectedAt = Date.now();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    void client.end().catch(() => undefined);
    // A connection that lasted starts over from the shortest wait; one dropped at once keeps backing off.
    if (Date.now() - this.connectedAt >= RECONNECT_MAX_MS) this.delayMs = RECONNECT_MIN_MS;
    process.emitWarning("assetflow lost its PostgreSQL LISTEN connection: reconnecting (workers poll meanwhile).");
    this.reconnect();
  }

  private reconnect(): void {
    if (this.closed) return;
    const delayMs = this.delayMs;
    this.delayMs = Math.min(delayMs * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.connect().then(
        () => {
          // Notifications sent while the connection was down are lost: look for work once.
          if (!this.closed) this.onTasks();
        },
        () => this.reconnect(),
      );
    }, delayMs);
    this.reconnectTimer.unref();
  }
}
