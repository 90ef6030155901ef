import type { IncidentSnapshot } from '@huiying/contracts';
import { correlate, correlateAmong, defaultCorrelationPolicy, MatchVocabulary, packMatch, repostFingerprint, type CorrelationDecision, type OpenIncident } from './correlation';
import { generateStream, REPOST_TAIL } from './correlation-stream.fixture';
import { joinIncident, openIncident } from './lifecycle';

/**
 * The whole correlation path in memory: each arriving flagged post goes through `correlate()`
 * against the open incidents (kept as the repository keeps them: key terms, counties and
 * fingerprints accumulate, lastPostAt is the newest post), then `openIncident`/`joinIncident`.
 * The stream has 200 events with 10,000 posts; the test knows which event each post is about.
 */
// Two seeds: the wording, places and timing differ, the expectations do not.
describe.each([20_170_090, 7])('correlating a generated stream of 10,000 posts about 200 events (seed %i)', (seed) => {
  const { events, posts } = generateStream({
    seed,
    events: 200,
    posts: 10_000,
    spanMs: 4 * 24 * 3_600_000,
    twinShare: 0.15,
    crowdingMs: defaultCorrelationPolicy.windowMs + REPOST_TAIL + 30 * 60_000,
  });

  const incidents = new Map<string, { snapshot: IncidentSnapshot; open: OpenIncident; postIds: string[] }>();
  const decisions = new Map<string, string>();
  const vocabulary = new MatchVocabulary(defaultCorrelationPolicy.localityPattern);
  let packedCandidates = 0;
  const packedDiffer: Array<{ postId: string; decision: CorrelationDecision; onPacked: CorrelationDecision }> = [];
  for (const { post, classification } of posts) {
    // As the repository does: open incidents whose newest post is within the window.
    const since = new Date(Date.parse(post.publishedAt) - defaultCorrelationPolicy.windowMs).toISOString();
    const candidates: OpenIncident[] = [];
    for (const { open } of incidents.values()) if (open.lastPostAt >= since) candidates.push(open);
    const decision = correlate(post, classification, candidates);
    decisions.set(post.id, decision.because);
    // The same decision on packed match data (how the correlation cache hands candidates over).
    const packed = candidates.map((c) => packMatch(c, vocabulary));
    packedCandidates += packed.filter(Boolean).length;
    const onPacked = correlateAmong(post, classification, candidates, (c) => c, defaultCorrelationPolicy, {
      fingerprint: repostFingerprint(post.text),
      packed: { vocabulary, packed },
    }).decision;
    if (JSON.stringify(onPacked) !== JSON.stringify(decision)) packedDiffer.push({ postId: post.id, decision, onPacked });
    const now = new Date(post.collectedAt);
    const fingerprint = repostFingerprint(post.text);
    const current = decision.action === 'join' ? incidents.get(decision.incidentId) : undefined;
    if (current) {
      const change = joinIncident(current.snapshot, post, classification, now);
      current.snapshot = change.snapshot;
      current.postIds.push(post.id);
      const open = current.open;
      open.counties = [...new Set([...open.counties, ...classification.counties])];
      open.keyTerms = [...new Set([...open.keyTerms, ...classification.keyTerms])];
      if (fingerprint) open.fingerprints = [...new Set([...(open.fingerprints ?? []), fingerprint])];
      if (post.publishedAt > open.lastPostAt) open.lastPostAt = post.publishedAt;
    } else {
      expect(incidents.has(decision.incidentId)).toBe(false);
      const change = openIncident(decision.incidentId, post, classification, now);
      incidents.set(decision.incidentId, {
        snapshot: change.snapshot,
        postIds: [post.id],
        open: {
          id: decision.incidentId,
          kind: change.snapshot.kind,
          subtype: change.snapshot.subtype,
          category: change.snapshot.category,
          counties: change.snapshot.counties,
          keyTerms: classification.keyTerms,
          lastPostAt: post.publishedAt,
          fingerprints: fingerprint ? [fingerprint] : [],
        },
      });
    }
  }

  const eventOf = new Map(posts.map((p) => [p.post.id, p.eventId]));
  const postsOfEvent = new Map<number, string[]>();
  for (const p of posts) postsOfEvent.set(p.eventId, [...(postsOfEvent.get(p.eventId) ?? []), p.post.id]);

  it('is the stream it claims to be: 200 events, 10,000 flagged posts, twins and place-less reposts among them', () => {
    expect(events).toHaveLength(200);
    expect(posts).toHaveLength(10_000);
    expect(posts.every((p) => p.classification.emergency.flagged)).toBe(true);
    expect(events.filter((e) => e.crowded).length).toBeGreaterThan(20);
    expect(posts.filter((p) => p.classification.counties.length === 0 && !p.classification.keyTerms.some((t) => /镇|乡$/.test(t))).length).toBeGreaterThan(100);
    expect(posts.filter((p) => /^(转发|【转】|扩散)|\/\/@/.test(p.post.text)).length).toBeGreaterThan(4000);
  });

  it('decides every post the same on packed match data as on the incidents’ fields', () => {
    expect(packedCandidates).toBeGreaterThan(100_000);
    expect(packedDiffer.slice(0, 5)).toEqual([]);
  });

  it('opens exactly 200 incidents', () => {
    expect(incidents.size).toBe(200);
  });

  it('puts each event’s posts, and only those, in one incident', () => {
    const wrong: string[] = [];
    for (const { postIds, snapshot } of incidents.values()) {
      const eventIds = new Set(postIds.map((id) => eventOf.get(id)));
      const eventId = eventOf.get(postIds[0]!)!;
      if (eventIds.size !== 1) wrong.push(`${snapshot.id} mixes events ${[...eventIds].join(',')}`);
      else if (postIds.length !== postsOfEvent.get(eventId)!.length) wrong.push(`${snapshot.id} has ${postIds.length} of event ${eventId}'s ${postsOfEvent.get(eventId)!.length} posts`);
      if (snapshot.postCount !== postIds.length) wrong.push(`${snapshot.id} counts ${snapshot.postCount} posts for ${postIds.length}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('gives each incident the t0 of its event’s earliest post and the event’s place', () => {
    for (const { postIds, snapshot } of incidents.values()) {
      const event = events[eventOf.get(postIds[0]!)!]!;
      expect(snapshot.t0).toBe(new Date(event.startMs).toISOString());
      expect(snapshot.counties).toContain(event.county);
    }
  });

  it('used each signal: same locality, same county, near-duplicate text', () => {
    const because = [...decisions.values()];
    expect(because.filter((b) => b.startsWith('same locality')).length).toBeGreaterThan(1000);
    expect(because.filter((b) => b.startsWith('same county')).length).toBeGreaterThan(100);
    expect(because.filter((b) => b.startsWith('near-duplicate')).length).toBeGreaterThan(100);
  });
});
