/** A configuration model compared without its source positions (and without undefined fields). */
export function withoutSources(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutSources);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k, x]) => k !== 'source' && x !== undefined)
        .map(([k, x]) => [k, withoutSources(x)]),
    );
  }
  return v;
}
