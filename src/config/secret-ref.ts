import { z } from 'zod';

/**
 * A secret may be written inline, `{ env: NAME }`, `{ file: PATH }`, or the string forms
 * `env:NAME` / `file:PATH`; it is resolved at load and never logged.
 */
export const secretRefSchema = z.union([
  z.string().min(1),
  z.object({ value: z.string().min(1) }).strict(),
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;
