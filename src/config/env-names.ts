import { z } from 'zod';

/**
 * The environment variable that overrides a config field (CONTRACT.md), declared on the field
 * in `schema.ts` so the field and its variable cannot drift apart. `env-overrides.ts` derives
 * the override table (and each variable's conversion, from the field's type) by walking the
 * schema.
 */
export const envNames = z.registry<{ env: string }>();

/** Declares that `env` overrides this field; returns the same schema. */
export function withEnv<T extends z.ZodType>(schema: T, env: string): T {
  envNames.add(schema, { env });
  return schema;
}
