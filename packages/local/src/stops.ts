// The parts a local system started, to stop in reverse order whatever happens.

/** What was started, stopped last first; a part that fails to stop must not leave the others running. */
export class Stops {
  readonly #stops: (() => Promise<void>)[] = [];
  /** Stops of parts whose start finished after stopAll (a start cut short by Ctrl-C): run at once, awaited by stopAll. */
  readonly #late: Promise<void>[] = [];
  #closed = false;

  push(stop: () => Promise<void>): void {
    if (this.#closed) {
      this.#late.push(stop().catch(() => undefined));
      return;
    }
    this.#stops.push(stop);
  }

  async stopAll(): Promise<void> {
    this.#closed = true;
    for (const stop of this.#stops.splice(0).reverse()) {
      try {
        await stop();
      } catch {
        // Keep stopping the rest.
      }
    }
    await Promise.all(this.#late.splice(0));
  }
}
