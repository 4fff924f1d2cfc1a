/**
 * The API's bearer token. One token per home: `ASSETFLOW_API_TOKEN` sets it;
 * otherwise it is generated at the first start, printed once, and only its
 * SHA-256 is kept, in `$ASSETFLOW_HOME/api-token.sha256`. Delete that file to
 * get a new token at the next start.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makePrivateDir, PRIVATE_FILE_MODE } from "../scheduler/store/home.js";
import { AssetflowError } from "../sdk/errors.js";

/** How the server checks tokens: the SHA-256 (hex) of the one valid token. */
export interface ApiAuth {
  readonly tokenSha256: string;
}

/** The token file's name under `$ASSETFLOW_HOME`. */
export const API_TOKEN_FILE = "api-token.sha256";

/** The shortest token `ASSETFLOW_API_TOKEN` may hold. */
export const MIN_API_TOKEN_LENGTH = 16;

/** Errors about the API token (too short, unreadable token file). */
export class ApiTokenError extends AssetflowError {}

/**
 * SHA-256 of a token, hex.
 *
 * @example
 * ```ts
 * hashToken("s3cr3t-s3cr3t-s3cr3t").length; // 64
 * ```
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * The {@link ApiAuth} accepting exactly `token`.
 *
 * @example
 * ```ts
 * const server = createServer({ scheduler, auth: apiAuthFromToken(process.env.TOKEN!), logDir });
 * ```
 */
export function apiAuthFromToken(token: string): ApiAuth {
  return { tokenSha256: hashToken(token) };
}

/**
 * True when `presented` is the token `auth` accepts. Compares hashes in
 * constant time.
 *
 * @example
 * ```ts
 * isValidToken(apiAuthFromToken("a".repeat(20)), "a".repeat(20)); // true
 * ```
 */
export function isValidToken(auth: ApiAuth, presented: string): boolean {
  const expected = Buffer.from(auth.tokenSha256, "hex");
  const actual = Buffer.from(hashToken(presented), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The token a server uses, and whether it can be shown. */
export interface ResolvedApiToken {
  readonly auth: ApiAuth;
  /** The token in clear when it is known to this process (from the environment, or just generated); else null. */
  readonly token: string | null;
  /** `env`: `ASSETFLOW_API_TOKEN`; `file`: generated at an earlier start; `generated`: generated now. */
  readonly source: "env" | "file" | "generated";
  /** The token file (hash only), or null when the token comes from the environment. */
  readonly file: string | null;
}

/**
 * Finds the API token: `ASSETFLOW_API_TOKEN` if set, else the hash stored in
 * `home`, else a new random token whose hash is stored (mode 0600) and which
 * is returned in clear this one time.
 *
 * @example
 * ```ts
 * const { auth, token } = resolveApiToken({ home: homePaths().home });
 * if (token) console.log(`token ${token}`);
 * ```
 */
export function resolveApiToken(options: { home: string; env?: NodeJS.ProcessEnv }): ResolvedApiToken {
  const fromEnv = (options.env ?? process.env).ASSETFLOW_API_TOKEN;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (fromEnv.length < MIN_API_TOKEN_LENGTH || /\s/.test(fromEnv)) {
      throw new ApiTokenError(
        "API_TOKEN_INVALID",
        `ASSETFLOW_API_TOKEN must be at least ${MIN_API_TOKEN_LENGTH} characters without spaces; generate one with \`openssl rand -hex 32\`.`,
      );
    }
    return { auth: apiAuthFromToken(fromEnv), token: fromEnv, source: "env", file: null };
  }
  const file = join(options.home, API_TOKEN_FILE);
  if (existsSync(file)) return { auth: { tokenSha256: readHash(file) }, token: null, source: "file", file };
  const token = randomBytes(32).toString("base64url");
  makePrivateDir(options.home);
  try {
    writeFileSync(file, `${hashToken(token)}\n`, { mode: PRIVATE_FILE_MODE, flag: "wx" });
  } catch (error) {
    // Another process created it first: use that one.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      return { auth: { tokenSha256: readHash(file) }, token: null, source: "file", file };
    }
    throw error;
  }
  return { auth: apiAuthFromToken(token), token, source: "generated", file };
}

/** The file of `assetflow dev`'s token under `$ASSETFLOW_HOME` (in clear, mode 0600). */
export const DEV_TOKEN_FILE = "dev-token";

/**
 * The token of `assetflow dev`: `ASSETFLOW_API_TOKEN` if set, else the one
 * kept in clear in `$ASSETFLOW_HOME/dev-token` (mode 0600), created at the
 * first `assetflow dev`. Unlike a server's token (only its hash is kept), a
 * local development token is shown at every start and by `assetflow token`.
 * `create: false` only reads it (null when there is none).
 *
 * @example
 * ```ts
 * const { token } = resolveDevToken({ home: ".assetflow" }); // the same at every start
 * ```
 */
export function resolveDevToken(options: {
  home: string;
  env?: NodeJS.ProcessEnv;
  create?: boolean;
}): { token: string; source: "env" | "dev"; file: string | null } | null {
  const fromEnv = (options.env ?? process.env).ASSETFLOW_API_TOKEN;
  if (fromEnv !== undefined && fromEnv !== "") {
    return {
      token: resolveApiToken({ home: options.home, env: options.env }).token as string,
      source: "env",
      file: null,
    };
  }
  const file = join(options.home, DEV_TOKEN_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, "utf8").trim();
    if (token.length >= MIN_API_TOKEN_LENGTH && !/\s/.test(token)) return { token, source: "dev", file };
    if (options.create === false) return null;
  } else if (options.create === false) {
    return null;
  }
  const token = randomBytes(32).toString("base64url");
  makePrivateDir(options.home);
  writeFileSync(file, `${token}\n`, { mode: PRIVATE_FILE_MODE });
  return { token, source: "dev", file };
}

function readHash(file: string): string {
  const text = readFileSync(file, "utf8").trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new ApiTokenError(
      "API_TOKEN_FILE_INVALID",
      `${file} does not hold a SHA-256 hash: delete it to generate a new API token at the next start.`,
    );
  }
  return text;
}

/**
 * The token of an `Authorization: Bearer <token>` header, or null.
 *
 * @example
 * ```ts
 * bearerToken("Bearer abc"); // "abc"
 * ```
 */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}
