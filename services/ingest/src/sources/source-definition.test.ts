import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceDefinition, parseSourcesFile, redactSource, webhookSecrets } from './source-definition';

const rss = { id: 'site', name: '某县政府网', kind: 'rss', url: 'https://example.gov.cn/rss.xml' };

describe('source definitions', () => {
  it('reads the default sources file', () => {
    const sources = parseSourcesFile(readFileSync(join(__dirname, '../../config/sources.json'), 'utf8'), 'sources.json');
    expect(sources.map((s) => [s.id, s.kind, s.enabled])).toEqual([
      ['longnan-gov-news', 'rss', false],
      ['longnan-daily', 'rss', false],
      ['weibo-longnan-keyword', 'json', false],
      ['monitor-vendor', 'webhook', true],
    ]);
  });

  it('fills the polling defaults of a source that gives none', () => {
    const parsed = SourceDefinition.parse(rss);
    expect(parsed).toMatchObject({ enabled: true, polling: { intervalMs: 300_000, jitterRatio: 0.1, unhealthyAfter: 5 } });
  });

  it.each([
    ['an id with upper case', { ...rss, id: 'Site' }, 'id'],
    ['a file: URL', { ...rss, url: 'file:///etc/passwd' }, 'url'],
    ['an interval under a second', { ...rss, polling: { intervalMs: 10 } }, 'polling.intervalMs'],
    ['an hmac webhook without secrets', { id: 'w', name: 'w', kind: 'webhook' }, 'secrets'],
    ['a short secret', { id: 'w', name: 'w', kind: 'webhook', secrets: ['short'] }, 'secrets[0]'],
    ['a JSON source without a mapping', { ...rss, kind: 'json', cursor: { kind: 'none' } }, 'mapping'],
  ])('refuses %s', (_, input, path) => {
    const text = JSON.stringify({ sources: [input] });
    expect(() => parseSourcesFile(text, 'f')).toThrow(`sources[0].${path}`);
  });

  it('refuses two sources with one id', () => {
    expect(() => parseSourcesFile(JSON.stringify({ sources: [rss, rss] }), 'f')).toThrow('sources[1].id: duplicate source id site');
  });

  it('takes secrets from the file and the environment, and never shows them', () => {
    const source = SourceDefinition.parse({ id: 'w', name: 'w', kind: 'webhook', secrets: ['0123456789abcdef'], secretEnv: ['W_SECRET', 'UNSET'] });
    if (source.kind !== 'webhook') throw new Error('kind');
    expect(webhookSecrets(source, { W_SECRET: 'from-env-0123456789' })).toEqual(['0123456789abcdef', 'from-env-0123456789']);
    expect(JSON.stringify(redactSource(source))).not.toContain('0123456789abcdef');
  });
});
