/**
 * mulberry32: a tiny seeded PRNG, numbers in [0, 1). Math.random would make the committed
 * classifier model, the generated incident streams and the benches' inputs differ from run to run.
 * Changing this sequence changes the trained model: retrain and update its recorded digest.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
