import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from '../../../src/core/check/thresholds';
import { checkSettingsFrom, THRESHOLD_SETTINGS } from '../../../src/host/check/checkSettings';

/** The `loraLens.check.*` settings: the manifest, and what a settings file's values become. */

interface Setting {
  readonly type: string;
  readonly default: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
}

function manifestSettings(): Record<string, Setting> {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.nls.json'))) dir = dirname(dir);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, Setting> } } };
  return manifest.contributes.configuration.properties;
}

test('every health threshold is a bounded setting whose default is the core default', () => {
  const properties = manifestSettings();
  assert.deepEqual(THRESHOLD_SETTINGS.map((s) => s.key).sort(), Object.keys(DEFAULT_HEALTH_THRESHOLDS).sort());
  for (const s of THRESHOLD_SETTINGS) {
    const setting = properties[`loraLens.check.${s.key}`];
    assert.ok(setting, s.key);
    assert.equal(setting.type, s.integer ? 'integer' : 'number', s.key);
    assert.equal(setting.default, DEFAULT_HEALTH_THRESHOLDS[s.key], s.key);
    assert.deepEqual([setting.minimum, setting.maximum], [s.minimum, s.maximum], s.key);
    assert.ok(s.minimum <= DEFAULT_HEALTH_THRESHOLDS[s.key] && DEFAULT_HEALTH_THRESHOLDS[s.key] <= s.maximum, s.key);
  }
  assert.deepEqual([properties['loraLens.check.enabled']?.type, properties['loraLens.check.enabled']?.default], ['boolean', true]);
});

test('values become thresholds: unset and non-numbers keep the default, out-of-bounds values are brought to the bound, whole numbers rounded', () => {
  const values: Record<string, unknown> = {
    'check.negligibleRatio': 0.001,
    'check.spikeMads': 7.6,
    'check.spikeMinRatio': -3,
    'check.spikeMinPeers': '9',
    'check.f16OverflowFraction': Number.NaN,
    'check.lowUtilizationFraction': 4,
    'check.alphaTolerance': Infinity,
  };
  const settings = checkSettingsFrom((name) => values[name]);
  const expected: Partial<HealthThresholds> = { negligibleRatio: 0.001, spikeMads: 8, spikeMinRatio: 2, lowUtilizationFraction: 1 };
  assert.deepEqual(settings, { enabled: true, thresholds: expected });
  assert.deepEqual(
    checkSettingsFrom(() => undefined),
    { enabled: true, thresholds: {} },
  );
  assert.equal(checkSettingsFrom((name) => (name === 'check.enabled' ? false : undefined)).enabled, false);
});
