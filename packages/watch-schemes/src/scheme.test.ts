import { validateWatchScheme } from './scheme';

const base = { id: 'geo', department: '市国土资源局', name: '地质灾害' };

describe('validateWatchScheme', () => {
  it('accepts a scheme and fills the defaults', () => {
    const result = validateWatchScheme({ ...base, expressions: ['(滑坡|泥石流)+(武都|文县)-演练'] });
    expect(result).toEqual({
      ok: true,
      scheme: { ...base, enabled: true, regionWords: [], eventWords: [], exclusionWords: [], expressions: ['(滑坡|泥石流)+(武都|文县)-演练'] },
    });
  });

  it.each([
    [{ ...base, expressions: ['(滑坡|泥石流)+(武都|文县'] }, 'expressions.0', 15],
    [{ ...base, eventWords: ['滑坡'], expressions: ['滑坡', '+文县'] }, 'expressions.1', 0],
    [{ ...base, expressions: ['滑坡 文县'] }, 'expressions.0', 3],
  ])('refuses a bad expression with its position: %j', (input, path, offset) => {
    const result = validateWatchScheme(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ path, offset });
    expect(result.issues[0]!.expected!.length).toBeGreaterThan(0);
  });

  it.each([
    [{ ...base }, ''],
    [{ ...base, department: ' ', eventWords: ['滑坡'] }, 'department'],
    [{ ...base, eventWords: ['滑坡', '  '] }, 'eventWords.1'],
    [{ ...base, eventWords: '滑坡' }, 'eventWords'],
    [null, ''],
  ])('refuses a malformed scheme: %j at %s', (input, path) => {
    const result = validateWatchScheme(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContain(path);
  });
});
