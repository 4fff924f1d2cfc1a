import "reflect-metadata";
import { defineAsset, defineMultiAsset } from "../asset-definition.js";
import { DefinitionError, ErrorCode } from "../errors.js";
import { ASSET_DEFINITIONS_KEY } from "./keys.js";

/**
 * The decorator `@asset(options)` and `@asset.multi(options)` return, for a
 * static method, with standard decorators and with `experimentalDecorators`.
 */
export interface AssetMethodDecorator {
  // biome-ignore lint/suspicious/noExplicitAny: a decorator must accept every static method signature and class
  (value: (this: any, ...args: any[]) => unknown, context: ClassMethodDecoratorContext<any, any>): void;
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
}

/** Which decorator: `@asset` (one asset) or `@asset.multi` (several). */
export type AssetDecoratorKind = "asset" | "multi";

/**
 * Makes the decorator. It defines the asset (or the DAG of `asset.multi`) once
 * the class exists — at once with `experimentalDecorators`, in a static
 * initializer with standard decorators — with the method as the task's
 * function and the class as its `this`, and records the result on the class
 * under {@link ASSET_DEFINITIONS_KEY} (by method name).
 */
export function assetDecorator(kind: AssetDecoratorKind, options: unknown): AssetMethodDecorator {
  const name = kind === "asset" ? "@asset()" : "@asset.multi()";
  return ((target: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor) => {
    if (isStandardContext(keyOrContext)) {
      if (keyOrContext.kind !== "method" || !keyOrContext.static || keyOrContext.private) {
        const modifiers = `${keyOrContext.static ? "static " : ""}${keyOrContext.private ? "private " : ""}`;
        throw misuse(name, String(keyOrContext.name), `${modifiers}${keyOrContext.kind}`);
      }
      const methodName = String(keyOrContext.name);
      const method = target as Function;
      keyOrContext.addInitializer(function (this: unknown) {
        define(kind, options, method, this as Function, methodName);
      });
      return;
    }
    const methodName = String(keyOrContext);
    const method = descriptor?.value ?? (target as Record<string, unknown>)[methodName];
    if (typeof target !== "function" || typeof method !== "function") {
      throw misuse(name, methodName, typeof target === "function" ? "static property" : "instance member");
    }
    define(kind, options, method, target, methodName);
  }) as AssetMethodDecorator;
}

function define(kind: AssetDecoratorKind, options: unknown, method: Function, cls: Function, methodName: string): void {
  const defined =
    kind === "asset"
      ? defineAsset(options, method, cls, methodName)
      : defineMultiAsset(options, method, cls, methodName);
  const own: Record<string, unknown> = Reflect.getOwnMetadata(ASSET_DEFINITIONS_KEY, cls) ?? {};
  Reflect.defineMetadata(ASSET_DEFINITIONS_KEY, { ...own, [methodName]: defined }, cls);
}

function isStandardContext(value: unknown): value is ClassMemberDecoratorContext {
  return typeof value === "object" && value !== null && "kind" in value && "name" in value;
}

function misuse(decorator: string, name: string, kind: string): DefinitionError {
  return new DefinitionError(
    ErrorCode.decoratorInvalid,
    `${decorator} can only decorate a public static method (the function that materializes the asset; \`this\` is the class), not the ${kind} "${name}".`,
  );
}
