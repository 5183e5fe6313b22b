import type { RankMethodPayload, RankPlanPayload } from '../../src/protocol/resizePayloads';

export type PlanState =
  { readonly kind: 'none' } | { readonly kind: 'waiting' } | { readonly kind: 'ready'; readonly plan: RankPlanPayload } | { readonly kind: 'failed'; readonly message: string };

/**
 * Keeps the host's recommendation in step with the method and the results known. A new method
 * or new results replace the request in flight (aborted, so its late answer is dropped); while
 * results stream in under the same method, the last plan stays shown until the next arrives,
 * so the markers do not flicker. Free of the DOM, so it runs in Node tests.
 */
export class PlanRequest {
  private state: PlanState = { kind: 'none' };
  private methodKey = '';
  private key = '';
  private inFlight: AbortController | null = null;

  constructor(
    private readonly request: (method: RankMethodPayload, signal: AbortSignal) => Promise<RankPlanPayload>,
    private readonly changed: () => void,
  ) {}

  get current(): PlanState {
    return this.state;
  }

  /** Asks for the plan of `method` over the results counted by `version`, unless that is what is shown or asked already. */
  want(method: RankMethodPayload | null, version: string): void {
    const methodKey = method ? JSON.stringify(method) : '';
    const key = `${methodKey}|${version}`;
    if (key === this.key) return;
    this.key = key;
    this.inFlight?.abort();
    this.inFlight = null;
    if (methodKey !== this.methodKey || this.state.kind === 'failed') this.state = method ? { kind: 'waiting' } : { kind: 'none' };
    this.methodKey = methodKey;
    if (!method) return;
    const controller = (this.inFlight = new AbortController());
    this.request(method, controller.signal).then(
      (plan) => this.settle(controller, { kind: 'ready', plan }),
      (error: unknown) => {
        if (error instanceof Error && error.name === 'AbortError') return;
        this.settle(controller, { kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
  }

  dispose(): void {
    this.inFlight?.abort();
    this.inFlight = null;
  }

  private settle(controller: AbortController, state: PlanState): void {
    if (this.inFlight !== controller || controller.signal.aborted) return;
    this.inFlight = null;
    this.state = state;
    this.changed();
  }
}
