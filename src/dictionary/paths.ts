// Where the package's own files live: resolved from this module, so it works from src/ (tsx, vitest)
// and from dist/ (built) alike, since both sit one level below the package root.
import { fileURLToPath } from 'node:url';

/** The package's `dictionaries/` directory (sample dictionaries and schema.json). */
export const DICTIONARIES_DIR = fileURLToPath(new URL('../../dictionaries/', import.meta.url));

export const SCHEMA_PATH = fileURLToPath(new URL('../../dictionaries/schema.json', import.meta.url));
