// Where a rendered template value lands. The landing decides how each value is encoded and checked:
// CLI tokens are type-checked and refuse control characters, URLs are percent-encoded, JSON is escaped.

export type TemplateLanding = 'cli' | 'url' | 'json' | 'header' | 'text' | 'host' | 'regex' | 'credential';
