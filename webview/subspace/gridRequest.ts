import type { Endpoint } from '../../src/protocol/endpoint';
import type { SubspaceHostNotifications, SubspaceHostRequests, SubspaceWebviewNotifications, SubspaceWebviewRequests } from '../../src/protocol/subspaceMessages';
import type { SubspaceStore } from './subspaceStore';

export type SubspaceEndpoint = Endpoint<SubspaceWebviewNotifications, SubspaceHostNotifications, SubspaceWebviewRequests, SubspaceHostRequests>;

/**
 * Asks the host for one module's φ grids. A newer request cancels the older one (its grid would
 * only be thrown away), and a failure shows in the φ view instead of rejecting unhandled.
 */
export class GridRequests {
  private running: AbortController | null = null;

  constructor(
    private readonly store: SubspaceStore,
    private readonly endpoint: SubspaceEndpoint,
  ) {}

  async load(module: string, other: number): Promise<void> {
    this.running?.abort();
    const controller = (this.running = new AbortController());
    this.store.setGrid({ kind: 'loading', module, other });
    try {
      const grid = await this.endpoint.request('phiGrid', { module, other }, controller.signal);
      if (this.running === controller) this.store.setGrid({ kind: 'ready', grid });
    } catch (error) {
      if (this.running !== controller || (error instanceof Error && error.name === 'AbortError')) return;
      this.store.setGrid({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }

  dispose(): void {
    this.running?.abort();
  }
}
