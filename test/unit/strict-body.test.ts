import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { droppedKeys } from '../../src/http/strict-body.ts';

describe('droppedKeys: body fields no schema knows', () => {
  const schema = z.object({
    name: z.string().trim(),
    policies: z.object({ storm: z.object({ threshold: z.number() }).optional() }).optional(),
    conditions: z.array(z.object({ field: z.string(), operator: z.string().default('contains') })).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  });
  const dropped = (input: unknown) => droppedKeys(input, schema.parse(input));

  it('names unknown keys at any depth, inside arrays too', () => {
    expect(dropped({ name: 'a', extra: 1 })).toEqual(['extra']);
    expect(dropped({ name: 'a', policies: { storm: { threshold: 1, treshold: 2 } } })).toEqual(['policies.storm.treshold']);
    expect(dropped({ name: 'a', conditions: [{ field: 'from' }, { field: 'to', op: 'x' }] })).toEqual(['conditions.1.op']);
  });

  it('accepts defaults the schema adds, free-form records and changed values', () => {
    expect(dropped({ name: '  padded  ', conditions: [{ field: 'from' }], params: { anything: { nested: true } } })).toEqual([]);
    expect(dropped({ name: 'a' })).toEqual([]);
  });
});
