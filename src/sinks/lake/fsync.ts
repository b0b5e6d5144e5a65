import { open } from 'node:fs/promises';

/** Flushes a file or a directory (a new or renamed entry's name) to disk. */
export async function fsyncPath(path: string, flags: 'r' | 'r+' = 'r'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
