/**
 * The UI's HTTP client of the REST API: every request carries the token in
 * the `Authorization` header (never in a URL), JSON in and out, and errors
 * become {@link ApiError} with the API's own message.
 */

/** Where the API lives, relative to the page. */
export const API_BASE = "/api/v1";

/** A failed request: the HTTP status and the API's `detail`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** True for a refused or missing token. */
  get unauthorized(): boolean {
    return this.status === 401;
  }
}

/** Query parameters: absent values are left out. */
export type Query = Record<string, string | number | boolean | null | undefined>;

/** What {@link ApiClient} needs from its surroundings (real `fetch` in the page, a test server in tests). */
export interface ApiClientOptions {
  readonly token: string;
  readonly fetch?: typeof fetch;
  /** Origin to prefix (tests in Node); the page uses relative URLs. */
  readonly origin?: string;
  /** Called when the server refuses the token. */
  readonly onUnauthorized?: () => void;
}

/**
 * A client of the API with one token.
 *
 * @example
 * ```ts
 * const client = new ApiClient({ token });
 * const { dags } = await client.get<{ dags: Dag[] }>("/dags", { limit: 50 });
 * ```
 */
export class ApiClient {
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #origin: string;
  readonly #onUnauthorized: (() => void) | undefined;

  constructor(options: ApiClientOptions) {
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((...args) => fetch(...args));
    this.#origin = options.origin ?? "";
    this.#onUnauthorized = options.onUnauthorized;
  }

  /** GET a JSON resource. */
  get<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", path, query, undefined, signal);
  }

  /** POST a JSON body. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, {}, body);
  }

  /** PATCH with a JSON body. */
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, {}, body);
  }

  /** Sends a request; resolves with the parsed body (undefined for 204). */
  async request<T>(method: string, path: string, query: Query, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await this.#fetch(`${this.#origin}${API_BASE}${path}${queryString(query)}`, {
        method,
        headers,
        cache: "no-store",
        credentials: "omit",
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new ApiError(0, "The server does not answer: is `assetflow standalone` (or `api-server`) running?");
    }
    if (response.status === 204) return undefined as T;
    const parsed: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      if (response.status === 401) this.#onUnauthorized?.();
      const detail = (parsed as { detail?: unknown } | null)?.detail;
      throw new ApiError(response.status, typeof detail === "string" ? detail : `HTTP ${response.status}`);
    }
    return parsed as T;
  }
}

/**
 * A query string (`?a=1&b=x`) of the defined values, or `""`.
 *
 * @example
 * ```ts
 * queryString({ limit: 50, search: undefined }); // "?limit=50"
 * ```
 */
export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/**
 * A path segment: percent-encoded (asset URIs, run ids).
 *
 * @example
 * ```ts
 * segment("s3://b/k"); // "s3%3A%2F%2Fb%2Fk"
 * ```
 */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
