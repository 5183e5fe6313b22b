import type { AdapterOverview } from '../../src/protocol/payloads';
import type { Actions } from '../actions';
import { DisposableStore, type Disposable } from '../disposable';
import { definitionList, el } from '../dom';
import { formatBytes, formatInteger } from '../model/format';
import type { Store } from '../state/store';
import { entryList } from './entries';
import { mountIdentityCard } from './identityCard';
import { mountTensorBrowser } from './tensorBrowser';

/** What each container is, as its writer calls it. */
const CONTAINERS: Readonly<Record<string, string>> = {
  safetensors: 'safetensors',
  'pytorch-zip': 'PyTorch checkpoint (zip, torch.save since 1.6)',
  'pytorch-legacy': 'PyTorch checkpoint (legacy format, before torch 1.6)',
  gguf: 'GGUF (llama.cpp)',
};

function summary(o: AdapterOverview): [string, string][] {
  const dtypes = Object.entries(o.dtypes)
    .map(([dtype, count]) => `${dtype}: ${count}`)
    .join(', ');
  const pairs: [string, string][] = [
    ['File', o.file],
    ['Size', formatBytes(o.fileBytes)],
    ['Container', CONTAINERS[o.container] ?? o.container],
    ['Read as', o.formatDetail ? `${o.format} — ${o.formatDetail}` : o.format],
  ];
  for (const rule of o.guessedRules) pairs.push(['Guessed rule', rule]);
  if (o.peftType) pairs.push(['PEFT type', o.peftType]);
  pairs.push(['Base model', o.baseModel ?? 'unknown']);
  if (o.isAdapter) {
    pairs.push(['Adapted modules', formatInteger(o.layers.length)], ['Adapter parameters', formatInteger(o.adapterParameters)]);
    if (o.tensors.length > 0) pairs.push(['Other tensors', formatInteger(o.tensors.length)]);
  } else {
    pairs.push(['Tensors', formatInteger(o.tensors.length)]);
  }
  pairs.push(['Dtypes', dtypes || 'none'], ['Analysable', o.analysable ? 'yes' : 'no']);
  if (o.scaleRules.length > 0) pairs.push(['Scale rules', o.scaleRules.join('; ')]);
  return pairs;
}

function section(title: string, ...content: Node[]): HTMLElement {
  const node = el('section');
  node.append(el('h2', undefined, title), ...content);
  return node;
}

/** The file at a glance: its identity and findings, format, base model, counts, warnings, training metadata and config. */
export function mountOverview(parent: HTMLElement, store: Store, _actions: Actions): Disposable {
  const disposables = new DisposableStore();
  let inner = new DisposableStore();
  disposables.add({ dispose: () => inner.dispose() });
  disposables.add(mountIdentityCard(parent, store));
  const container = el('div', 'overview');
  parent.append(container);
  const render = () => {
    inner.dispose();
    inner = new DisposableStore();
    const o = store.overview;
    if (!o) {
      container.replaceChildren(el('p', 'placeholder', 'Reading the file…'));
      return;
    }
    const parts: Node[] = [];
    if (!o.isAdapter) parts.push(el('p', 'note', 'No adapter was found in this file: it holds no LoRA factors. Its tensors are listed below.'));
    parts.push(section('Summary', definitionList(summary(o))));
    // A guessed rule is said in the summary; the other warnings are listed here.
    const warnings = o.warnings.filter((w) => !o.guessedRules.some((rule) => w.endsWith(rule)));
    if (warnings.length > 0) {
      const list = el('ul', 'warnings');
      for (const w of warnings) list.append(el('li', undefined, w));
      parts.push(section('Warnings', list));
    }
    if (o.metadata.length > 0) parts.push(section('Training metadata', entryList(o.metadata)));
    if (o.config.length > 0 || o.configFile) {
      const config = o.config.length > 0 ? entryList(o.config) : el('p', 'placeholder', 'Empty config.');
      parts.push(section(o.configFile ? `Config (${o.configFile.split(/[\\/]/).pop() ?? ''})` : 'Config', config));
    }
    if (o.tensors.length > 0) {
      const browser = el('div', 'tensor-browser');
      inner.add(mountTensorBrowser(browser, o.tensors));
      parts.push(section(o.isAdapter ? 'Other tensors' : 'Tensors', browser));
    }
    container.replaceChildren(...parts);
  };
  render();
  disposables.add(store.subscribe((changes) => changes.has('overview') && render()));
  return disposables;
}
