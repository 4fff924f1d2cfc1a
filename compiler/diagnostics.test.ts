import { describe, expect, it } from "vitest";
import {
  createDiagnostic,
  type Diagnostic,
  DiagnosticCatalog,
  formatDiagnostic,
  hasErrors,
  sortDiagnostics,
} from "./diagnostics.js";

describe("the diagnostics catalog", () => {
  const entries = Object.entries(DiagnosticCatalog);

  it("gives every entry a unique code AF<digit><3 digits> in the range of its family, and a unique name", () => {
    const codes = entries.map(([, entry]) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^AF[1-4]\d{3}$/);
    const names = entries.map(([, entry]) => entry.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("makes lint rules of DESIGN.md section 3 errors or warnings as specified", () => {
    expect(DiagnosticCatalog.invalidUri.severity).toBe("error");
    expect(DiagnosticCatalog.duplicateDagId.severity).toBe("error");
    expect(DiagnosticCatalog.metadataNotOutlet.severity).toBe("error");
    expect(DiagnosticCatalog.outletEventsNotOutlet.severity).toBe("error");
    expect(DiagnosticCatalog.unproducedAsset.severity).toBe("warning");
    expect(DiagnosticCatalog.assetCycle.severity).toBe("warning");
    expect(DiagnosticCatalog.patternUri.severity).toBe("warning");
  });

  it("creates diagnostics as plain data", () => {
    const diagnostic = createDiagnostic(
      DiagnosticCatalog.duplicateDagId,
      { dagId: "report", other: "a.ts:1:1" },
      { file: "b.ts", line: 3, column: 5, length: 8 },
    );
    expect(diagnostic).toEqual({
      code: "AF4001",
      severity: "error",
      message:
        'Two DAGs have the id "report" (the other one is at a.ts:1:1): DAG ids must be unique in a project. Rename one of them.',
      file: "b.ts",
      line: 3,
      column: 5,
      length: 8,
    });
    expect(JSON.parse(JSON.stringify(diagnostic))).toEqual(diagnostic);
    expect(hasErrors([diagnostic])).toBe(true);
    expect(hasErrors([{ ...diagnostic, severity: "warning" }])).toBe(false);
  });
});

describe("formatDiagnostic", () => {
  const source = [
    "import { Asset } from 'assetflow';",
    "export const raw =",
    "  new Asset(process.env.BUCKET);",
    "",
  ].join("\n");
  const diagnostic: Diagnostic = {
    code: "AF2002",
    severity: "error",
    message:
      "The URI of this asset is built at run time from `process.env.BUCKET`; declare it as a constant or an AssetAlias.",
    file: "dags/assets.ts",
    line: 3,
    column: 13,
    length: 18,
  };

  it("prints the location, severity, code and message, then a code frame with the span underlined", () => {
    expect(formatDiagnostic(diagnostic, { source })).toBe(
      [
        "dags/assets.ts:3:13 - error AF2002: The URI of this asset is built at run time from `process.env.BUCKET`; declare it as a constant or an AssetAlias.",
        "",
        "  2 | export const raw =",
        "> 3 |   new Asset(process.env.BUCKET);",
        "    |             ^^^^^^^^^^^^^^^^^^",
        "  4 | ",
        "",
      ].join("\n"),
    );
  });

  it("prints one line without a source, or for a diagnostic about a whole path", () => {
    expect(formatDiagnostic(diagnostic)).toBe(
      "dags/assets.ts:3:13 - error AF2002: The URI of this asset is built at run time from `process.env.BUCKET`; declare it as a constant or an AssetAlias.",
    );
    expect(
      formatDiagnostic(
        { ...diagnostic, code: "AF1002", message: '"dags" does not exist.', file: "dags", line: 0, column: 0 },
        { source },
      ),
    ).toBe('dags - error AF1002: "dags" does not exist.');
  });

  it("colors with ANSI codes only when asked", () => {
    expect(formatDiagnostic(diagnostic, { source, color: true })).toContain("\u001b[31merror AF2002\u001b[0m");
    expect(formatDiagnostic(diagnostic, { source })).not.toContain("\u001b[");
  });
});

describe("sortDiagnostics", () => {
  const at = (file: string, line: number, code: string, message = "m"): Diagnostic => ({
    code,
    severity: "error",
    message,
    file,
    line,
    column: 1,
  });

  it("sorts by file and position and drops repeats", () => {
    expect(
      sortDiagnostics([
        at("b.ts", 1, "AF4001"),
        at("a.ts", 2, "AF4001"),
        at("a.ts", 1, "AF4004"),
        at("a.ts", 1, "AF4004"),
      ]),
    ).toEqual([at("a.ts", 1, "AF4004"), at("a.ts", 2, "AF4001"), at("b.ts", 1, "AF4001")]);
  });

  it("keeps different messages of a lint rule at one place, but one message per unresolved value", () => {
    expect(sortDiagnostics([at("a.ts", 1, "AF4004", "x"), at("a.ts", 1, "AF4004", "y")])).toHaveLength(2);
    expect(
      sortDiagnostics([at("a.ts", 1, "AF2002", "for the schedule"), at("a.ts", 1, "AF2002", "for an outlet")]),
    ).toEqual([at("a.ts", 1, "AF2002", "for an outlet")]);
  });
});
