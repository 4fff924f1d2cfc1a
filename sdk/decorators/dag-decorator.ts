import "reflect-metadata";
import { DefinitionError, ErrorCode } from "../errors.js";
import { registerDag } from "../registry.js";
import { DAG_OPTIONS_KEY, TASK_METHODS_KEY } from "./keys.js";
import { scanDagClass } from "./scanner.js";

/** The decorator `@dag(options)` returns, for standard and experimental decorators alike. */
// biome-ignore lint/suspicious/noExplicitAny: a class decorator must accept every constructor signature
export type DagClassDecorator = <C extends abstract new (...args: any[]) => unknown>(
  value: C,
  context?: ClassDecoratorContext<C>,
) => void;

/**
 * Makes the class decorator: records the options with reflect-metadata, then
 * has the scanner build (and so validate) the DAG at once and registers it.
 */
export function dagDecorator(options: unknown): DagClassDecorator {
  return ((target: Function, context?: ClassDecoratorContext) => {
    if (typeof target !== "function") {
      throw new DefinitionError(ErrorCode.decoratorInvalid, "@dag() can only decorate a class.");
    }
    Reflect.defineMetadata(DAG_OPTIONS_KEY, options, target);
    if (context && typeof context === "object" && "kind" in context) {
      if (context.kind !== "class") {
        throw new DefinitionError(
          ErrorCode.decoratorInvalid,
          `@dag() can only decorate a class, not a ${context.kind}.`,
        );
      }
      const metadata = context.metadata as Record<string, unknown> | undefined;
      Reflect.defineMetadata(TASK_METHODS_KEY, metadata?.[TASK_METHODS_KEY] ?? [], target);
      // Scan once the class is fully defined (after its static fields).
      context.addInitializer(() => {
        registerDag(scanDagClass(target));
      });
      return;
    }
    registerDag(scanDagClass(target));
  }) as DagClassDecorator;
}
