import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';

/**
 * The official SARIF 2.1.0 schema (OASIS, errata01), kept beside the tests in
 * test/data/sarif/ as published in oasis-tcs/sarif-spec (sarif-2.1/schema/sarif-schema-2.1.0.json).
 * It is a draft-04 JSON schema, so the draft-04 build of Ajv validates against it.
 */
const SCHEMA_FILE = join(__dirname, '..', '..', '..', '..', 'test', 'data', 'sarif', 'sarif-schema-2.1.0.json');

const validator = (() => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The schema's string formats, checked rather than ignored: an absolute URI, a URI reference
  // (relative to a base), and an RFC 3339 date-time.
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///base/'));
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)));
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
})();

/** Asserts that `log` validates against the official SARIF 2.1.0 schema, listing every violation. */
export function assertSarif(log: unknown): void {
  const valid = validator(log);
  assert.ok(valid, `not valid SARIF 2.1.0: ${JSON.stringify(validator.errors?.slice(0, 10))}`);
}
