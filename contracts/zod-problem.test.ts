import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { frameProblem, paramProblem, zodMessage, zodProblem, zodProblems } from './zod-problem.ts';

const Body = z.strictObject({
  name: z.string().min(1, 'must not be empty'),
  tokens: z.record(z.string().regex(/^\d+$/, 'keys must be instrument tokens'), z.enum(['ltp', 'quote', 'full'])),
  nested: z.strictObject({ size: z.number().max(10, 'must be at most 10') }).optional(),
});

const errorOf = (schema: z.ZodType, value: unknown): z.ZodError => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('the value parsed');
  return result.error;
};

describe('zod problems', () => {
  it('name the path, the message and the code of each issue', () => {
    expect(zodProblems(errorOf(Body, { name: '', tokens: {}, nested: { size: 11 } }))).toEqual([
      { path: ['name'], message: 'must not be empty', code: 'too_small' },
      { path: ['nested', 'size'], message: 'must be at most 10', code: 'too_big' },
    ]);
  });

  it('give a record key’s own rule rather than zod’s "Invalid key in record"', () => {
    expect(zodProblem(errorOf(Body, { name: 'a', tokens: { x: 'ltp' } }))).toEqual({
      path: ['tokens', 'x'],
      message: 'keys must be instrument tokens',
      code: 'invalid_key',
    });
  });

  it('name an unknown key apart from the object holding it', () => {
    expect(zodProblem(errorOf(Body, { name: 'a', tokens: {}, nested: { size: 1, colour: 'red' } }))).toMatchObject({
      path: ['nested'],
      code: 'unrecognized_keys',
      unknownKey: 'colour',
    });
  });

  it('as a 400: the dotted path to the field, an unknown one by its own name, the root by name', () => {
    const options = { root: '(body)', unknownField: 'unknown field' };
    expect(paramProblem(errorOf(Body, { name: 'a', tokens: {}, nested: { size: 11 } }), options)).toEqual({
      param: 'nested.size',
      message: 'must be at most 10',
    });
    expect(paramProblem(errorOf(Body, { name: 'a', tokens: {}, nested: { size: 1, colour: 'red' } }), options)).toEqual({
      param: 'nested.colour',
      message: 'unknown field',
    });
    expect(paramProblem(errorOf(Body, 'text'), options)).toEqual({ param: '(body)', message: expect.stringMatching(/expected object/) });
  });

  it('as a frame’s line: `path: message`, JSON’s own error as it is, cut to length', () => {
    expect(frameProblem(errorOf(Body, { name: 'a', tokens: { x: 'ltp' } }))).toBe('tokens.x: keys must be instrument tokens');
    expect(frameProblem(errorOf(Body, 7))).toMatch(/^\(frame\): /);
    expect(frameProblem(errorOf(Body, 7), '(message)')).toMatch(/^\(message\): /);
    let syntax: unknown;
    try {
      JSON.parse('{');
    } catch (error) {
      syntax = error;
    }
    expect(frameProblem(syntax)).toBe((syntax as Error).message);
    expect(frameProblem(errorOf(z.string().min(1, 'x'.repeat(600)), ''))).toHaveLength(500);
    expect(frameProblem(errorOf(z.string().min(1, 'x'.repeat(600)), ''), '(frame)', 200)).toHaveLength(200);
  });

  it('as a message alone, with a fallback', () => {
    expect(zodMessage(errorOf(Body, { name: '', tokens: {} }), 'bad')).toBe('must not be empty');
    expect(zodMessage(new z.ZodError([]), 'bad')).toBe('bad');
  });
});
