/**
 * The lake's bronze layer: every event as received, one NDJSON line each, in
 * `<root>/kind=<kind>/date=<YYYY-MM-DD>/<first offset>.ndjson` (the date is the UTC day the
 * gateway received it). A line has the fields of `GET /api/v1/events`.
 *
 * Why files come out the same after a crash or a replay, byte for byte: everything about them
 * derives from the events alone. A partition's file takes events in offset order until the next
 * one would pass `maxFileBytes` or arrive `maxFileAgeMs` (by `receivedAt`, not the wall clock)
 * after the file's first; then a new file starts, named by that event's offset. An append is
 * fsynced before `write` resolves, so the router commits only what is on disk; after a crash
 * the redelivered events that are already in a file are recognised by offset and skipped, and a
 * line torn by the crash is cut off before appending. An event older than its partition's newest
 * (a dead letter replayed) that no file holds goes to a file of its own, `<offset>-late.ndjson`.
 */
import { mkdir, open, readdir, readFile, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fsyncPath } from './fsync.js';
import type { StoredEvent } from '../../log/event-log.js';
import { eventMetadata } from '../event-document.js';

export interface BronzeOptions {
  /** `<lake>/bronze`. */
  root: string;
  /** A file takes no event that would make it larger (one event alone may be). */
  maxFileBytes: number;
  /** A file takes no event received this long after its first. */
  maxFileAgeMs: number;
}

export interface BronzeWriteResult {
  /** Per event, in batch order: written now, or already in the lake. */
  written: boolean[];
  /** Files created by this write. */
  created: string[];
}

/** The newest file of one partition, where its next events go. */
interface OpenFile {
  name: string;
  path: string;
  bytes: number;
  firstReceivedMs: number;
  lastOffset: number;
  /** Offsets held, read on the first redelivery that needs them. */
  offsets: Set<number> | undefined;
  handle: FileHandle | undefined;
}

interface Partition {
  dir: string;
  /** File names (first offsets, zero-padded), ascending; late files apart. */
  files: string[];
  late: Set<string>;
  current: OpenFile | undefined;
}

const PAD = 16;
export const fileName = (offset: number) => `${String(offset).padStart(PAD, '0')}.ndjson`;
/** A replayed event older than its partition's newest file: a file of its own. */
export const lateFileName = (offset: number) => `${String(offset).padStart(PAD, '0')}-late.ndjson`;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bronze line of an event (ends with `\n`); deterministic, key order fixed. */
export function bronzeLine(event: StoredEvent): string {
  let body: string;
  let encoding: 'base64' | undefined;
  try {
    body = utf8.decode(event.body);
  } catch {
    // Not UTF-8: kept exact as base64 rather than replaced characters.
    body = Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength).toString(
      'base64',
    );
    encoding = 'base64';
  }
  return `${JSON.stringify({
    offset: event.offset,
    ...eventMetadata(event),
    body,
    ...(encoding ? { bodyEncoding: encoding } : {}),
  })}\n`;
}

export function partitionOf(event: StoredEvent): string {
  const kind = event.kind.replace(/[^A-Za-z0-9._-]/g, '_');
  return `kind=${kind}/date=${event.receivedAt.slice(0, 10)}`;
}

/**
 * Where the lake keeps an event, for a claim check: its partition directory, and its offset
 * (the line with that offset, in the file named at or below it, or in `<offset>-late.ndjson`).
 */
export function bronzeLocation(
  lakePath: string,
  event: StoredEvent,
): { uri: string; offset: number; id: string } {
  const dir = pathToFileURL(join(lakePath, 'bronze', partitionOf(event))).href;
  return { uri: `${dir}/`, offset: event.offset, id: event.id };
}

export class BronzeWriter {
  readonly #o: BronzeOptions;
  readonly #partitions = new Map<string, Partition>();
  /** Newest offset this process has durably written: what the silver layer may read up to. */
  lastOffset = 0;

  constructor(options: BronzeOptions) {
    this.#o = options;
  }

  /**
   * Appends the events not already in the lake, fsynced (and new files' directories too) before
   * it resolves. Not reentrant: one write at a time (the lake sink's concurrency is 1).
   */
  async write(events: readonly StoredEvent[]): Promise<BronzeWriteResult> {
    const created: string[] = [];
    const appends = new Map<string, { partition: Partition; file: OpenFile; lines: string[] }>();
    const written: boolean[] = [];
    let newest = this.lastOffset;
    try {
      for (const event of events) {
        const partition = await this.#partition(partitionOf(event));
        if (await this.#holds(partition, event.offset)) {
          written.push(false);
          continue;
        }
        const line = bronzeLine(event);
        const size = Buffer.byteLength(line);
        const receivedMs = Date.parse(event.receivedAt);
        let file = partition.current;
        const late = file !== undefined && event.offset <= file.lastOffset;
        if (late) {
          const name = lateFileName(event.offset);
          partition.late.add(name);
          file = { ...this.#newFile(partition, event.offset, receivedMs, name) };
          created.push(file.path);
        } else if (
          !file ||
          (file.bytes > 0 &&
            (file.bytes + size > this.#o.maxFileBytes ||
              receivedMs - file.firstReceivedMs >= this.#o.maxFileAgeMs))
        ) {
          if (file) await this.#seal(file);
          file = this.#newFile(partition, event.offset, receivedMs);
          partition.current = file;
          created.push(file.path);
        }
        if (file.bytes === 0) file.firstReceivedMs = receivedMs;
        file.bytes += size;
        file.lastOffset = Math.max(file.lastOffset, event.offset);
        file.offsets?.add(event.offset);
        let pending = appends.get(file.path);
        if (!pending) appends.set(file.path, (pending = { partition, file, lines: [] }));
        pending.lines.push(line);
        written.push(true);
        newest = Math.max(newest, event.offset);
      }
      // Partitions in parallel; within one, files strictly in order, each fsynced before the
      // next is written: a crash must never leave a newer file holding events while an older
      // one misses some (they would come back as late files, and the files would differ).
      const byPartition = new Map<Partition, { file: OpenFile; lines: string[] }[]>();
      for (const a of appends.values()) {
        const list = byPartition.get(a.partition) ?? [];
        list.push(a);
        byPartition.set(a.partition, list);
      }
      await Promise.all(
        [...byPartition].map(async ([partition, files]) => {
          for (const { file, lines } of files) {
            const handle = file.handle ?? (await open(file.path, 'a'));
            if (file === partition.current) file.handle = handle;
            try {
              await handle.appendFile(lines.join(''));
              await handle.datasync();
            } finally {
              if (file !== partition.current) await handle.close();
            }
          }
        }),
      );
      // A new file's name must survive a crash too.
      const dirs = new Set([...appends.values()].map((a) => a.partition.dir));
      if (created.length > 0) await Promise.all([...dirs].map((dir) => fsyncPath(dir)));
      this.lastOffset = newest;
      return { written, created };
    } catch (err) {
      // What is on disk is the truth: forget what this write assumed, read it again next time.
      for (const { partition } of appends.values()) await this.#forget(partition);
      throw err;
    }
  }

  async close(): Promise<void> {
    for (const p of this.#partitions.values()) if (p.current) await this.#seal(p.current);
    this.#partitions.clear();
  }

  #newFile(
    partition: Partition,
    offset: number,
    receivedMs: number,
    name = fileName(offset),
  ): OpenFile {
    if (name === fileName(offset)) insertSorted(partition.files, name);
    return {
      name,
      path: join(partition.dir, name),
      bytes: 0,
      firstReceivedMs: receivedMs,
      lastOffset: offset,
      offsets: new Set(),
      handle: undefined,
    };
  }

  async #seal(file: OpenFile): Promise<void> {
    const handle = file.handle;
    file.handle = undefined;
    await handle?.close();
  }

  async #forget(partition: Partition): Promise<void> {
    const key = [...this.#partitions].find(([, p]) => p === partition)?.[0];
    if (partition.current) await this.#seal(partition.current).catch(() => undefined);
    if (key !== undefined) this.#partitions.delete(key);
  }

  /** A partition's state, read from disk the first time: its files and its newest one. */
  async #partition(key: string): Promise<Partition> {
    const known = this.#partitions.get(key);
    if (known) return known;
    const dir = join(this.#o.root, key);
    await mkdir(dir, { recursive: true });
    const names = await readdir(dir);
    const files = names.filter((f) => /^\d+\.ndjson$/.test(f)).sort();
    const late = new Set(names.filter((f) => /^\d+-late\.ndjson$/.test(f)));
    const partition: Partition = { dir, files, late, current: undefined };
    const newest = files.at(-1);
    if (newest) partition.current = await this.#load(dir, newest);
    this.#partitions.set(key, partition);
    return partition;
  }

  /** Reads a file back: its offsets, size and first time; a torn last line is cut off. */
  async #load(dir: string, name: string): Promise<OpenFile> {
    const path = join(dir, name);
    let text = await readFile(path, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) {
      await truncate(path, Buffer.byteLength(text.slice(0, end)));
      text = text.slice(0, end);
    }
    const offsets = new Set<number>();
    let firstReceivedMs = Number.NaN;
    // An empty file (its only line was torn) takes its first event again.
    let lastOffset = Number(/^\d+/.exec(name)![0]) - 1;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const parsed = JSON.parse(line) as { offset: number; receivedAt: string };
      offsets.add(parsed.offset);
      lastOffset = Math.max(lastOffset, parsed.offset);
      if (Number.isNaN(firstReceivedMs)) firstReceivedMs = Date.parse(parsed.receivedAt);
    }
    return {
      name,
      path,
      bytes: (await stat(path)).size,
      firstReceivedMs,
      lastOffset,
      offsets,
      handle: undefined,
    };
  }

  /** Whether the partition already holds the event at `offset`. */
  async #holds(partition: Partition, offset: number): Promise<boolean> {
    const current = partition.current;
    if (!current || offset > current.lastOffset) return false;
    if (partition.late.has(lateFileName(offset))) return true;
    // The file that would hold it: the last one named at or below the offset.
    const candidate = partition.files.filter((f) => f <= fileName(offset)).at(-1);
    if (!candidate) return false;
    if (candidate === current.name) {
      current.offsets ??= (await this.#load(partition.dir, current.name)).offsets;
      return current.offsets!.has(offset);
    }
    return (await this.#load(partition.dir, candidate)).offsets!.has(offset);
  }
}

function insertSorted(names: string[], name: string): void {
  if (names.includes(name)) return;
  names.push(name);
  names.sort();
}
