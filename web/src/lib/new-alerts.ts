/**
 * Which things have just turned red: the keys alerting now that were not at the last look. The
 * first look only learns (a board opened mid-incident does not chime for what was already red).
 */
export class NewAlerts {
  #known: Set<string> | undefined;

  update(alerting: Iterable<string>): string[] {
    const now = new Set(alerting);
    const fresh = this.#known === undefined ? [] : [...now].filter((k) => !this.#known!.has(k));
    this.#known = now;
    return fresh;
  }
}
