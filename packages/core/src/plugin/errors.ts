/**
 * A mistake in a plugin's own definition (a name that is not kebab-case, a unit mathjs cannot parse):
 * thrown when the plugin is defined, at import, so it reaches the plugin's author and never a spec's.
 */
export class PluginDefinitionError extends Error {
  override readonly name = 'PluginDefinitionError';
}

/** The kebab-case form of a name, for suggestions: "FeFET" → "fe-fet", "softBounds" → "soft-bounds". */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[-0-9]+|-+$/g, '');
}
