import "reflect-metadata";
import { DefinitionError, ErrorCode } from "../errors.js";
import { TASK_METHODS_KEY, type TaskMethodRecord } from "./keys.js";

/**
 * The decorator `@task(options)` returns. It works with TypeScript's standard
 * decorators and with `experimentalDecorators`.
 */
export interface TaskMethodDecorator {
  // biome-ignore lint/suspicious/noExplicitAny: a decorator must accept every method signature
  (value: (this: any, ...args: any[]) => unknown, context: ClassMethodDecoratorContext): void;
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
}

/** Makes the method decorator; records `{ methodName, options }` for the scanner. */
export function taskDecorator(options: unknown): TaskMethodDecorator {
  return ((target: unknown, keyOrContext: unknown) => {
    if (isStandardContext(keyOrContext)) {
      if (keyOrContext.kind !== "method" || keyOrContext.static || keyOrContext.private) {
        const modifiers = `${keyOrContext.static ? "static " : ""}${keyOrContext.private ? "private " : ""}`;
        throw misuse(String(keyOrContext.name), `${modifiers}${keyOrContext.kind}`);
      }
      const metadata = keyOrContext.metadata as Record<string, unknown> | undefined;
      if (!metadata) {
        throw new DefinitionError(
          ErrorCode.decoratorInvalid,
          "Decorator metadata is unavailable: import assetflow before defining @dag classes so it can install Symbol.metadata.",
        );
      }
      // Copy the inherited list so a subclass never writes into its parent's.
      const own = Object.hasOwn(metadata, TASK_METHODS_KEY)
        ? (metadata[TASK_METHODS_KEY] as TaskMethodRecord[])
        : [...((metadata[TASK_METHODS_KEY] as TaskMethodRecord[] | undefined) ?? [])];
      metadata[TASK_METHODS_KEY] = [...own, { methodName: String(keyOrContext.name), options }];
      return;
    }
    const prototype = target as object;
    const methodName = String(keyOrContext);
    if (typeof prototype === "function" || typeof (prototype as Record<string, unknown>)[methodName] !== "function") {
      throw misuse(methodName, typeof prototype === "function" ? "static member" : "property");
    }
    const owner = prototype.constructor;
    const records: TaskMethodRecord[] =
      Reflect.getOwnMetadata(TASK_METHODS_KEY, owner) ?? Reflect.getMetadata(TASK_METHODS_KEY, owner) ?? [];
    Reflect.defineMetadata(TASK_METHODS_KEY, [...records, { methodName, options }], owner);
  }) as TaskMethodDecorator;
}

function isStandardContext(value: unknown): value is ClassMemberDecoratorContext {
  return typeof value === "object" && value !== null && "kind" in value && "name" in value;
}

function misuse(name: string, kind: string): DefinitionError {
  return new DefinitionError(
    ErrorCode.decoratorInvalid,
    `@task() can only decorate a public instance method of a @dag class, not the ${kind} "${name}".`,
  );
}
