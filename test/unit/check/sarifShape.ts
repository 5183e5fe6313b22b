import { strict as assert } from 'node:assert';

/**
 * A structural check against the SARIF 2.1.0 schema (sarif-schema-2.1.0.json, OASIS SARIF
 * 2.1.0 §3) for the objects `lora-lens check --sarif` emits: sarifLog, run, tool, toolComponent,
 * reportingDescriptor, multiformatMessageString, reportingConfiguration, result, message,
 * location, physicalLocation, artifactLocation, region and logicalLocation. It checks each
 * object's required properties, the types of the properties present, the enums (version,
 * level), minimums (region.startLine ≥ 1), and that no property outside the schema's list for
 * that object appears; the official schema file is not available offline.
 */
export function assertSarif(log: unknown): void {
  const root = object(log, 'sarifLog', ['$schema', 'version', 'runs'], ['version', 'runs']);
  assert.equal(root.version, '2.1.0', 'sarifLog.version must be "2.1.0"');
  if ('$schema' in root) assert.equal(typeof root.$schema, 'string');
  const runs = array(root.runs, 'sarifLog.runs');
  for (const [i, run] of runs.entries()) checkRun(run, `runs[${i}]`);
}

type Obj = Record<string, unknown>;

function object(value: unknown, where: string, allowed: readonly string[], required: readonly string[]): Obj {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${where} must be an object`);
  const o = value as Obj;
  for (const key of required) assert.ok(key in o, `${where} lacks required property ${key}`);
  for (const key of Object.keys(o)) assert.ok(allowed.includes(key), `${where} has ${key}, which the schema does not define there`);
  return o;
}

function array(value: unknown, where: string): unknown[] {
  assert.ok(Array.isArray(value), `${where} must be an array`);
  return value as unknown[];
}

function string(value: unknown, where: string): string {
  assert.equal(typeof value, 'string', `${where} must be a string`);
  return value as string;
}

const LEVELS = ['none', 'note', 'warning', 'error'];

function checkRun(value: unknown, where: string): void {
  const run = object(value, where, ['tool', 'results', 'originalUriBaseIds'], ['tool']);
  const tool = object(run.tool, `${where}.tool`, ['driver', 'extensions'], ['driver']);
  const driver = object(tool.driver, `${where}.tool.driver`, ['name', 'version', 'informationUri', 'rules'], ['name']);
  string(driver.name, 'driver.name');
  if ('version' in driver) string(driver.version, 'driver.version');
  if ('informationUri' in driver) assert.doesNotThrow(() => new URL(string(driver.informationUri, 'driver.informationUri')), 'informationUri must be an absolute URI');
  const ids = new Set<string>();
  for (const [i, rule] of array(driver.rules ?? [], 'driver.rules').entries()) {
    const w = `driver.rules[${i}]`;
    const r = object(rule, w, ['id', 'shortDescription', 'fullDescription', 'defaultConfiguration', 'helpUri'], ['id']);
    ids.add(string(r.id, `${w}.id`));
    if ('shortDescription' in r) string(object(r.shortDescription, `${w}.shortDescription`, ['text', 'markdown'], ['text']).text, `${w}.shortDescription.text`);
    if ('defaultConfiguration' in r) {
      const c = object(r.defaultConfiguration, `${w}.defaultConfiguration`, ['level', 'enabled', 'rank'], []);
      if ('level' in c) assert.ok(LEVELS.includes(c.level as string), `${w}.defaultConfiguration.level must be one of ${LEVELS.join(', ')}`);
    }
  }
  assert.equal(ids.size, array(driver.rules ?? [], 'driver.rules').length, 'rule ids must be unique');
  for (const [i, result] of array(run.results ?? [], `${where}.results`).entries()) checkResult(result, `results[${i}]`, ids);
}

function checkResult(value: unknown, where: string, ruleIds: ReadonlySet<string>): void {
  const r = object(value, where, ['ruleId', 'level', 'message', 'locations'], ['message']);
  const message = object(r.message, `${where}.message`, ['text', 'markdown', 'id', 'arguments'], []);
  assert.ok('text' in message || 'id' in message, `${where}.message needs text or id`);
  if ('text' in message) string(message.text, `${where}.message.text`);
  if ('ruleId' in r) assert.ok(ruleIds.has(string(r.ruleId, `${where}.ruleId`)), `${where}.ruleId ${String(r.ruleId)} names no rule of the driver`);
  if ('level' in r) assert.ok(LEVELS.includes(r.level as string), `${where}.level must be one of ${LEVELS.join(', ')}`);
  for (const [i, location] of array(r.locations ?? [], `${where}.locations`).entries()) {
    const w = `${where}.locations[${i}]`;
    const l = object(location, w, ['id', 'physicalLocation', 'logicalLocations', 'message'], []);
    if ('physicalLocation' in l) {
      const p = object(l.physicalLocation, `${w}.physicalLocation`, ['address', 'artifactLocation', 'region', 'contextRegion'], []);
      assert.ok('address' in p || 'artifactLocation' in p, `${w}.physicalLocation needs address or artifactLocation`);
      const a = object(p.artifactLocation, `${w}.artifactLocation`, ['uri', 'uriBaseId', 'index'], []);
      if ('uri' in a) assert.doesNotThrow(() => new URL(string(a.uri, `${w}.uri`), 'file:///base/'), 'uri must be a URI reference');
      if ('uriBaseId' in a) string(a.uriBaseId, `${w}.uriBaseId`);
      if ('region' in p) {
        const region = object(p.region, `${w}.region`, ['startLine', 'startColumn', 'endLine', 'endColumn'], []);
        assert.ok(Number.isInteger(region.startLine) && (region.startLine as number) >= 1, `${w}.region.startLine must be an integer ≥ 1`);
      }
    }
    for (const [j, logical] of array(l.logicalLocations ?? [], `${w}.logicalLocations`).entries()) {
      const g = object(logical, `${w}.logicalLocations[${j}]`, ['name', 'fullyQualifiedName', 'kind', 'index'], []);
      if ('name' in g) string(g.name, 'logicalLocation.name');
      if ('kind' in g) string(g.kind, 'logicalLocation.kind');
    }
  }
}
