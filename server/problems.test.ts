import { describe, expect, it } from "vitest";
import { SchedulerError } from "../scheduler/scheduler.js";
import { asStoreFullError } from "../scheduler/store/store-full.js";
import { HttpProblem, problem, problemOf } from "./problems.js";

describe("problems", () => {
  it("problem() names the status with its standard phrase", () => {
    expect(problem(404, "gone")).toEqual({ status: 404, title: "Not Found", detail: "gone" });
    expect(problem(413, "big")).toMatchObject({ title: "Payload Too Large" });
  });

  it("maps scheduler errors a client provokes to 404 and 409, other assetflow errors to 400", () => {
    expect(problemOf(new SchedulerError("DAG_NOT_FOUND", "No active DAG"))).toEqual(
      problem(404, "No active DAG", "DAG_NOT_FOUND"),
    );
    expect(problemOf(new SchedulerError("RUN_EXISTS", "taken")).status).toBe(409);
    expect(problemOf(new SchedulerError("SOMETHING_ELSE", "bad input")).status).toBe(400);
    expect(problemOf(new HttpProblem(409, "conflict"))).toEqual(problem(409, "conflict"));
  });

  it("answers a full store with 507 STORE_FULL and the cause, not a 500", () => {
    const full = asStoreFullError(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }), "/x");
    expect(problemOf(full)).toEqual({
      status: 507,
      title: "Insufficient Storage",
      code: "STORE_FULL",
      detail:
        "The store is full (SQLITE_FULL: database or disk is full): nothing was written. Free disk space where the store lives (or raise its size limit) and try again.",
    });
  });

  it("answers a lost store connection with 503 STORE_UNAVAILABLE, not a 500", () => {
    const lost = problemOf(new Error("Connection terminated unexpectedly"));
    expect(lost).toMatchObject({ status: 503, code: "STORE_UNAVAILABLE" });
    const terminated = Object.assign(new Error("terminating connection due to administrator command"), {
      code: "57P01",
    });
    expect(problemOf(terminated).status).toBe(503);
    expect(problemOf(Object.assign(new Error("duplicate key"), { code: "23505" })).status).toBe(500);
  });

  it("keeps the message of Fastify's client errors and hides everything else behind a 500", () => {
    const tooLarge = Object.assign(new Error("Request body is too large"), { statusCode: 413 });
    expect(problemOf(tooLarge)).toEqual(problem(413, "Request body is too large"));
    const internal = problemOf(new Error("ENOENT: /var/lib/assetflow/secret"));
    expect(internal).toEqual({
      status: 500,
      title: "Internal Server Error",
      detail: "The server failed to answer this request; the server log has the details.",
    });
    expect(problemOf(Object.assign(new Error("x"), { statusCode: 502 })).status).toBe(500);
    expect(problemOf("a string").status).toBe(500);
  });

  it("shortens very long details", () => {
    expect(problemOf(new HttpProblem(400, "x".repeat(5000))).detail).toBe("x".repeat(5000));
    expect(problemOf(Object.assign(new Error("y".repeat(5000)), { statusCode: 400 })).detail).toHaveLength(2001);
  });
});
