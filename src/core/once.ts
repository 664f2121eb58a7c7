/**
 * A value built on its first use and kept: for what start-up should not pay for unless a configuration needs it
 * (schemas of features it does not use, Node built-ins; issue 11).
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
