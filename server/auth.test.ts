import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  API_TOKEN_FILE,
  ApiTokenError,
  apiAuthFromToken,
  bearerToken,
  hashToken,
  isValidToken,
  resolveApiToken,
} from "./auth.js";

describe("the API token", () => {
  const homes: string[] = [];
  const home = () => {
    const dir = mkdtempSync(join(tmpdir(), "assetflow-auth-"));
    homes.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("is generated at the first start, shown once, and stored only as its SHA-256 (mode 0600)", () => {
    const dir = home();
    const first = resolveApiToken({ home: dir, env: {} });
    expect(first.source).toBe("generated");
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = join(dir, API_TOKEN_FILE);
    expect(first.file).toBe(file);
    const stored = readFileSync(file, "utf8");
    expect(stored).toBe(`${hashToken(first.token ?? "")}\n`);
    expect(stored).not.toContain(first.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = resolveApiToken({ home: dir, env: {} });
    expect(second).toEqual({ auth: first.auth, token: null, source: "file", file });
    expect(isValidToken(second.auth, first.token ?? "")).toBe(true);
  });

  it("ASSETFLOW_API_TOKEN sets it, without writing a file", () => {
    const dir = home();
    const token = "env-token-0123456789";
    const resolved = resolveApiToken({ home: dir, env: { ASSETFLOW_API_TOKEN: token } });
    expect(resolved).toEqual({ auth: apiAuthFromToken(token), token, source: "env", file: null });
    expect(() => statSync(join(dir, API_TOKEN_FILE))).toThrow();
  });

  it("refuses a short ASSETFLOW_API_TOKEN and a token file that holds no hash, saying how to fix it", () => {
    const dir = home();
    expect(() => resolveApiToken({ home: dir, env: { ASSETFLOW_API_TOKEN: "short" } })).toThrow(ApiTokenError);
    expect(() => resolveApiToken({ home: dir, env: { ASSETFLOW_API_TOKEN: "short" } })).toThrow(/at least 16/);
    writeFileSync(join(dir, API_TOKEN_FILE), "not a hash\n");
    expect(() => resolveApiToken({ home: dir, env: {} })).toThrow(/delete it/);
  });

  it("isValidToken accepts exactly the token", () => {
    const auth = apiAuthFromToken("the-right-token-123");
    expect(isValidToken(auth, "the-right-token-123")).toBe(true);
    expect(isValidToken(auth, "the-right-token-124")).toBe(false);
    expect(isValidToken(auth, "")).toBe(false);
  });

  it("bearerToken reads `Authorization: Bearer <token>` only", () => {
    expect(bearerToken("Bearer abc.DEF-123")).toBe("abc.DEF-123");
    expect(bearerToken("bearer abc")).toBe("abc");
    expect(bearerToken(undefined)).toBe(null);
    expect(bearerToken("")).toBe(null);
    expect(bearerToken("Bearer")).toBe(null);
    expect(bearerToken("Bearer a b")).toBe(null);
    expect(bearerToken("Basic dXNlcjpwYXNz")).toBe(null);
    expect(bearerToken("Token abc")).toBe(null);
  });
});
