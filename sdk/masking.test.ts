import { describe, expect, it } from "vitest";
import { createTextMasker, isSecretKey, MASK, maskSecrets, secretValuesOf } from "./masking.js";

describe("maskSecrets", () => {
  it("isSecretKey recognises the secret-looking keys in any case and spelling", () => {
    const secret = [
      "password",
      "PASSWORD",
      "db_password",
      "passwd",
      "secret",
      "clientSecret",
      "aws_secret_access_key",
      "token",
      "accessToken",
      "api_key",
      "API-KEY",
      "apikey",
      "ApiKey",
      "credential",
      "credentials",
      "private_key",
      "privateKey",
      "Private.Key",
    ];
    const plain = ["rowCount", "team", "key", "private", "api", "pass", "credit", "user", "owner"];
    expect(secret.filter((key) => !isSecretKey(key))).toEqual([]);
    expect(plain.filter((key) => isSecretKey(key))).toEqual([]);
  });

  it("masks values under secret keys at any depth and inside arrays, whatever their type", () => {
    const value = {
      rowCount: 3,
      password: "hunter2",
      nested: { API_KEY: 42, list: [{ accessToken: "t", keep: 1 }, "plain"], private_key: { pem: "x" } },
      credentials: ["a", "b"],
    };
    expect(maskSecrets(value)).toEqual({
      rowCount: 3,
      password: MASK,
      nested: { API_KEY: MASK, list: [{ accessToken: MASK, keep: 1 }, "plain"], private_key: MASK },
      credentials: MASK,
    });
  });

  it("leaves its input unchanged and returns scalars as they are", () => {
    const value = { secret: "s", inner: { token: "t" } };
    maskSecrets(value);
    expect(value).toEqual({ secret: "s", inner: { token: "t" } });
    expect(maskSecrets("token")).toBe("token");
    expect(maskSecrets(null)).toBe(null);
    expect(maskSecrets([1, { password: 2 }])).toEqual([1, { password: MASK }]);
  });

  it("keeps a __proto__ key as a plain key", () => {
    const value = JSON.parse('{"__proto__": {"password": "p", "x": 1}}') as Record<string, unknown>;
    const masked = maskSecrets(value);
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
    expect(JSON.stringify(masked)).toBe('{"__proto__":{"password":"***","x":1}}');
  });
});

describe("secretValuesOf and createTextMasker", () => {
  it("finds the token, store and connection URIs, their passwords (raw and decoded) and secret-named values", () => {
    const values = secretValuesOf({
      ASSETFLOW_API_TOKEN: "tok-0123456789abcdef",
      ASSETFLOW_DATABASE_URL: "postgres://app:p%40ss-word@db:5432/af",
      ASSETFLOW_CONN_WAREHOUSE: "postgresql://wh:whsecret@wh/x",
      AWS_SECRET_ACCESS_KEY: "AKIAxyz",
      HOME: "/home/u",
      PATH: "/usr/bin",
      SITE: "https://example.com/",
    });
    expect(values.sort()).toEqual(
      [
        "tok-0123456789abcdef",
        "postgres://app:p%40ss-word@db:5432/af",
        "p%40ss-word",
        "p@ss-word",
        "postgresql://wh:whsecret@wh/x",
        "whsecret",
        "AKIAxyz",
      ].sort(),
    );
  });

  it("masks every occurrence, the longest value first, and leaves short values and other text alone", () => {
    const mask = createTextMasker(["postgres://app:hunter22@db/af", "hunter22", "abc"]);
    expect(mask("url=postgres://app:hunter22@db/af pw=hunter22 hunter22 abc")).toBe(
      `url=${MASK} pw=${MASK} ${MASK} abc`,
    );
    expect(mask("nothing (secret) here [x]")).toBe("nothing (secret) here [x]");
    expect(createTextMasker([])("same")).toBe("same");
    expect(createTextMasker(["a.b*c"])("xa.b*cx aXbbc")).toBe(`x${MASK}x aXbbc`);
  });
});
