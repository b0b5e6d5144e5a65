import type { EventInput, StoredEvent } from './event-log.js';

/**
 * The newest appended events, in memory, as `read` would return them from SQLite. Every event a
 * successful append stored goes in, in commit order, so the cache holds every event from its
 * first one on: a read after an offset at or past it is answered whole from here. Bounded by
 * count and body bytes; the oldest go first.
 */
export class TailCache {
  readonly #events: StoredEvent[] = [];
  #head = 0;
  #bytes = 0;

  constructor(
    private readonly maxEvents = 5_000,
    private readonly maxBytes = 8 * 1024 * 1024,
  ) {}

  add(input: EventInput, offset: number): void {
    const subject: StoredEvent['subject'] = {};
    // As the row reads back: absent and null ids are both absent.
    if (input.subject.userId != null) subject.userId = input.subject.userId;
    if (input.subject.queueId != null) subject.queueId = input.subject.queueId;
    if (input.subject.conversationId != null) subject.conversationId = input.subject.conversationId;
    // A copy: the input's bytes may be a view into a larger request buffer.
    const body = Buffer.from(input.body);
    this.#events.push({
      offset,
      id: input.id,
      source: input.source,
      topic: input.topic,
      kind: input.kind,
      subject,
      occurredAt: input.occurredAt,
      receivedAt: input.receivedAt,
      body,
    });
    this.#bytes += body.byteLength;
    while (this.size > this.maxEvents || (this.#bytes > this.maxBytes && this.size > 1)) {
      this.#bytes -= this.#events[this.#head]!.body.byteLength;
      this.#head++;
    }
    if (this.#head > 4096 && this.#head * 2 > this.#events.length) {
      this.#events.splice(0, this.#head);
      this.#head = 0;
    }
  }

  get size(): number {
    return this.#events.length - this.#head;
  }

  /** The events after `after`, at most `limit`; undefined when the cache cannot answer whole. */
  read(after: number, limit: number): StoredEvent[] | undefined {
    if (this.size === 0 || after < this.#events[this.#head]!.offset - 1) return undefined;
    let lo = this.#head;
    let hi = this.#events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#events[mid]!.offset <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.#events.slice(lo, lo + limit);
  }

  /** Forgets the events before `offset` (retention deleted them). */
  dropBefore(offset: number): void {
    while (this.size > 0 && this.#events[this.#head]!.offset < offset) {
      this.#bytes -= this.#events[this.#head]!.body.byteLength;
      this.#head++;
    }
    if (this.size === 0) this.clear();
  }

  clear(): void {
    this.#events.length = 0;
    this.#head = 0;
    this.#bytes = 0;
  }
}
