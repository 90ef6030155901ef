import { createSender } from '../channels/create-sender';
import { allChannels, withChannel } from '../testing/channel-fixtures';
import { noticeOf, roster } from '../testing/fixtures';
import { channelsForAlert, planDeliveries } from './channel-routing';

describe('drills go to drill channels only', () => {
  it.each([
    [false, ['webhook-city', 'wecom-duty', 'dingtalk-duty', 'feishu-duty', 'mail', 'sms']],
    [true, ['wecom-drill']],
  ])('drill=%s uses %j', (drill, ids) => {
    expect(channelsForAlert(allChannels(), { drill }).map((c) => c.id)).toEqual(ids);
  });

  it.each([
    ['live alert', false, [['webhook-city', []], ['wecom-duty', ['zhang']], ['dingtalk-duty', ['li']], ['feishu-duty', ['chen']], ['mail', ['li', 'wang']], ['sms', ['zhang', 'chen', 'wang', 'zhao']]], []],
    ['drill', true, [['wecom-drill', ['zhang']]], ['li', 'chen', 'wang', 'zhao']],
  ] as const)('%s: one message per usable channel, unreachable people named', (_why, drill, deliveries, unreachable) => {
    const plan = planDeliveries(allChannels(), { drill }, roster.people);
    const expected = deliveries.filter(([, people]) => people.length > 0);
    expect(plan.deliveries.map((d) => [d.channel.id, d.recipients.map((p) => p.id)])).toEqual(expected);
    expect(plan.unreachable.map((p) => p.id)).toEqual(unreachable);
  });

  it('a channel without its secret is left out of the plan', () => {
    const plan = planDeliveries(withChannel(allChannels(), 'sms', { secret: undefined }), { drill: false }, roster.people);
    expect(plan.deliveries.map((d) => d.channel.id)).not.toContain('sms');
    expect(plan.unreachable.map((p) => p.id)).toEqual(['zhao']);
  });

  // The senders refuse before any network call, so these need no receiver.
  it.each([
    ['wecom-duty', true, 'drill alert refused by a live channel'],
    ['wecom-drill', false, 'live alert refused by a drill channel'],
  ])('the %s sender refuses drill=%s: %s', async (id, drill, reason) => {
    const channel = allChannels().find((c) => c.id === id)!;
    const outcome = await createSender(channel).send({ notice: noticeOf({ drill }), recipients: roster.people, deliveryId: 'd' });
    expect(outcome).toMatchObject({ status: 'permanent', reason, channelId: id });
  });
});
