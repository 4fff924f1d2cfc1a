/**
 * The login page: the API token printed at the server's first start (or
 * ASSETFLOW_API_TOKEN). It is checked against the API before it is kept,
 * and never put in a URL.
 */
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiClient, ApiError } from "../api/client.js";

/**
 * The token form.
 *
 * @example
 * ```tsx
 * <LoginPage notice={null} onLogin={(token, remember) => save(token, remember)} />
 * ```
 */
export function LoginPage({
  notice,
  onLogin,
  fetch,
}: {
  notice: string | null;
  onLogin: (token: string, remember: boolean) => void;
  fetch?: typeof globalThis.fetch | undefined;
}) {
  const [token, setToken] = useState("");
  const [remember, setRemember] = useState(false);
  const [message, setMessage] = useState<string | null>(notice);
  const [checking, setChecking] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (value === "") {
      setMessage("Enter the API token.");
      return;
    }
    setChecking(true);
    try {
      await new ApiClient({ token: value, ...(fetch ? { fetch } : {}) }).get("/dags", { limit: 1 });
      onLogin(value, remember);
    } catch (error) {
      setMessage(
        error instanceof ApiError && error.unauthorized
          ? "The server refused this token. Use the token printed when the server first started, or ASSETFLOW_API_TOKEN."
          : error instanceof Error
            ? error.message
            : String(error),
      );
      input.current?.focus();
    } finally {
      setChecking(false);
    }
  };

  return (
    <main className="login">
      <form className="card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">
          assetflow <span>sign in</span>
        </h1>
        <p>
          Enter the API token printed when the server first started (or <code>ASSETFLOW_API_TOKEN</code>). It is sent
          only in request headers.
        </p>
        <label htmlFor="token-input">API token</label>
        <input
          id="token-input"
          ref={input}
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(event) => setToken(event.target.value)}
          aria-describedby="login-message"
        />
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(event) => setRemember(event.target.checked)} /> Remember
          on this computer (otherwise: this tab only)
        </label>
        <p id="login-message" className="error" role="alert">
          {message}
        </p>
        <button type="submit" className="primary" disabled={checking}>
          {checking ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
