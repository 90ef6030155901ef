/**
 * The CSP demands Trusted Types, so any innerHTML with a string is refused by the browser. One
 * exception is needed: ECharts' canvas painter clears its container with `innerHTML = ''`. The
 * default policy lets exactly the empty string through and refuses everything else, so no text
 * can ever be parsed as HTML. Must be imported before anything else runs.
 */
interface TrustedTypePolicyFactory {
  createPolicy(
    name: string,
    rules: { createHTML?: (input: string) => string },
  ): unknown;
}

const factory = (globalThis as { trustedTypes?: TrustedTypePolicyFactory })
  .trustedTypes;
if (factory) {
  factory.createPolicy("default", {
    createHTML: (input) => {
      if (input === "") return "";
      throw new TypeError(
        "huiying: HTML from a string is refused; build DOM with h() instead",
      );
    },
  });
}
export {};
