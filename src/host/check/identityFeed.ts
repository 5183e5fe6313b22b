import * as vscode from 'vscode';
import type { Adapter } from '../../core/adapter/model';
import type { Identity } from '../../core/check/finding';
import { identify } from '../../core/check/identify';
import type { IdentityCardPayload } from '../../protocol/checkPayloads';
import type { CheckResults } from './checkResults';
import { identityCardOf } from './identityCard';

/** identify() of each open adapter, computed once: it is cheap, but views attach again on every reload. */
const identities = new WeakMap<Adapter, Identity>();

/** What identify() says of an adapter (from its header, before any check has run). */
export function identityOf(adapter: Adapter): Identity {
  let identity = identities.get(adapter);
  if (!identity) {
    identity = identify(adapter);
    identities.set(adapter, identity);
  }
  return identity;
}

/**
 * Feeds one view's Identity card: the identity at once, then the card again whenever the check
 * of this adapter's weights file changes in `checks`. A file without an adapter gets no card.
 */
export function attachIdentity(adapter: Adapter, checks: CheckResults, sink: (payload: IdentityCardPayload) => void): vscode.Disposable {
  if (adapter.modules.length === 0 && !adapter.config) return new vscode.Disposable(() => {});
  const send = () => sink(identityCardOf(identityOf(adapter), checks.get(adapter.file)));
  send();
  return checks.onDidChange((path) => path === adapter.file && send());
}
