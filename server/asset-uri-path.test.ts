import { describe, expect, it } from "vitest";
import { encodeRawAssetUri } from "./asset-uri-path.js";

describe("encodeRawAssetUri", () => {
  it("percent-encodes a raw URI in the queued-event paths, keeping the query", () => {
    expect(encodeRawAssetUri("/api/v1/dags/d/assets/queuedEvent/s3://bucket/key")).toBe(
      "/api/v1/dags/d/assets/queuedEvent/s3%3A%2F%2Fbucket%2Fkey",
    );
    expect(encodeRawAssetUri("/api/v1/assets/queuedEvent/s3://bucket/a/b?before=2025-01-01T00:00:00Z")).toBe(
      "/api/v1/assets/queuedEvent/s3%3A%2F%2Fbucket%2Fa%2Fb?before=2025-01-01T00:00:00Z",
    );
  });

  it("keeps escapes that belong to the URI, so they decode back to it", () => {
    const rewritten = encodeRawAssetUri("/api/v1/assets/queuedEvent/s3://bucket/a%2Fb");
    expect(decodeURIComponent(rewritten.slice("/api/v1/assets/queuedEvent/".length))).toBe("s3://bucket/a%2Fb");
  });

  it("leaves encoded URIs, plain names and other paths alone", () => {
    for (const url of [
      "/api/v1/dags/d/assets/queuedEvent/s3%3A%2F%2Fbucket%2Fkey",
      "/api/v1/dags/d/assets/queuedEvent/asset-1",
      "/api/v1/dags/d/assets/queuedEvent",
      "/api/v1/assets/events?uri=s3://bucket/key",
      "/api/v1/dags/a/b/assets/queuedEvent/s3://x",
    ]) {
      expect(encodeRawAssetUri(url)).toBe(url);
    }
  });
});
