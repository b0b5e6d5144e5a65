import { z } from 'zod';
import { BOARD_LIMITS, isBoardName, validateBoardInput, type Board } from '../protocol/boards.js';
import { validateOverrides, type ThresholdOverrides } from '../protocol/thresholds.js';

/** `$.queues.q1.all` → `['queues', 'q1', 'all']`; `$.states[0].label` → `['states', 0, 'label']`. */
function issuePath(path: string): (string | number)[] {
  return [...path.replace(/^\$/, '').matchAll(/\[(\d+)\]|[^.[\]]+/g)].map((m) =>
    m[1] === undefined ? m[0] : Number(m[1]),
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `dashboard.thresholds`: the config file's layer of colour thresholds (src/protocol/
 * thresholds.ts), under what the dashboard saves. Checked as the API checks a saved layer, so a
 * warning set after its alert stops the start naming the field.
 */
const thresholdsSchema = z
  .custom<ThresholdOverrides>(() => true)
  .superRefine((value, ctx) => {
    for (const p of validateOverrides(value)) {
      ctx.addIssue({ code: 'custom', message: p.message, path: issuePath(p.path), input: value });
    }
  })
  .default({});

/**
 * `dashboard.boards`: named boards (`{name, title, filters?, layout?}`), read-only over the API;
 * a board the dashboard saves may not take one of their names.
 */
const boardsSchema = z
  .array(z.unknown())
  .max(BOARD_LIMITS.boards, { error: `at most ${BOARD_LIMITS.boards} boards` })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      if (!isObject(item)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a board: {name, title, filters, layout}',
          path: [i],
          input: item,
        });
        return;
      }
      const { name, ...rest } = item;
      if (!isBoardName(name)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a board name: lower-case letters, digits and -, at most 64',
          path: [i, 'name'],
          input: name,
        });
      } else if (seen.has(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `two boards are named ${name}`,
          path: [i, 'name'],
          input: name,
        });
      }
      if (typeof name === 'string') seen.add(name);
      for (const p of validateBoardInput(rest).problems) {
        ctx.addIssue({
          code: 'custom',
          message: p.message,
          path: [i, ...issuePath(p.path)],
          input: item,
        });
      }
    });
  })
  .transform((list): Board[] =>
    list.map((item) => {
      const { name, ...rest } = item as Record<string, unknown>;
      const { title, filters, layout } = validateBoardInput(rest).board!;
      return { name: name as string, title, filters, layout, source: 'config', updatedAt: null };
    }),
  )
  .default([]);

/** The `dashboard:` section: what the gateway keeps for every dashboard screen. */
export const dashboardSchema = z
  .object({ thresholds: thresholdsSchema, boards: boardsSchema })
  .strict()
  .prefault({});
