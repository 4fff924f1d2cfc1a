import { describe, expect, it } from "vitest";
import { isSecretKey, MASK, maskSecrets } from "./masking.js";

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
