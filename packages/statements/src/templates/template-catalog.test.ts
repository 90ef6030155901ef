import { buildTemplate, loadTemplateCatalog } from './template-catalog';

describe('the statement templates', () => {
  const catalog = loadTemplateCatalog();

  it.each([
    ['situation_report', '情况通报', ['time', 'place', 'event', 'casualties', 'measures', 'nextSteps', 'issuer', 'nextReleaseAt']],
    ['rebuttal', '辟谣', ['claim', 'checked', 'facts', 'legalReminder']],
    ['press_notice', '新闻发布会通知', ['time', 'venue', 'speakers', 'topic']],
    ['policy_interpretation', '政策解读', ['policyTitle', 'policyUrl', 'interpreter']],
  ] as const)('%s (%s) declares the fields the brief asks for', (kind, name, fields) => {
    const template = catalog.get(kind)!;
    expect(template.name).toBe(name);
    expect(template.fields.map((f) => f.name)).toEqual(expect.arrayContaining([...fields]));
  });

  it.each([
    [{ time: '2025年7月3日14时20分', place: '文县', event: '山体滑坡' }, '关于文县山体滑坡的情况通报', '2025年7月3日14时20分，文县发生山体滑坡。'],
    [{ place: '文县', event: '山体滑坡', category: '自然灾害', level: '重大（II级）' }, '关于文县山体滑坡的情况通报', '该事件属自然灾害，初判等级为重大（II级）。'],
    [{ place: '文县', event: '山体滑坡' }, '关于文县山体滑坡的情况通报', '【待填写：伤亡情况】'],
    [{ place: '文县', event: '<b>滑坡</b> & "泥石流"' }, '关于文县<b>滑坡</b> & "泥石流"的情况通报', '文县发生<b>滑坡</b> & "泥石流"'],
  ])('renders a situation report from %j', (values, title, inBody) => {
    const rendered = catalog.get('situation_report')!.render(values);
    expect(rendered.title).toBe(title);
    expect(rendered.body).toContain(inBody);
  });

  it('mentions the next release only when one is planned', () => {
    const report = catalog.get('situation_report')!;
    expect(report.render({ nextReleaseAt: '今日18时' }).body).toContain('我们将于今日18时发布后续进展');
    expect(report.render({}).body).not.toContain('我们将于');
  });

  it.each([
    ['{{place}}发生{{unknownField}}', 'unknownField'],
    ['{{#each victims}}{{this}}{{/each}}', 'victims'],
    ['{{constructor.name}}', 'constructor.name'],
  ])('refuses a template using an undeclared field: %s', (source, name) => {
    const entry = { kind: 'situation_report' as const, name: 'x', file: 'x.md', title: '{{place}}', stages: [], fields: [{ name: 'place', label: '地点', required: true }] };
    expect(() => buildTemplate(entry, source)).toThrow(name);
  });
});
