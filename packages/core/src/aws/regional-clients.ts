// One SDK client per region, created on first use and shared by every call of an adapter: the caller's own client
// (`given`, e.g. a test's) or a new one (`create`), which destroy() closes; a client the caller gave is its own.

export class RegionalClients<C extends { destroy(): void }> {
  readonly #clients = new Map<string, C>();
  readonly #created = new Set<C>();
  readonly #create: (region: string) => C;
  readonly #given: ((region: string) => C) | undefined;

  constructor(create: (region: string) => C, given?: (region: string) => C) {
    this.#create = create;
    this.#given = given;
  }

  get(region: string): C {
    let client = this.#clients.get(region);
    if (!client) {
      client = this.#given?.(region);
      if (!client) {
        client = this.#create(region);
        this.#created.add(client);
      }
      this.#clients.set(region, client);
    }
    return client;
  }

  /** Closes the clients created here (not those `given`). */
  destroy(): void {
    for (const client of this.#created) client.destroy();
    this.#created.clear();
    this.#clients.clear();
  }
}
