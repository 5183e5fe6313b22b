import type { Endpoint } from '../src/protocol/endpoint';
import type { HostNotifications, HostRequests, SaveExportKind, WebviewCommand, WebviewNotifications, WebviewRequests } from '../src/protocol/messages';
import type { ExportFormat } from '../src/protocol/payloads';
import type { RankMethodPayload, RankPlanPayload } from '../src/protocol/resizePayloads';
import { matchesFilter } from './model/layerTable';
import type { TabId } from './model/viewState';
import type { Store } from './state/store';

export type WebviewEndpoint = Endpoint<WebviewNotifications, HostNotifications, WebviewRequests, HostRequests>;

/**
 * What the views may do: change the selection (which the host mirrors) or ask the host for
 * something. Failures of host requests become a notice rather than an unhandled rejection.
 */
export class Actions {
  constructor(
    private readonly store: Store,
    private readonly endpoint: WebviewEndpoint,
  ) {}

  select(index: number | null, options: { open?: boolean; tab?: TabId } = {}): void {
    const view = this.store.view;
    const detailsOpen = index === null ? false : (options.open ?? view.detailsOpen);
    const changed = view.selected !== index;
    this.store.updateView({ selected: index, detailsOpen, ...(options.tab ? { tab: options.tab } : {}) });
    if (changed) this.endpoint.notify('selected', { index });
  }

  /** Shows a layer the host points at; a filter that hides it is cleared so the row can be seen. */
  reveal(index: number): void {
    const row = this.store.layer(index);
    if (!row) return;
    if (!matchesFilter(row, this.store.view.filter)) this.store.updateView({ filter: '' });
    this.select(index, { open: true, tab: 'layers' });
  }

  closeDetails(): void {
    this.store.updateView({ detailsOpen: false });
  }

  showTab(tab: TabId): void {
    if (this.store.view.tab !== tab) this.store.updateView({ tab });
  }

  async exportReport(format: ExportFormat): Promise<void> {
    await this.run(async () => {
      const { file } = await this.endpoint.request('exportReport', { format });
      return file ? `Exported ${format} report to ${file}` : null;
    });
  }

  async copyStats(indices: readonly number[]): Promise<void> {
    await this.run(async () => {
      const { copied } = await this.endpoint.request('copyLayerStats', { indices: [...indices] });
      return `Copied stats of ${copied} layer${copied === 1 ? '' : 's'}`;
    });
  }

  /** Hands an export to the host, which asks where to save it. */
  async saveExport(name: string, kind: SaveExportKind, data: string, encoding: 'utf8' | 'base64'): Promise<void> {
    await this.run(async () => {
      const { file } = await this.endpoint.request('saveExport', { name, kind, data, encoding });
      return file ? `Saved ${file}` : null;
    });
  }

  async cancelAnalysis(): Promise<void> {
    await this.run(async () => {
      const { cancelled } = await this.endpoint.request('cancelAnalysis', {});
      return cancelled ? 'Cancelling…' : 'Nothing to cancel';
    });
  }

  async startAnalysis(): Promise<void> {
    await this.run(async () => {
      const { started } = await this.endpoint.request('startAnalysis', {});
      return started ? null : 'The analysis is already running';
    });
  }

  /** Asks the host to check a predictor's invariance on this adapter; the card's badge shows the result. */
  async checkInvariance(predictor: string): Promise<void> {
    await this.run(async () => {
      const { invariant, maxRelativeChange } = await this.endpoint.request('checkInvariance', { predictor });
      return `Invariance check: largest relative change ${maxRelativeChange.toExponential(2)} (${invariant ? 'invariant' : 'not invariant'})`;
    });
  }

  async runCommand(command: WebviewCommand): Promise<void> {
    await this.run(async () => {
      await this.endpoint.request('runCommand', { command });
      return null;
    });
  }

  /** The host's recommendation for `method`; failures reach the caller, which shows them in place. */
  recommendRanks(method: RankMethodPayload, signal: AbortSignal): Promise<RankPlanPayload> {
    return this.endpoint.request('recommendRanks', { method }, signal);
  }

  async resizeAdapter(method: RankMethodPayload): Promise<void> {
    await this.run(async () => {
      const { file } = await this.endpoint.request('resizeAdapter', { method });
      return file ? `Resized adapter written to ${file}` : null;
    });
  }

  private async run(work: () => Promise<string | null>): Promise<void> {
    try {
      const notice = await work();
      if (notice !== null) this.store.setNotice(notice);
    } catch (error) {
      this.store.setNotice(`Failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
