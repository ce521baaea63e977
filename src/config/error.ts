// A configuration error naming the field and the problem. Its own module: the scan workers throw
// it (scan/registry.ts) and should not load the YAML parser and the whole schema to do so.
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(issues.length ? `${message}\n  ${issues.join('\n  ')}` : message);
    this.name = 'ConfigError';
  }
}
