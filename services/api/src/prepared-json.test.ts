import { gunzipSync } from 'node:zlib';
import { acceptsGzip, PreparedJson } from './prepared-json';

describe('prepared JSON', () => {
  it.each([
    ['gzip, deflate, br, zstd', true],
    ['br;q=1.0, gzip;q=0.8', true],
    ['GZIP', true],
    ['*', true],
    ['gzip;q=0', false],
    ['deflate, br', false],
    ['', false],
    [undefined, false],
  ])('Accept-Encoding %p takes gzip: %p', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('compresses once, to the same JSON', async () => {
    const json = JSON.stringify({ incidents: Array.from({ length: 100 }, (_, i) => ({ id: `inc-${i}`, title: '文县碧口镇山体滑坡' })) });
    const prepared = PreparedJson.of(json);
    const zipped = await prepared.gzipped();
    expect(gunzipSync(zipped).toString('utf8')).toBe(json);
    expect(zipped.length).toBeLessThan(prepared.body.length / 5);
    expect(prepared.gzipped()).toBe(prepared.gzipped());
  });
});
