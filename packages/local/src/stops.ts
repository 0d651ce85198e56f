// The parts a local system started, to stop in reverse order whatever happens.

/** What was started, stopped last first; a part that fails to stop must not leave the others running. */
export class Stops {
  readonly #stops: (() => Promise<void>)[] = [];

  push(stop: () => Promise<void>): void {
    this.#stops.push(stop);
  }

  async stopAll(): Promise<void> {
    for (const stop of this.#stops.splice(0).reverse()) {
      try {
        await stop();
      } catch {
        // Keep stopping the rest.
      }
    }
  }
}
