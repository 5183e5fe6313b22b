import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { reportCsv } from '../../../src/core/report/csv';
import { reportMarkdown } from '../../../src/core/report/markdown';
import type { ModuleJson, ReportJson } from '../../../src/core/report/report';
import { reportText } from '../../../src/core/report/text';

/** Names and metadata come from files: every report format must show them as inert text. */

const HOSTILE = '=HYPERLINK("x")|<img src=x onerror=alert(1)>\u001b[31m"quoted",\n*bold*';

function report(name: string): ReportJson {
  const module: ModuleJson = {
    name,
    kind: 'linear',
    shape: [4, 4],
    rank: 2,
    maxRank: 2,
    alpha: 2,
    scale: 1,
    scaleRule: 'lora_alpha / r = 2 / 2',
    scaleKnown: true,
    tensors: { A: 'a', B: 'b' },
    status: 'ok',
    singularValues: [2, 1],
    frobenius: Math.sqrt(5),
    sigma1: 2,
    effectiveRank: 1.6,
    stableRank: 1.25,
    r90: 2,
    r95: 2,
    r99: 2,
    utilization: 0.8,
    dominanceRatio: 2,
    topEnergy: 0.8,
    aboveMeanRank: 1,
    autoRank: 1,
    warnings: [],
  };
  return {
    file: `/tmp/${name}.safetensors`,
    container: 'safetensors',
    format: 'peft',
    formatDetail: 'PEFT LoRA',
    peftType: 'LORA',
    baseModel: name,
    analysable: true,
    backend: 'js',
    compute: null,
    summary: { modules: 1, analysed: 1, skipped: 0, adapterParameters: 16, dtypes: { F32: 2 } },
    modules: [module],
    otherTensors: [],
    warnings: [`odd: ${name}`],
    metadata: null,
    metadataEntries: [{ key: 'ss_output_name', label: 'output name', value: name }],
    configFile: null,
  };
}

test('CSV quotes and neutralizes formulas', () => {
  const rows = reportCsv(report(HOSTILE)).split('\r\n');
  assert.ok(rows[1].startsWith(`"'=HYPERLINK(""x"")|<img`), rows[1]);
  assert.ok(reportCsv(report('-1+1')).split('\r\n')[1].startsWith("'-1+1,"));
});

test('Markdown escapes HTML and Markdown specials', () => {
  const md = reportMarkdown(report(HOSTILE));
  assert.doesNotMatch(md, /(^|[^\\])</m, 'every < is escaped');
  assert.ok(md.includes('&lt;img src=x onerror=alert\\(1\\)&gt;'));
  assert.doesNotMatch(md, /<img/);
  assert.ok(!md.includes('*bold*'));
  assert.ok(!md.includes('\u001b'), 'no raw control characters');
});

test('the terminal report shows control characters as escapes', () => {
  const text = reportText(report(HOSTILE));
  assert.match(text, /training {4}output name/);
  assert.ok(!text.includes('\u001b'), 'no raw escape sequences reach the terminal');
  assert.ok(text.includes('\\u001b[31m'));
});
